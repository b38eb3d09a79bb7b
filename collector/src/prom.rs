//! The Prometheus exposition of the last completed round of every instance, with the
//! `prometheus` crate: `mssql_` prefix, base units, counters end in `_total`, the SQL instance
//! is the `sql_instance` label (never `instance`), no SQL text in labels (query stats are not
//! exposed per query), plus `mssql_up`, per-family collection errors and collector health.

use std::collections::{BTreeMap, HashMap};

use prometheus::{CounterVec, Encoder, GaugeVec, Opts, Registry, TextEncoder};

use crate::sample::{PromKind, Round};

/// What `/metrics` shows for one instance.
#[derive(Clone, Debug, Default)]
pub struct InstanceView {
    /// The last round that read anything (a scrape never waits on a slow instance).
    pub last: Option<Round>,
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
            self.last = Some(round);
        }
    }
}

enum Vec2 {
    Gauge(GaugeVec),
    Counter(CounterVec),
}

/// Renders the text exposition format.
pub fn render(views: &BTreeMap<String, InstanceView>) -> Result<String, prometheus::Error> {
    let registry = Registry::new();
    let mut families: HashMap<String, Vec2> = HashMap::new();
    let mut set = |name: String,
                   help: &str,
                   kind: PromKind,
                   labels: Vec<(&str, &str)>,
                   value: f64|
     -> Result<(), prometheus::Error> {
        if !families.contains_key(&name) {
            let keys: Vec<&str> = labels.iter().map(|(k, _)| *k).collect();
            let v = match kind {
                PromKind::Gauge => {
                    let g = GaugeVec::new(Opts::new(name.clone(), help), &keys)?;
                    registry.register(Box::new(g.clone()))?;
                    Vec2::Gauge(g)
                }
                PromKind::Counter => {
                    let c = CounterVec::new(Opts::new(name.clone(), help), &keys)?;
                    registry.register(Box::new(c.clone()))?;
                    Vec2::Counter(c)
                }
            };
            families.insert(name.clone(), v);
        }
        let values: Vec<&str> = labels.iter().map(|(_, v)| *v).collect();
        match families.get(&name) {
            Some(Vec2::Gauge(g)) => g.get_metric_with_label_values(&values)?.set(value),
            Some(Vec2::Counter(c)) => {
                let m = c.get_metric_with_label_values(&values)?;
                if value >= 0.0 && m.get() == 0.0 {
                    m.inc_by(value);
                }
            }
            None => {}
        }
        Ok(())
    };
    for (instance, view) in views {
        let i = instance.as_str();
        set(
            "mssql_up".into(),
            "1 when the last round reached the instance",
            PromKind::Gauge,
            vec![("sql_instance", i)],
            f64::from(u8::from(view.up)),
        )?;
        for (family, n) in &view.errors {
            set(
                "mssql_collection_errors_total".into(),
                "Collection errors by family",
                PromKind::Counter,
                vec![("sql_instance", i), ("family", family)],
                *n as f64,
            )?;
        }
        let health: [(&str, &str, PromKind, f64); 6] = [
            (
                "mssql_collector_queries_total",
                "Queries the collector sent",
                PromKind::Counter,
                view.queries as f64,
            ),
            (
                "mssql_collector_queries_failed_total",
                "Queries that failed",
                PromKind::Counter,
                view.queries_failed as f64,
            ),
            ("mssql_collector_rounds_total", "Sampling rounds", PromKind::Counter, view.rounds as f64),
            (
                "mssql_collector_rounds_late_total",
                "Rounds that started late",
                PromKind::Counter,
                view.rounds_late as f64,
            ),
            (
                "mssql_collector_gaps_total",
                "Intervals dropped (restart, reset, gap, lost connection)",
                PromKind::Counter,
                view.gaps as f64,
            ),
            (
                "mssql_collector_round_duration_seconds",
                "Duration of the last round",
                PromKind::Gauge,
                view.last_duration_secs,
            ),
        ];
        for (name, help, kind, value) in health {
            set(name.into(), help, kind, vec![("sql_instance", i)], value)?;
        }
        let Some(round) = &view.last else { continue };
        for v in &round.prom {
            let name = match v.kind {
                PromKind::Counter => format!("mssql_{}_total", v.name),
                PromKind::Gauge => format!("mssql_{}", v.name),
            };
            let mut labels: Vec<(&str, &str)> = vec![("sql_instance", i)];
            labels.extend(v.labels.iter().map(|(k, val)| (*k, val.as_str())));
            if v.name.starts_with("wait") || v.name.starts_with("signal_wait") {
                // The category is applied at exposition time from the shipped table.
                let class = cutover_baseline::waits::classify(
                    v.labels.iter().find(|(k, _)| *k == "wait_type").map_or("", |(_, w)| w),
                );
                labels.push(("wait_category", class.category));
            }
            set(name, v.help, v.kind, labels, v.value)?;
        }
    }
    let mut buf = Vec::new();
    TextEncoder::new().encode(&registry.gather(), &mut buf)?;
    Ok(String::from_utf8_lossy(&buf).into_owned())
}
