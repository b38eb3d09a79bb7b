//! Reading a collector baseline folder: `baseline.json` (identity, series files) and the
//! Parquet parts (`series/part-*.parquet`) through the format's own reader, `cutover-baseline`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::AssessError;

/// One stored row: (timestamp ms, family, metric, labels, value).
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub timestamp: i64,
    pub family: String,
    pub metric: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

impl Sample {
    pub fn label(&self, key: &str) -> &str {
        self.labels.get(key).map(String::as_str).unwrap_or("")
    }
}

/// What sizing needs from baseline.json about one instance.
#[derive(Clone, Debug, Default)]
pub struct InstanceFacts {
    pub name: String,
    /// The server as the collector showed it (host,port), for a gate file's `source`.
    pub server: Option<String>,
    /// `on_premises`, `managed_instance`, … (identity.family).
    pub family: Option<String>,
    pub cpu_count: Option<f64>,
    pub memory_mb: Option<f64>,
    /// Families the collector was refused, with the message naming the missing grant.
    pub refused: BTreeMap<String, String>,
    /// (family, message) of the reads that failed.
    pub errors: Vec<(String, String)>,
}

/// A baseline, read.
#[derive(Clone, Debug)]
pub struct Baseline {
    pub dir: PathBuf,
    pub instance: InstanceFacts,
    pub samples: Vec<Sample>,
}

impl Baseline {
    /// Seconds from the first sample to the last.
    pub fn seconds(&self) -> f64 {
        let (lo, hi) = self
            .samples
            .iter()
            .fold((i64::MAX, i64::MIN), |(lo, hi), s| (lo.min(s.timestamp), hi.max(s.timestamp)));
        if hi >= lo { (hi - lo) as f64 / 1000.0 } else { 0.0 }
    }
}

fn bad(dir: &Path, detail: impl Into<String>) -> AssessError {
    AssessError::Baseline { path: dir.to_path_buf(), detail: detail.into() }
}

/// Reads the baseline in `dir` for `instance` (default: the first one), through the format's
/// own reader: baseline.json checked (tool, format version, every listed part present).
pub fn read(dir: &Path, instance: Option<&str>) -> Result<Baseline, AssessError> {
    let baseline = cutover_baseline::Baseline::open(dir)?;
    let doc = &baseline.doc;
    let chosen = match instance {
        Some(want) => {
            doc.instances.iter().find(|i| i.name == want).ok_or_else(|| AssessError::NoSuchInstance {
                path: dir.to_path_buf(),
                name: want.into(),
                known: doc.instances.iter().map(|i| i.name.as_str()).collect::<Vec<_>>().join(", "),
            })?
        }
        None => doc.instances.first().ok_or_else(|| bad(dir, "baseline.json lists no instances"))?,
    };
    let identity_text = |key: &str| chosen.identity.as_ref()?.get(key)?.as_str().map(str::to_string);
    let facts = InstanceFacts {
        name: chosen.name.clone(),
        server: (!chosen.server.is_empty()).then(|| chosen.server.clone()),
        family: identity_text("family"),
        cpu_count: chosen.identity_number("cpu_count"),
        memory_mb: chosen.identity_number("memory_mb"),
        refused: chosen.refused_families.clone(),
        errors: doc
            .errors
            .iter()
            .filter(|e| e.instance == chosen.name)
            .map(|e| (e.family.clone(), e.message.clone()))
            .collect(),
    };
    let mut samples = Vec::new();
    for part in &baseline.parts {
        let rows = cutover_baseline::read::read_part(part)?;
        samples.extend(rows.into_iter().filter(|r| r.instance == facts.name).map(|r| Sample {
            timestamp: r.timestamp,
            labels: cutover_baseline::labels::decode(&r.labels).into_iter().collect(),
            family: r.family,
            metric: r.metric,
            value: r.value,
        }));
    }
    // With no rows at all, only a collector that was refused or failed explains why (and the
    // sizing reports every figure as unknown); otherwise it is not a baseline of this instance.
    if samples.is_empty() && facts.refused.is_empty() && facts.errors.is_empty() {
        return Err(bad(dir, format!("no series rows for instance '{}'", facts.name)));
    }
    Ok(Baseline { dir: dir.to_path_buf(), instance: facts, samples })
}
