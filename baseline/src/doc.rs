//! `baseline.json`: what one collection was (tool, settings, window, instances with identity,
//! configuration and query texts), what went wrong (gaps, errors), where the series are, the
//! wait categories, and the run summary. One type for the writer and every reader; fields a
//! hand-made or older file may lack default when read.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

/// baseline.json.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BaselineDoc {
    pub format_version: u32,
    pub tool: String,
    #[serde(default)]
    pub tool_version: String,
    /// When the collection started (the collector's clock, UTC).
    #[serde(default)]
    pub started_at: Option<NaiveDateTime>,
    #[serde(default)]
    pub ended_at: Option<NaiveDateTime>,
    /// False while the collector runs, and after an interruption.
    #[serde(default)]
    pub complete: bool,
    /// Intervals, timeouts, top N and server names the collection ran with.
    #[serde(default)]
    pub settings: serde_json::Value,
    #[serde(default)]
    pub instances: Vec<InstanceInfo>,
    #[serde(default)]
    pub gaps: Vec<Gap>,
    #[serde(default)]
    pub errors: Vec<FamilyError>,
    /// The Parquet parts, relative to the folder, in order.
    #[serde(default)]
    pub series_files: Vec<String>,
    #[serde(default)]
    pub csv_file: Option<String>,
    #[serde(default)]
    pub rows_written: u64,
    /// Wait type → its category as the writer's table had it ([`crate::waits`]); `Idle` waits
    /// are benign. Absent in baselines written before categories were stored.
    #[serde(default)]
    pub wait_categories: BTreeMap<String, String>,
    #[serde(default)]
    pub summary: Vec<Summary>,
}

/// What baseline.json says about one instance.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct InstanceInfo {
    pub name: String,
    /// The server as the user named it (a cutover.toml name or host:port; never a secret).
    #[serde(default)]
    pub server: String,
    /// SERVERPROPERTY, edition family, version, cores, memory, start time.
    #[serde(default)]
    pub identity: Option<serde_json::Value>,
    /// sys.configurations, databases, tempdb files; on Managed Instance the governance caps
    /// under `resource_governance`.
    #[serde(default)]
    pub configuration: Option<serde_json::Value>,
    #[serde(default)]
    pub refused_families: BTreeMap<String, String>,
    /// query_hash → statement text.
    #[serde(default)]
    pub query_text: BTreeMap<String, String>,
    /// query_hash → the query_plan_hash values seen cached for it during the run.
    #[serde(default)]
    pub query_plans: BTreeMap<String, BTreeSet<String>>,
    #[serde(default)]
    pub rounds: u64,
    #[serde(default)]
    pub rounds_late: u64,
    #[serde(default)]
    pub restarts: u64,
}

impl InstanceInfo {
    /// A number from `identity` (`cpu_count`, `memory_mb`, …).
    pub fn identity_number(&self, key: &str) -> Option<f64> {
        self.identity.as_ref()?.get(key)?.as_f64()
    }

    /// The product version the identity holds (`product_version`, else `version`).
    pub fn product_version(&self) -> Option<&str> {
        let id = self.identity.as_ref()?;
        id.get("product_version").or_else(|| id.get("version"))?.as_str()
    }

    /// The governance caps Managed Instance reports (`configuration.resource_governance`):
    /// name → value; empty elsewhere.
    pub fn governance_caps(&self) -> BTreeMap<String, f64> {
        let caps =
            (|| self.configuration.as_ref()?.get("resource_governance")?.as_array()?.first()?.as_object())();
        caps.into_iter().flatten().filter_map(|(k, v)| Some((k.clone(), v.as_f64()?))).collect()
    }
}

/// A dropped interval of one family.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Gap {
    pub instance: String,
    /// The family, or `*` for all.
    pub family: String,
    pub at: NaiveDateTime,
    #[serde(flatten)]
    pub cause: GapCause,
}

/// Why an interval has no deltas.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "cause", rename_all = "snake_case")]
pub enum GapCause {
    /// `sqlserver_start_time` changed between the two samples.
    Restart { before: NaiveDateTime, after: NaiveDateTime },
    /// The server's clock did not move forward.
    ClockBackwards { seconds: f64 },
    /// The two samples are too far apart (or too close) for the interval.
    IntervalOff { seconds: f64, expected_seconds: f64 },
    /// A cumulative value went down (DBCC SQLPERF CLEAR, failover, plan eviction, wrap).
    Reset { what: String },
    /// The connection was lost; the collector reconnected.
    ConnectionLost { detail: String },
    /// The family could not be read this round (its error is in the errors list).
    Failed { detail: String },
}

impl GapCause {
    /// A short name for summaries and metrics labels.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Restart { .. } => "restart",
            Self::ClockBackwards { .. } => "clock_backwards",
            Self::IntervalOff { .. } => "interval_off",
            Self::Reset { .. } => "reset",
            Self::ConnectionLost { .. } => "connection_lost",
            Self::Failed { .. } => "failed",
        }
    }
}

/// A family that could not be read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FamilyError {
    pub instance: String,
    pub family: String,
    pub at: NaiveDateTime,
    /// permission, connection, timeout, …
    pub kind: String,
    /// The message, with the fix (the GRANT for a permission error); secrets redacted.
    pub message: String,
}

/// One series' summary over the run: min, avg and max exact, percentiles within 0.5 %.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub instance: String,
    pub family: String,
    pub metric: String,
    pub labels: String,
    pub unit: String,
    pub count: usize,
    pub min: f64,
    pub avg: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_read_back_as_written() {
        let at = chrono::DateTime::from_timestamp(1_767_225_600, 0).unwrap().naive_utc();
        let gap = Gap {
            instance: "src".into(),
            family: "*".into(),
            at,
            cause: GapCause::IntervalOff { seconds: 40.0, expected_seconds: 15.0 },
        };
        let text = serde_json::to_string(&gap).unwrap();
        assert!(text.contains(r#""cause":"interval_off""#), "{text}");
        assert_eq!(serde_json::from_str::<Gap>(&text).unwrap(), gap);
    }

    #[test]
    fn a_hand_made_file_with_only_the_essentials_reads() {
        let doc: BaselineDoc = serde_json::from_str(
            r#"{"format_version": 1, "tool": "cutover", "instances": [{"name": "src", "identity": {"cpu_count": 16}}]}"#,
        )
        .unwrap();
        assert_eq!(doc.instances[0].identity_number("cpu_count"), Some(16.0));
        assert!(doc.series_files.is_empty() && doc.started_at.is_none());
    }
}
