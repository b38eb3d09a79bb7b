//! `sys.dm_os_performance_counters` maths: normalise names, de-duplicate, pair counters with
//! their bases, and turn two snapshots into values by `cntr_type` (see collector.md):
//!
//! | cntr_type | meaning | value |
//! |---|---|---|
//! | 65792 | raw | the value (gauge) |
//! | 272696576, 272696320 | cumulative per second | Δvalue / Δseconds |
//! | 537003264 (+ base) | fraction | value / base × 100, no delta; base 0 → no value |
//! | 1073874176 (+ base) | average per operation | Δvalue / Δbase; Δbase 0 → no value |
//! | 1073939712 | base | only as a denominator |

use std::collections::{BTreeMap, HashMap};

/// `PERF_COUNTER_LARGE_RAWCOUNT`: a gauge.
pub const RAW: i64 = 65_792;
/// `PERF_COUNTER_BULK_COUNT`: cumulative, reported per second.
pub const PER_SECOND: i64 = 272_696_576;
/// `PERF_COUNTER_COUNTER`: cumulative (32-bit), reported per second.
pub const PER_SECOND_32: i64 = 272_696_320;
/// `PERF_LARGE_RAW_FRACTION`: value / base × 100.
pub const FRACTION: i64 = 537_003_264;
/// `PERF_AVERAGE_BULK`: Δvalue / Δbase.
pub const AVERAGE: i64 = 1_073_874_176;
/// `PERF_LARGE_RAW_BASE`: a denominator.
pub const BASE: i64 = 1_073_939_712;

/// One row of the DMV as read (names still padded, prefixed and possibly GUIDs).
#[derive(Clone, Debug, PartialEq)]
pub struct RawCounter {
    pub object: String,
    pub counter: String,
    pub instance: String,
    pub value: i64,
    pub cntr_type: i64,
}

/// (object, counter, instance) after normalisation.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CounterKey {
    pub object: String,
    pub counter: String,
    pub instance: String,
}

/// A normalised, de-duplicated snapshot taken at one moment of the server's clock.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CounterSnapshot {
    pub rows: BTreeMap<CounterKey, (i64, i64)>,
}

/// How a computed value is to be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CounterKind {
    /// A gauge (65792).
    Raw,
    /// Per second over the interval (272696576 / 272696320).
    PerSecond,
    /// Percent of its base (537003264).
    Percent,
    /// Average per operation over the interval (1073874176).
    Average,
}

impl CounterKind {
    /// The unit stored in the baseline.
    pub fn unit(self) -> &'static str {
        match self {
            Self::Raw => "count",
            Self::PerSecond => "1/s",
            Self::Percent => "percent",
            Self::Average => "per_operation",
        }
    }
}

/// A computed counter value.
#[derive(Clone, Debug, PartialEq)]
pub struct CounterValue {
    pub key: CounterKey,
    pub kind: CounterKind,
    pub value: f64,
}

/// Strips the `SQLServer:` / `MSSQL$NAME:` / `SQLAgent$…:` prefix; never hard-coded.
pub fn normalise_object(object: &str) -> String {
    let trimmed = object.trim();
    match trimmed.split_once(':') {
        Some((_, rest)) => rest.trim().to_string(),
        None => trimmed.to_string(),
    }
}

/// Trims the instance name and replaces a Managed Instance physical database name (a GUID)
/// with the database name from `physical_names` (physical_database_name → name).
pub fn normalise_instance(instance: &str, physical_names: &HashMap<String, String>) -> String {
    let trimmed = instance.trim();
    match physical_names.get(&trimmed.to_ascii_lowercase()) {
        Some(name) => name.clone(),
        None => trimmed.to_string(),
    }
}

/// Normalises and de-duplicates rows on (object, counter, instance); the first row wins.
pub fn snapshot(rows: &[RawCounter], physical_names: &HashMap<String, String>) -> CounterSnapshot {
    let lowered: HashMap<String, String> =
        physical_names.iter().map(|(k, v)| (k.trim().to_ascii_lowercase(), v.clone())).collect();
    let mut out = BTreeMap::new();
    for row in rows {
        let key = CounterKey {
            object: normalise_object(&row.object),
            counter: row.counter.trim().to_string(),
            instance: normalise_instance(&row.instance, &lowered),
        };
        out.entry(key).or_insert((row.value, row.cntr_type));
    }
    CounterSnapshot { rows: out }
}

