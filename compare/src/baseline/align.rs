//! Alignment across editions: every raw series `(family, metric, labels)` of a baseline maps
//! to zero or more **canonical keys** `metric{label=value,…}` that mean the same thing on SQL
//! Server and on Managed Instance. One declarative table ([`RULES`]) drives one function.
//!
//! - CPU: the on-premises ring buffer (`cpu_sql_percent`) and MI's `sys.server_resource_stats`
//!   (`cpu_percent`) both become `cpu_percent`.
//! - Files: MI file names are opaque (`data_0`, GUIDs), so files are summed (rates) or
//!   averaged (latencies) per `database` and `file_type`.
//! - Waits: benign waits are dropped; each wait type keeps its series and also adds into its
//!   category (`wait_category_seconds{category=…}`), as the baseline stored it when written
//!   (`wait_categories`, [`cutover_baseline::waits`]).
//! - Performance counters: the object prefix (`SQLServer:` / `MSSQL$NAME:`) is stripped again
//!   (older baselines), MI GUID instance names were already mapped by the collector.
//! - Query stats go to the per-query comparison under `query:<hash>:<metric>`.

use std::collections::BTreeMap;

use cutover_baseline::{labels, waits};

/// How several raw series that map to one key at one timestamp combine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Agg {
    Sum,
    Mean,
}

/// One canonical target of a raw series.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub key: String,
    pub unit: String,
    pub agg: Agg,
}

/// Label handling per family: which labels survive into the canonical key.
enum Keep {
    /// Every label.
    All,
    /// Only these.
    Only(&'static [&'static str]),
    /// None.
    Nothing,
}

/// `(family, metric or "*", renamed metric or "", labels kept)`; the first match wins.
const RULES: &[(&str, &str, &str, Keep)] = &[
    ("cpu", "cpu_sql_percent", "cpu_percent", Keep::Nothing),
    ("resource_stats", "cpu_percent", "cpu_percent", Keep::Nothing),
    ("resource_stats", "*", "", Keep::Nothing),
    ("file_stats", "*", "", Keep::Only(&["database", "file_type"])),
    ("waits", "waits", "-", Keep::Nothing),
    ("waits", "signal_wait_time_seconds", "signal_wait_time_seconds", Keep::Nothing),
    ("perf_counters", "perf_counter", "", Keep::All),
    ("*", "*", "", Keep::All),
];

/// The canonical name of a metric and labels.
pub fn key(metric: &str, labels: &[(String, String)]) -> String {
    if labels.is_empty() {
        return metric.to_string();
    }
    let inner: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    format!("{metric}{{{}}}", inner.join(","))
}

/// Where one raw series goes (empty: dropped); `wait_categories` are the baseline's stored ones.
pub fn targets(
    family: &str,
    metric: &str,
    labels: &str,
    unit: &str,
    wait_categories: &BTreeMap<String, String>,
) -> Vec<Target> {
    let labels = labels::decode(labels);
    if family == "query_stats" {
        let hash = labels.iter().find(|(k, _)| k == "query_hash").map(|(_, v)| v.as_str()).unwrap_or("");
        return vec![Target { key: format!("query:{hash}:{metric}"), unit: unit.into(), agg: Agg::Sum }];
    }
    if family == "waits" {
        return wait_targets(metric, &labels, unit, wait_categories);
    }
    let Some((_, _, rename, keep)) =
        RULES.iter().find(|(f, m, _, _)| (*f == "*" || *f == family) && (*m == "*" || *m == metric))
    else {
        return Vec::new();
    };
    if *rename == "-" {
        return Vec::new();
    }
    let name = if rename.is_empty() { metric } else { rename };
    let mut kept: Vec<(String, String)> = match keep {
        Keep::All => labels,
        Keep::Only(names) => labels.into_iter().filter(|(k, _)| names.contains(&k.as_str())).collect(),
        Keep::Nothing => Vec::new(),
    };
    for (k, v) in kept.iter_mut() {
        if k == "object" {
            *v = strip_prefix(v);
        }
    }
    vec![Target { key: key(name, &kept), unit: unit.into(), agg: agg_for(name, unit) }]
}

