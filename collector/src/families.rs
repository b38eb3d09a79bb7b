//! Turning a family's rows into points: the generic table loop, and the three shapes with
//! maths of their own (performance counters, the scheduler-monitor ring buffer, query stats).

use std::collections::{BTreeMap, HashMap};

use tiberius::Row;

use crate::catalog::{Kind, Ratio, Value};
use crate::counters::{self, CounterKind, CounterSnapshot, RawCounter};
use crate::delta::{GapCause, Stamp, Tolerance, Tracker};
use crate::rows::{integer, number, text};
use crate::sample::{Labels, Point, PromKind, PromValue, labels};

/// Points, exposition values and a dropped interval (if any) from one family's rows.
#[derive(Debug, Default)]
pub struct Output {
    pub points: Vec<Point>,
    pub prom: Vec<PromValue>,
    pub gap: Option<GapCause>,
}

/// The generic loop for [`crate::catalog::Shape::Table`] families.
#[allow(clippy::too_many_arguments)]
pub fn table(
    family: &'static str,
    label_cols: &'static [&'static str],
    values: &'static [Value],
    ratios: &'static [Ratio],
    rows: &[Row],
    stamp: Stamp,
    expected_secs: f64,
    tol: Tolerance,
    tracker: &mut Tracker<Vec<String>>,
) -> Output {
    let mut out = Output::default();
    let counters: Vec<&Value> = values.iter().filter(|v| v.kind == Kind::Counter).collect();
    let mut cumulative = HashMap::with_capacity(rows.len());
    let mut label_sets = HashMap::with_capacity(rows.len());
    for row in rows {
        let key: Vec<String> = label_cols.iter().map(|c| text(row, c)).collect();
        let lbls = labels(label_cols.iter().copied().zip(key.iter().cloned()).collect());
        for v in values.iter().filter(|v| v.kind == Kind::Gauge) {
            if let Some(x) = number(row, v.column) {
                let value = x * v.scale;
                out.points.push(Point {
                    family,
                    metric: v.metric.to_string(),
                    labels: lbls.clone(),
                    value,
                    unit: v.unit,
                });
                out.prom.push(prom(v.metric, v.help, PromKind::Gauge, &lbls, value));
            }
        }
        if !counters.is_empty() {
            let raw: Vec<i64> = counters.iter().map(|v| integer(row, v.column).unwrap_or(0)).collect();
            for (v, r) in counters.iter().zip(&raw) {
                out.prom.push(prom(v.metric, v.help, PromKind::Counter, &lbls, *r as f64 * v.scale));
            }
            cumulative.insert(key.clone(), raw);
            label_sets.insert(key, lbls);
        }
    }
    if counters.is_empty() {
        return out;
    }
    match tracker.advance(stamp, cumulative, expected_secs, tol) {
        Ok(None) => {}
        Ok(Some(deltas)) => {
            for (key, ds) in deltas.rows {
                let Some(lbls) = label_sets.get(&key) else { continue };
                for (v, d) in counters.iter().zip(&ds) {
                    let value = *d as f64 * v.scale / deltas.seconds;
                    out.points.push(Point {
                        family,
                        metric: v.metric.to_string(),
                        labels: lbls.clone(),
                        value,
                        unit: rate_unit(v.unit),
                    });
                }
                for r in ratios {
                    let pick = |col: &str| counters.iter().position(|v| v.column == col).map(|i| ds[i]);
                    if let (Some(n), Some(d)) = (pick(r.numerator), pick(r.denominator))
                        && d > 0
                    {
                        let value = n as f64 * r.scale / d as f64;
                        out.points.push(Point {
                            family,
                            metric: r.metric.to_string(),
                            labels: lbls.clone(),
                            value,
                            unit: r.unit,
                        });
                    }
                }
            }
        }
        Err(cause) => out.gap = Some(cause),
    }
    out
}

