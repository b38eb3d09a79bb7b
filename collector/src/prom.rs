//! The Prometheus exposition of the last completed round of every instance, in the `prometheus`
//! crate's data model and text encoder: `mssql_` prefix, base units, counters end in `_total`,
//! the SQL instance is the `sql_instance` label (never `instance`), no SQL text in labels (query
//! stats are not exposed per query), plus `mssql_up`, per-family collection errors and collector
//! health.
//!
//! A scrape builds the metric families straight from each instance's last round (no registry:
//! at 200 instances that is ~140k series, and a registry rebuilt per scrape hashed, locked and
//! copied every one of them twice). The values are the instance's own (a counter is the DMV's
//! cumulative value, so a restart shows as the counter reset Prometheus expects).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use prometheus::TextEncoder;
use prometheus::proto::{Counter, Gauge, LabelPair, Metric, MetricFamily, MetricType};

use crate::sample::{PromKind, PromValue, Round};

/// What `/metrics` shows for one instance; cheap to clone (the last round's values are shared).
#[derive(Clone, Debug, Default)]
pub struct InstanceView {
    /// The series of the last round that read anything (a scrape never waits on a slow
    /// instance); the round's baseline points are not kept.
    pub last: Option<Arc<[PromValue]>>,
    pub up: bool,
    /// Cumulative per family.
    pub errors: BTreeMap<String, u64>,
    pub queries: u64,
    pub queries_failed: u64,
    pub rounds: u64,
    pub rounds_late: u64,
    pub gaps: u64,
    pub last_duration_secs: f64,
}

impl InstanceView {
    /// Folds a finished round in.
    pub fn update(&mut self, round: Round) {
        self.up = round.up;
        self.rounds += u64::from(!round.setup);
        self.rounds_late += u64::from(round.late);
        self.queries += round.queries;
        self.queries_failed += round.queries_failed;
        self.gaps += round.gaps.len() as u64;
        self.last_duration_secs = round.duration_secs;
        for e in &round.errors {
            *self.errors.entry(e.family.clone()).or_default() += 1;
        }
        if round.at.is_some() {
            self.last = Some(round.prom.into());
        }
    }

    /// The collector's own health series for this instance.
    fn health(&self) -> [(&'static str, &'static str, PromKind, f64); 6] {
        [
            (
                "mssql_collector_queries_total",
                "Queries the collector sent",
                PromKind::Counter,
                self.queries as f64,
            ),
            (
                "mssql_collector_queries_failed_total",
                "Queries that failed",
                PromKind::Counter,
                self.queries_failed as f64,
            ),
            ("mssql_collector_rounds_total", "Sampling rounds", PromKind::Counter, self.rounds as f64),
            (
                "mssql_collector_rounds_late_total",
                "Rounds that started late",
                PromKind::Counter,
                self.rounds_late as f64,
            ),
            (
                "mssql_collector_gaps_total",
                "Intervals dropped (restart, reset, gap, lost connection)",
                PromKind::Counter,
                self.gaps as f64,
            ),
            (
                "mssql_collector_round_duration_seconds",
                "Duration of the last round",
                PromKind::Gauge,
                self.last_duration_secs,
            ),
        ]
    }
}