/// The base names tools try for a counter, lower-cased: `name base`, `name` with `(ms)`
/// replaced by `base`, and `name` without a leading `Avg ` plus ` base`.
pub fn base_candidates(counter: &str) -> Vec<String> {
    let lower = squash(counter);
    let mut out = vec![format!("{lower} base")];
    if lower.contains("(ms)") {
        out.push(squash(&lower.replace("(ms)", "base")));
    }
    for prefix in ["avg. ", "avg "] {
        if let Some(rest) = lower.strip_prefix(prefix) {
            out.push(format!("{rest} base"));
        }
    }
    out
}

fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_lowercase()
}

/// Base rows by (object, instance, lower-cased name), built once per snapshot.
pub struct BaseIndex<'a> {
    bases: HashMap<(&'a str, &'a str, String), (&'a CounterKey, i64)>,
}

impl<'a> BaseIndex<'a> {
    pub fn new(snapshot: &'a CounterSnapshot) -> Self {
        let bases = snapshot
            .rows
            .iter()
            .filter(|(_, (_, t))| *t == BASE)
            .map(|(k, (v, _))| ((k.object.as_str(), k.instance.as_str(), squash(&k.counter)), (k, *v)))
            .collect();
        BaseIndex { bases }
    }

    /// The base row for `key` (same object and instance), by the naming rules.
    pub fn find(&self, key: &CounterKey) -> Option<(&'a CounterKey, i64)> {
        base_candidates(&key.counter)
            .into_iter()
            .find_map(|name| self.bases.get(&(key.object.as_str(), key.instance.as_str(), name)).copied())
    }
}

/// Finds the base row for `key` in the snapshot (same object and instance).
pub fn find_base(snapshot: &CounterSnapshot, key: &CounterKey) -> Option<(CounterKey, i64)> {
    BaseIndex::new(snapshot).find(key).map(|(k, v)| (k.clone(), v))
}

/// Computes every reportable value. `prev` with `seconds` (the server-clock interval) is
/// needed for the cumulative kinds; pass `None` on the first sample or when the interval was
/// dropped (restart, reset, gap): then only raw and fraction values are produced. A delta
/// that goes down yields no value (the caller has already dropped such intervals).
pub fn evaluate(prev: Option<(&CounterSnapshot, f64)>, cur: &CounterSnapshot) -> Vec<CounterValue> {
    let index = BaseIndex::new(cur);
    let mut out = Vec::new();
    for (key, &(value, cntr_type)) in &cur.rows {
        let computed = match cntr_type {
            RAW => Some((CounterKind::Raw, value as f64)),
            FRACTION => index
                .find(key)
                .filter(|(_, base)| *base > 0)
                .map(|(_, base)| (CounterKind::Percent, value as f64 / base as f64 * 100.0)),
            PER_SECOND | PER_SECOND_32 => prev.and_then(|(p, secs)| {
                let before = p.rows.get(key)?.0;
                (secs > 0.0 && value >= before)
                    .then(|| (CounterKind::PerSecond, (value - before) as f64 / secs))
            }),
            AVERAGE => prev.and_then(|(p, _)| {
                let (base_key, base_now) = index.find(key)?;
                let before = p.rows.get(key)?.0;
                let base_before = p.rows.get(base_key)?.0;
                let (dv, db) = (value - before, base_now - base_before);
                (dv >= 0 && db > 0).then(|| (CounterKind::Average, dv as f64 / db as f64))
            }),
            _ => None,
        };
        if let Some((kind, value)) = computed {
            out.push(CounterValue { key: key.clone(), kind, value });
        }
    }
    out
}

/// The first cumulative value (per-second, average or an average's base) that went down since
/// `prev`, for the gap's cause. Raw, fraction and fraction-base counters go down freely.
pub fn first_decrease(prev: &CounterSnapshot, cur: &CounterSnapshot) -> Option<CounterKey> {
    let index = BaseIndex::new(cur);
    let average_bases: std::collections::HashSet<&CounterKey> = cur
        .rows
        .iter()
        .filter(|(_, (_, t))| *t == AVERAGE)
        .filter_map(|(k, _)| index.find(k).map(|(b, _)| b))
        .collect();
    cur.rows.iter().find_map(|(key, &(value, t))| {
        let cumulative = matches!(t, PER_SECOND | PER_SECOND_32 | AVERAGE) || average_bases.contains(key);
        let before = prev.rows.get(key)?.0;
        (cumulative && value < before).then(|| key.clone())
    })
}

#[cfg(test)]
#[path = "counters_tests.rs"]
mod tests;