fn rate_unit(unit: &'static str) -> &'static str {
    match unit {
        "seconds" => "seconds/s",
        "bytes" => "bytes/s",
        _ => "1/s",
    }
}

fn prom(name: &str, help: &'static str, kind: PromKind, lbls: &Labels, value: f64) -> PromValue {
    PromValue { name: name.to_string(), help, kind, labels: lbls.clone(), value }
}

/// Well-known counters under their own names: (object, counter, instance or "" for any,
/// metric, Prometheus kind of the raw value, scale, help).
const FRIENDLY: &[(&str, &str, &str, &str, PromKind, f64, &str)] = &[
    (
        "Buffer Manager",
        "Page life expectancy",
        "",
        "page_life_expectancy_seconds",
        PromKind::Gauge,
        1.0,
        "Page life expectancy",
    ),
    (
        "SQL Statistics",
        "Batch Requests/sec",
        "",
        "batch_requests",
        PromKind::Counter,
        1.0,
        "Batches received",
    ),
    (
        "SQL Statistics",
        "SQL Compilations/sec",
        "",
        "sql_compilations",
        PromKind::Counter,
        1.0,
        "SQL compilations",
    ),
    (
        "Memory Manager",
        "Target Server Memory (KB)",
        "",
        "target_server_memory_bytes",
        PromKind::Gauge,
        1024.0,
        "Memory the server wants",
    ),
    (
        "Memory Manager",
        "Total Server Memory (KB)",
        "",
        "total_server_memory_bytes",
        PromKind::Gauge,
        1024.0,
        "Memory the server holds",
    ),
    (
        "General Statistics",
        "User Connections",
        "",
        "user_connections",
        PromKind::Gauge,
        1.0,
        "User connections",
    ),
    (
        "Databases",
        "Transactions/sec",
        "_Total",
        "transactions",
        PromKind::Counter,
        1.0,
        "Transactions started",
    ),
    (
        "Databases",
        "Log Bytes Flushed/sec",
        "_Total",
        "log_flushed_bytes",
        PromKind::Counter,
        1.0,
        "Log bytes flushed",
    ),
];

/// The performance counter state of one instance.
#[derive(Debug, Default)]
pub struct CounterState {
    prev: Option<(Stamp, CounterSnapshot)>,
}

impl CounterState {
    pub fn reset(&mut self) {
        self.prev = None;
    }

    /// Computes the round's counter values by cntr_type.
    pub fn process(
        &mut self,
        rows: &[Row],
        physical_names: &HashMap<String, String>,
        stamp: Stamp,
        expected_secs: f64,
        tol: Tolerance,
    ) -> Output {
        let raws: Vec<RawCounter> = rows
            .iter()
            .map(|r| RawCounter {
                object: text(r, "object_name"),
                counter: text(r, "counter_name"),
                instance: text(r, "instance_name"),
                value: integer(r, "cntr_value").unwrap_or(0),
                cntr_type: integer(r, "cntr_type").unwrap_or(0),
            })
            .collect();
        let snap = counters::snapshot(&raws, physical_names);
        let mut out = Output::default();
        let interval = match &self.prev {
            None => None,
            Some((prev_stamp, prev)) => {
                match crate::delta::check_interval(prev_stamp, &stamp, expected_secs, tol) {
                    Err(cause) => {
                        out.gap = Some(cause);
                        None
                    }
                    Ok(secs) => match counters::first_decrease(prev, &snap) {
                        Some(key) => {
                            out.gap = Some(GapCause::Reset {
                                what: format!("{}: {} [{}]", key.object, key.counter, key.instance),
                            });
                            None
                        }
                        None => Some(secs),
                    },
                }
            }
        };
        let prev = self.prev.as_ref().map(|(_, s)| s);
        let values = counters::evaluate(prev.zip(interval), &snap);
        for v in &values {
            let lbls = labels(vec![
                ("object", v.key.object.clone()),
                ("counter", v.key.counter.clone()),
                ("counter_instance", v.key.instance.clone()),
            ]);
            out.points.push(Point {
                family: "perf_counters",
                metric: "perf_counter".into(),
                labels: lbls.clone(),
                value: v.value,
                unit: v.kind.unit(),
            });
            // `mssql_perfmon_value`, not the baseline's `perf_counter`: Prometheus's linter
            // refuses a type name (`counter`) inside a metric name.
            out.prom.push(prom(
                "perfmon_value",
                "Performance Monitor counters (sys.dm_os_performance_counters) by cntr_type: rates per second, percentages, averages",
                PromKind::Gauge,
                &lbls,
                v.value,
            ));
            if let Some(f) = friendly(&v.key) {
                let scale = if v.kind == CounterKind::PerSecond { 1.0 } else { f.5 };
                let unit = if v.kind == CounterKind::PerSecond {
                    if f.3.ends_with("_bytes") { "bytes/s" } else { "1/s" }
                } else if f.3.ends_with("_bytes") {
                    "bytes"
                } else if f.3.ends_with("_seconds") {
                    "seconds"
                } else {
                    v.kind.unit()
                };
                out.points.push(Point {
                    family: "perf_counters",
                    metric: f.3.into(),
                    labels: Vec::new(),
                    value: v.value * scale,
                    unit,
                });
            }
        }
        if let Some(percent) = pool_cpu(&values) {
            out.points.push(Point {
                family: "perf_counters",
                metric: POOL_CPU.into(),
                labels: Vec::new(),
                value: percent,
                unit: "percent",
            });
            out.prom.push(prom(POOL_CPU, POOL_CPU_HELP, PromKind::Gauge, &Vec::new(), percent));
        }
        for (key, (value, _)) in &snap.rows {
            if let Some(f) = friendly(key) {
                out.prom.push(prom(f.3, f.6, f.4, &Vec::new(), *value as f64 * f.5));
            }
        }
        self.prev = Some((stamp, snap));
        out
    }
}

/// The per-sample CPU source: `Resource Pool Stats` "CPU usage %" (cntr_type 537003264, value /
/// its "CPU usage % base" × 100, no delta) summed over every pool. Microsoft documents it as
/// "the CPU bandwidth usage by all requests in all workload groups belonging to this pool ...
/// measured relative to the computer and normalized to all CPUs on the system", so the sum is
/// SQL Server's share of the machine, like the scheduler monitor's ProcessUtilization, but in
/// every sample (the ring buffer gets a record about once a minute).
const POOL_CPU: &str = "cpu_resource_pools_percent";
const POOL_CPU_HELP: &str =
    "CPU used by every resource pool, % of the machine (Resource Pool Stats: CPU usage %, summed)";

fn pool_cpu(values: &[counters::CounterValue]) -> Option<f64> {
    let pools: Vec<f64> = values
        .iter()
        .filter(|v| {
            v.kind == CounterKind::Percent
                && v.key.object.eq_ignore_ascii_case("Resource Pool Stats")
                && v.key.counter.eq_ignore_ascii_case("CPU usage %")
        })
        .map(|v| v.value)
        .collect();
    (!pools.is_empty()).then(|| pools.iter().sum::<f64>().min(100.0))
}

fn friendly(
    key: &counters::CounterKey,
) -> Option<&'static (&'static str, &'static str, &'static str, &'static str, PromKind, f64, &'static str)> {
    FRIENDLY.iter().find(|f| {
        key.object.eq_ignore_ascii_case(f.0)
            && key.counter.eq_ignore_ascii_case(f.1)
            && (f.2.is_empty() || key.instance == f.2)
    })
}

