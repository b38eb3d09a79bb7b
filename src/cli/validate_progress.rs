//! `cutover validate`'s progress on a terminal: one bar for the whole run and one per table
//! being compared, each with rows/s and an ETA (indicatif computes both from the rows done).
//! Off a terminal, or with `--json`, nothing is drawn.

use cutover_validate::Progress;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::time::Duration;

const TABLE: &str =
    "{prefix:>28!} {bar:24.cyan/blue} {human_pos:>11}/{human_len:<11} rows {per_sec:>14} ETA {eta:>4}";
const OVERALL: &str = "{prefix:>28!} {bar:24.green/white} {human_pos:>11}/{human_len:<11} rows {per_sec:>14} ETA {eta:>4} {msg}";

/// Bars on stderr.
pub struct Bars {
    multi: MultiProgress,
    overall: ProgressBar,
    tables: HashMap<String, ProgressBar>,
    /// Rows each table was expected to have (metadata), replaced by the exact count at start.
    expected: HashMap<String, u64>,
    finished: usize,
    total: usize,
}

impl Bars {
    pub fn new() -> Bars {
        let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
        let overall = multi.add(ProgressBar::new(0));
        overall.set_style(style(OVERALL));
        overall.set_prefix("all tables");
        overall.enable_steady_tick(Duration::from_millis(200));
        Bars { multi, overall, tables: HashMap::new(), expected: HashMap::new(), finished: 0, total: 0 }
    }

    /// Clears the bars (the report follows on stdout).
    pub fn finish(&self) {
        for bar in self.tables.values() {
            bar.finish_and_clear();
        }
        self.overall.finish_and_clear();
    }
}

fn style(template: &str) -> ProgressStyle {
    ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("█▉▊▋▌▍▎▏ ")
}

impl Progress for Bars {
    fn message(&mut self, text: &str) {
        self.overall.set_message(text.to_string());
    }

    fn planned(&mut self, tables: &[(String, Option<u64>)]) {
        self.total = tables.len();
        let rows: u64 = tables.iter().map(|(_, r)| r.unwrap_or(0)).sum();
        self.expected = tables.iter().map(|(t, r)| (t.clone(), r.unwrap_or(0))).collect();
        self.overall.set_length(rows);
    }

    fn table_started(&mut self, table: &str, rows: u64) {
        let estimate = self.expected.insert(table.to_string(), rows).unwrap_or(0);
        let len = self.overall.length().unwrap_or(0);
        self.overall.set_length((len + rows).saturating_sub(estimate));
        let bar = self.multi.add(ProgressBar::new(rows));
        bar.set_style(style(TABLE));
        bar.set_prefix(table.to_string());
        self.tables.insert(table.to_string(), bar);
    }

    fn rows_done(&mut self, table: &str, rows: u64) {
        if let Some(bar) = self.tables.get(table) {
            bar.inc(rows);
        }
        self.overall.inc(rows);
    }

    fn table_finished(&mut self, table: &str, status: &str) {
        self.finished += 1;
        let rows = match self.tables.remove(table) {
            Some(bar) => {
                let done = bar.position();
                bar.finish_and_clear();
                self.multi.remove(&bar);
                let secs = bar.elapsed().as_secs_f64().max(0.001);
                format!("{done} rows in {secs:.1} s ({:.0} rows/s)", done as f64 / secs)
            }
            None => {
                // Not segmented (counts only, keyless, sampled, incremental): its rows count as done.
                let rows = self.expected.get(table).copied().unwrap_or(0);
                self.overall.inc(rows);
                String::new()
            }
        };
        let _ = self.multi.println(format!("{status:>11}  {table}  {rows}"));
        self.overall.set_message(format!("{}/{} tables", self.finished, self.total));
    }
}