/// The families of one exposition, by name; a label set seen twice in a family keeps its first
/// value (as a registry would). Every series carries its `sql_instance`, so duplicates can only
/// come from one instance: `seen` holds one instance's series at a time.
#[derive(Default)]
struct Families {
    by_name: BTreeMap<String, MetricFamily>,
    seen: HashSet<(String, Vec<(&'static str, String)>)>,
}

impl Families {
    /// The next instance's series cannot repeat the last one's.
    fn next_instance(&mut self) {
        self.seen.clear();
    }

    fn add(
        &mut self,
        name: String,
        help: &str,
        kind: PromKind,
        mut labels: Vec<(&'static str, String)>,
        value: f64,
    ) {
        labels.sort_by(|a, b| a.0.cmp(b.0));
        if !self.seen.insert((name.clone(), labels.clone())) {
            return;
        }
        let mut metric = Metric::from_label(
            labels
                .into_iter()
                .map(|(k, v)| {
                    let mut pair = LabelPair::default();
                    pair.set_name(k.to_string());
                    pair.set_value(v);
                    pair
                })
                .collect(),
        );
        match kind {
            PromKind::Gauge => {
                let mut g = Gauge::default();
                g.set_value(value);
                metric.set_gauge(g);
            }
            PromKind::Counter => {
                // A counter cannot be negative or NaN: such a reading shows 0.
                let mut c = Counter::default();
                c.set_value(if value >= 0.0 { value } else { 0.0 });
                metric.set_counter(c);
            }
        }
        let family = self.by_name.entry(name).or_insert_with_key(|name| {
            let mut f = MetricFamily::default();
            f.set_name(name.clone());
            f.set_help(help.to_string());
            f.set_field_type(match kind {
                PromKind::Gauge => MetricType::GAUGE,
                PromKind::Counter => MetricType::COUNTER,
            });
            f
        });
        family.mut_metric().push(metric);
    }
}

/// Renders the text exposition format.
pub fn render(views: &BTreeMap<String, InstanceView>) -> Result<String, prometheus::Error> {
    let mut families = Families::default();
    for (instance, view) in views {
        families.next_instance();
        let i = || vec![("sql_instance", instance.clone())];
        families.add(
            "mssql_up".into(),
            "1 when the last round reached the instance",
            PromKind::Gauge,
            i(),
            f64::from(u8::from(view.up)),
        );
        for (family, n) in &view.errors {
            let mut labels = i();
            labels.push(("family", family.clone()));
            families.add(
                "mssql_collection_errors_total".into(),
                "Collection errors by family",
                PromKind::Counter,
                labels,
                *n as f64,
            );
        }
        for (name, help, kind, value) in view.health() {
            families.add(name.into(), help, kind, i(), value);
        }
        for v in view.last.iter().flat_map(|l| l.iter()) {
            families.add(series_name(v), v.help, v.kind, series_labels(instance, v), v.value);
        }
    }
    let families: Vec<MetricFamily> = families.by_name.into_values().collect();
    TextEncoder::new().encode_to_string(&families)
}

/// `mssql_<name>`, with `_total` for a counter.
fn series_name(v: &PromValue) -> String {
    match v.kind {
        PromKind::Counter => format!("mssql_{}_total", v.name),
        PromKind::Gauge => format!("mssql_{}", v.name),
    }
}

/// The instance, the value's own labels, and for a wait its category (from the shipped table).
fn series_labels(instance: &str, v: &PromValue) -> Vec<(&'static str, String)> {
    let mut labels = vec![("sql_instance", instance.to_string())];
    labels.extend(v.labels.iter().cloned());
    if v.name.starts_with("wait") || v.name.starts_with("signal_wait") {
        let wait = v.labels.iter().find(|(k, _)| *k == "wait_type").map_or("", |(_, w)| w.as_str());
        labels.push(("wait_category", cutover_baseline::waits::classify(wait).category.to_string()));
    }
    labels
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(name: &str, kind: PromKind, labels: &[(&'static str, &str)], value: f64) -> PromValue {
        PromValue {
            name: name.into(),
            help: "help",
            kind,
            labels: labels.iter().map(|(k, v)| (*k, v.to_string())).collect(),
            value,
        }
    }

    fn view(series: Vec<PromValue>) -> InstanceView {
        let mut v = InstanceView::default();
        let round =
            Round { at: Some(chrono::NaiveDateTime::default()), up: true, prom: series, ..Round::default() };
        v.update(round);
        v
    }

    #[test]
    fn every_family_is_one_group_with_instances_apart_and_a_repeated_series_once() {
        let waits =
            |ms: f64| value("wait_time_seconds", PromKind::Counter, &[("wait_type", "PAGEIOLATCH_SH")], ms);
        let views = BTreeMap::from([
            ("a".to_string(), view(vec![waits(2.0), waits(9.0)])),
            ("b".to_string(), view(vec![waits(3.0), value("batch_requests", PromKind::Counter, &[], -1.0)])),
        ]);
        let text = render(&views).unwrap();
        assert_eq!(text.matches("# TYPE mssql_wait_time_seconds_total counter").count(), 1, "{text}");
        let a = r#"mssql_wait_time_seconds_total{sql_instance="a",wait_category="Buffer IO",wait_type="PAGEIOLATCH_SH"}"#;
        assert!(
            text.contains(&format!("{a} 2\n")) && !text.contains(&format!("{a} 9")),
            "first kept: {text}"
        );
        assert!(text.contains(r#"sql_instance="b",wait_category="Buffer IO",wait_type="PAGEIOLATCH_SH"} 3"#));
        // A counter never goes negative.
        assert!(text.contains("mssql_batch_requests_total{sql_instance=\"b\"} 0\n"), "{text}");
        assert!(text.contains("mssql_up{sql_instance=\"a\"} 1\n"), "{text}");
    }
}