/// Reads `<ProcessUtilization>` and `<SystemIdle>` from a scheduler-monitor record.
pub fn parse_scheduler_monitor(record: &str) -> Option<(f64, f64)> {
    let tag = |name: &str| -> Option<f64> {
        let open = format!("<{name}>");
        let start = record.find(&open)? + open.len();
        let end = record[start..].find('<')? + start;
        record[start..end].trim().parse().ok()
    };
    Some((tag("ProcessUtilization")?, tag("SystemIdle")?))
}

/// The CPU family on premises: the latest scheduler-monitor record.
pub fn ring_buffer(rows: &[Row]) -> Output {
    let mut out = Output::default();
    let Some(row) = rows.first() else { return out };
    let Some((sql, idle)) = parse_scheduler_monitor(&text(row, "record")) else { return out };
    let other = (100.0 - sql - idle).max(0.0);
    for (metric, value, help) in [
        ("cpu_sql_percent", sql, "CPU used by SQL Server (scheduler monitor, one record a minute)"),
        ("cpu_idle_percent", idle, "Idle CPU of the machine"),
        ("cpu_other_percent", other, "CPU used by other processes"),
    ] {
        out.points.push(Point {
            family: "cpu",
            metric: metric.into(),
            labels: Vec::new(),
            value,
            unit: "percent",
        });
        out.prom.push(prom(metric, help, PromKind::Gauge, &Vec::new(), value));
    }
    out
}

const QUERY_COLUMNS: [&str; 7] =
    ["executions", "cpu_us", "duration_us", "logical_reads", "physical_reads", "writes", "row_count"];

/// The queries one round chose, and the plans the server holds for them.
#[derive(Debug, Default, PartialEq)]
pub struct Chosen {
    /// query_hash values in this round's top lists.
    pub hashes: Vec<String>,
    /// `(query_hash, query_plan_hash)` of every cached plan of a chosen query.
    pub plans: Vec<(String, String)>,
}