fn wait_targets(
    metric: &str,
    labels: &[(String, String)],
    unit: &str,
    wait_categories: &BTreeMap<String, String>,
) -> Vec<Target> {
    let Some((_, wait_type)) = labels.iter().find(|(k, _)| k == "wait_type") else { return Vec::new() };
    let category = waits::category(wait_categories, wait_type);
    if category == waits::IDLE {
        return Vec::new();
    }
    match metric {
        "wait_time_seconds" => vec![
            Target {
                key: key(metric, &[("wait_type".into(), wait_type.clone())]),
                unit: unit.into(),
                agg: Agg::Sum,
            },
            Target {
                key: key("wait_category_seconds", &[("category".into(), category.to_string())]),
                unit: unit.into(),
                agg: Agg::Sum,
            },
        ],
        "signal_wait_time_seconds" => {
            vec![Target { key: "signal_wait_time_seconds".into(), unit: unit.into(), agg: Agg::Sum }]
        }
        _ => Vec::new(),
    }
}

/// `SQLServer:Buffer Manager` / `MSSQL$PROD:Buffer Manager` → `Buffer Manager`.
pub fn strip_prefix(object: &str) -> String {
    match object.split_once(':') {
        Some((_, rest)) => rest.trim().to_string(),
        None => object.trim().to_string(),
    }
}

fn agg_for(metric: &str, unit: &str) -> Agg {
    if metric.contains("latency") || unit == "percent" || unit == "per_operation" {
        Agg::Mean
    } else {
        Agg::Sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(family: &str, metric: &str, labels: &str, unit: &str) -> Vec<Target> {
        super::targets(family, metric, labels, unit, &BTreeMap::new())
    }

    #[test]
    fn cpu_from_either_edition_is_one_series() {
        let onprem = targets("cpu", "cpu_sql_percent", "", "percent");
        let mi = targets("resource_stats", "cpu_percent", "sku=GP_Gen5", "percent");
        assert_eq!(onprem[0].key, "cpu_percent");
        assert_eq!(mi, onprem);
    }

    #[test]
    fn opaque_mi_file_names_fold_into_database_and_type() {
        let src = targets(
            "file_stats",
            "io_read_latency_seconds",
            "database=shop,file=shop,file_type=ROWS",
            "seconds",
        );
        let mi = targets(
            "file_stats",
            "io_read_latency_seconds",
            "database=shop,file=data_0,file_type=ROWS",
            "seconds",
        );
        assert_eq!(src, mi);
        assert_eq!(src[0].key, "io_read_latency_seconds{database=shop,file_type=ROWS}");
        assert_eq!(src[0].agg, Agg::Mean);
        assert_eq!(
            targets("file_stats", "io_reads", "database=shop,file=x,file_type=ROWS", "1/s")[0].agg,
            Agg::Sum
        );
    }

    #[test]
    fn waits_add_into_categories_and_benign_waits_drop() {
        let t = targets("waits", "wait_time_seconds", "wait_type=PAGEIOLATCH_SH", "seconds/s");
        let keys: Vec<&str> = t.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(
            keys,
            ["wait_time_seconds{wait_type=PAGEIOLATCH_SH}", "wait_category_seconds{category=Buffer IO}"]
        );
        assert!(targets("waits", "wait_time_seconds", "wait_type=SLEEP_TASK", "seconds/s").is_empty());
        assert!(targets("waits", "waits", "wait_type=PAGEIOLATCH_SH", "1/s").is_empty());
    }

    #[test]
    fn the_category_stored_with_the_baseline_is_the_one_used() {
        let stored = BTreeMap::from([
            ("PAGEIOLATCH_SH".to_string(), "Disk".to_string()),
            ("WRITELOG".to_string(), waits::IDLE.to_string()),
        ]);
        let t =
            super::targets("waits", "wait_time_seconds", "wait_type=PAGEIOLATCH_SH", "seconds/s", &stored);
        assert_eq!(t[1].key, "wait_category_seconds{category=Disk}");
        assert!(
            super::targets("waits", "wait_time_seconds", "wait_type=WRITELOG", "seconds/s", &stored)
                .is_empty()
        );
    }

    #[test]
    fn named_instance_prefixes_and_escapes() {
        let t = targets(
            "perf_counters",
            "perf_counter",
            "counter=Page reads/sec,counter_instance=,object=MSSQL$PROD:Buffer Manager",
            "1/s",
        );
        assert_eq!(t[0].key, "perf_counter{counter=Page reads/sec,counter_instance=,object=Buffer Manager}");
    }
}
