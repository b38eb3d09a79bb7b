//! Large tables at real sizes, told small: one table cut into segments that every worker
//! shares, segment sizes that follow the measured speed, and a time budget that ends the run
//! cleanly and says which key ranges were covered — never a pass for the rest.

mod common;

use common::{TestServer, batch, connect, sim};
use cutover_sim::server::TlsMode;
use cutover_validate::budget::{Budget, Priority};
use cutover_validate::plan::Range;
use cutover_validate::report::{Status, Verdict};
use cutover_validate::{Options, Progress, Report, validate_with};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// `dbo.big` (`rows` rows), `dbo.small` and `dbo.tiny`; the target's `dbo.big` has id 1234
/// changed when `changed`.
async fn seed(server: &TestServer, rows: u32, changed: bool) {
    batch(server, "CREATE TABLE dbo.big (id int NOT NULL PRIMARY KEY, v nvarchar(20) NULL, n int NULL)")
        .await;
    for chunk in (1..=rows).collect::<Vec<_>>().chunks(500) {
        let values: Vec<String> = chunk.iter().map(|i| format!("({i}, N'v{i}', {})", i % 7)).collect();
        batch(server, &format!("INSERT INTO dbo.big VALUES {}", values.join(", "))).await;
    }
    for (t, n) in [("small", 300), ("tiny", 20)] {
        let values: Vec<String> = (1..=n).map(|i| format!("({i})")).collect();
        batch(
            server,
            &format!(
                "CREATE TABLE dbo.{t} (id int NOT NULL PRIMARY KEY); INSERT INTO dbo.{t} VALUES {}",
                values.join(", ")
            ),
        )
        .await;
    }
    if changed {
        batch(server, "UPDATE dbo.big SET n = -1 WHERE id = 1234").await;
    }
}

/// Rows done per table, as the terminal's bars see them.
#[derive(Default)]
struct Seen {
    started: Vec<(String, u64)>,
    rows: std::collections::BTreeMap<String, u64>,
    finished: Vec<(String, String)>,
}

impl Progress for Seen {
    fn message(&mut self, _: &str) {}
    fn table_started(&mut self, table: &str, rows: u64) {
        self.started.push((table.into(), rows));
    }
    fn rows_done(&mut self, table: &str, rows: u64) {
        *self.rows.entry(table.into()).or_default() += rows;
    }
    fn table_finished(&mut self, table: &str, status: &str) {
        self.finished.push((table.into(), status.into()));
    }
}

async fn run(src: &TestServer, tgt: &TestServer, opts: &Options, seen: &mut Seen) -> Report {
    let (mut a, mut b) = (connect(src).await, connect(tgt).await);
    validate_with(&mut a, &mut b, opts, seen).await.expect("a report")
}

fn table<'r>(r: &'r Report, name: &str) -> &'r cutover_validate::report::TableReport {
    r.tables.iter().find(|t| t.table == name).unwrap_or_else(|| panic!("no {name} in {:?}", r.tables))
}

#[tokio::test(flavor = "multi_thread")]
async fn one_large_table_is_compared_in_segments_by_every_worker() {
    let (src, tgt) = (sim(TlsMode::Disabled).await, sim(TlsMode::Disabled).await);
    seed(&src, 6000, false).await;
    seed(&tgt, 6000, true).await;
    let opts = Options { parallel: 4, first_segment_rows: 700, leaf_rows: 50, ..Options::default() };
    let mut seen = Seen::default();
    let report = run(&src, &tgt, &opts, &mut seen).await;
    assert_eq!(report.verdict, Verdict::Differences);
    let big = table(&report, "dbo.big");
    assert_eq!(big.differences_total, 1);
    assert_eq!(big.differences[0].key["id"], "1234");
    assert_eq!(big.differences[0].columns, ["n"]);
    let coverage = big.coverage.as_ref().expect("a segmented table says what it covered");
    assert!(
        coverage.complete && coverage.rows_covered == 6000 && coverage.rows_total == 6000,
        "{coverage:?}"
    );
    assert_eq!(coverage.ranges, [Range::default()], "adjacent segments merge into the whole key space");
    assert!(big.segments_compared >= 2, "{}", big.segments_compared);
    assert_eq!(seen.rows.get("dbo.big"), Some(&6000), "every row counted once for rows/s and the ETA");
    assert!(seen.started.contains(&("dbo.big".into(), 6000)));
    assert!(seen.finished.contains(&("dbo.big".into(), "differs".into())));
    assert_eq!(table(&report, "dbo.small").status(), Status::Pass);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_time_budget_stops_cleanly_and_names_the_ranges_it_covered() {
    let (src, tgt) = (sim(TlsMode::Disabled).await, sim(TlsMode::Disabled).await);
    seed(&src, 3000, false).await;
    seed(&tgt, 3000, false).await;
    // The budget's clock advances one second each time a worker asks for work: open dbo.big
    // (largest first), then three segments of 500 rows, then it has ended.
    let ticks = Arc::new(AtomicU64::new(0));
    let clock = Arc::clone(&ticks);
    let opts = Options {
        parallel: 1,
        leaf_rows: 500,
        first_segment_rows: 500,
        segment_seconds: 1e-6,
        priority: Priority::LargestFirst,
        budget: Some(Budget::with_clock(Duration::from_secs(4), move || {
            Duration::from_secs(clock.fetch_add(1, Ordering::SeqCst))
        })),
        ..Options::default()
    };
    let report = run(&src, &tgt, &opts, &mut Seen::default()).await;
    assert_eq!(report.verdict, Verdict::Incomplete, "what was not covered is never a pass");
    let big = table(&report, "dbo.big");
    assert_eq!(big.status(), Status::NotCovered);
    let coverage = big.coverage.as_ref().expect("coverage");
    assert!(!coverage.complete);
    assert_eq!((coverage.rows_covered, coverage.rows_total), (1500, 3000));
    assert_eq!(coverage.ranges, [Range { lo: None, hi: Some(vec!["1501".into()]) }], "{coverage:?}");
    let line = big.coverage_line().expect("a coverage line");
    assert!(line.contains("1500 of 3000 rows (50.0 %)") && line.contains("[start, (1501))"), "{line}");
    for t in ["dbo.small", "dbo.tiny"] {
        assert_eq!(table(&report, t).status(), Status::NotCovered, "{t} was not started");
    }
    let budget = report.budget.as_ref().expect("the budget is reported");
    assert!(budget.exhausted);
    assert_eq!((budget.tables_complete, budget.tables_partial, budget.tables_not_started), (0, 1, 2));
    assert_eq!(budget.priority, "largest first");
    let text = report.render_text();
    assert!(text.contains("time budget 4s (largest first): ended before every table was covered"), "{text}");
}