/// Query stats per query_hash (the rows come per query and plan, and are summed per query):
/// deltas (a batch with one negative delta is discarded, as plan eviction makes sums go down),
/// top `top_n` by CPU and by duration per interval.
pub fn query_stats(
    rows: &[Row],
    stamp: Stamp,
    expected_secs: f64,
    tol: Tolerance,
    top_n: usize,
    tracker: &mut Tracker<String>,
) -> (Output, Chosen) {
    let mut out = Output::default();
    let mut current: HashMap<String, Vec<i64>> = HashMap::new();
    for r in rows {
        let sums = current.entry(text(r, "query_hash")).or_insert_with(|| vec![0; QUERY_COLUMNS.len()]);
        for (sum, c) in sums.iter_mut().zip(QUERY_COLUMNS) {
            *sum += integer(r, c).unwrap_or(0);
        }
    }
    let deltas = match tracker.advance(stamp, current, expected_secs, tol) {
        Ok(Some(d)) => d,
        Ok(None) => return (out, Chosen::default()),
        Err(cause) => {
            out.gap = Some(cause);
            return (out, Chosen::default());
        }
    };
    let active: Vec<&(String, Vec<i64>)> = deltas.rows.iter().filter(|(_, d)| d[0] > 0).collect();
    let mut chosen: BTreeMap<&str, &Vec<i64>> = BTreeMap::new();
    for col in [1usize, 2] {
        let mut by: Vec<_> = active.clone();
        by.sort_by(|a, b| b.1[col].cmp(&a.1[col]));
        chosen.extend(by.into_iter().take(top_n).map(|(h, d)| (h.as_str(), d)));
    }
    for (hash, d) in &chosen {
        let lbls = vec![("query_hash", hash.to_string())];
        let execs = d[0] as f64;
        for (metric, value, unit) in [
            ("query_executions", execs, "1"),
            ("query_cpu_seconds", d[1] as f64 / 1e6, "seconds"),
            ("query_duration_seconds", d[2] as f64 / 1e6, "seconds"),
            ("query_avg_cpu_seconds", d[1] as f64 / 1e6 / execs, "seconds"),
            ("query_avg_duration_seconds", d[2] as f64 / 1e6 / execs, "seconds"),
            ("query_logical_reads", d[3] as f64, "1"),
            ("query_physical_reads", d[4] as f64, "1"),
            ("query_writes", d[5] as f64, "1"),
            ("query_rows", d[6] as f64, "1"),
        ] {
            out.points.push(Point {
                family: "query_stats",
                metric: metric.into(),
                labels: lbls.clone(),
                value,
                unit,
            });
        }
    }
    let plans = rows
        .iter()
        .map(|r| (text(r, "query_hash"), text(r, "query_plan_hash")))
        .filter(|(q, p)| chosen.contains_key(q.as_str()) && !p.is_empty())
        .collect();
    (out, Chosen { hashes: chosen.keys().map(|h| h.to_string()).collect(), plans })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_pool_cpu_is_summed_over_pools_from_value_and_base() {
        let row = |counter: &str, instance: &str, value: i64, cntr_type: i64| RawCounter {
            object: "SQLServer:Resource Pool Stats".into(),
            counter: counter.into(),
            instance: instance.into(),
            value,
            cntr_type,
        };
        let snap = counters::snapshot(
            &[
                row("CPU usage %", "default", 30, counters::FRACTION),
                row("CPU usage % base", "default", 100, counters::BASE),
                row("CPU usage %", "internal", 5, counters::FRACTION),
                row("CPU usage % base", "internal", 100, counters::BASE),
            ],
            &HashMap::new(),
        );
        // A fraction needs no earlier sample: the very first one has the CPU.
        let values = counters::evaluate(None, &snap);
        assert_eq!(pool_cpu(&values), Some(35.0));
        let no_base =
            counters::snapshot(&[row("CPU usage %", "default", 30, counters::FRACTION)], &HashMap::new());
        assert_eq!(pool_cpu(&counters::evaluate(None, &no_base)), None, "no base, no value");
    }

    #[test]
    fn scheduler_monitor_records_parse_client_side() {
        let xml = "<Record id=\"1\"><SchedulerMonitorEvent><SystemHealth><SystemIdle>80</SystemIdle>\
                   <ProcessUtilization>15</ProcessUtilization></SystemHealth></SchedulerMonitorEvent></Record>";
        assert_eq!(parse_scheduler_monitor(xml), Some((15.0, 80.0)));
        assert_eq!(parse_scheduler_monitor("<Record/>"), None);
        assert_eq!(
            parse_scheduler_monitor("<SystemIdle>x</SystemIdle><ProcessUtilization>1</ProcessUtilization>"),
            None
        );
    }
}
