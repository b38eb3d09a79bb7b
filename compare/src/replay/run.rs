//! `summary.json` and `run.json` of every shard, added up: counts and errors by number per
//! template, measured seconds (the longest shard), the workload and server for the report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::CompareError;

/// The summary schema this crate reads.
pub const SUMMARY_SCHEMA: &str = "cutover.replay.summary/1";

#[derive(Clone, Debug, Default, Deserialize)]
pub struct Counts {
    #[serde(default)]
    pub ok: u64,
    #[serde(default)]
    pub errors: u64,
    #[serde(default)]
    pub errors_by_number: BTreeMap<String, u64>,
}

#[derive(Debug, Deserialize)]
struct TemplateJson {
    name: String,
    #[serde(flatten)]
    counts: Counts,
}

#[derive(Debug, Deserialize)]
struct SummaryJson {
    schema: String,
    templates: Vec<TemplateJson>,
}

/// A replay (all shards) as compare sees it.
#[derive(Debug, Default)]
pub struct RunSide {
    /// Template → counts over every shard, in first-seen order.
    pub templates: Vec<(String, Counts)>,
    pub measured_s: f64,
    pub workload: String,
    pub started_at: Option<String>,
    pub complete: bool,
    pub shards: usize,
}

/// Reads every shard's summary.json and run.json.
pub fn read(shards: &[PathBuf]) -> Result<RunSide, CompareError> {
    let mut side = RunSide { complete: true, shards: shards.len(), ..Default::default() };
    for dir in shards {
        let summary = read_json(&dir.join("summary.json"), "replay summary.json")?;
        let schema = summary.get("schema").and_then(|s| s.as_str()).unwrap_or("").to_string();
        if schema != SUMMARY_SCHEMA {
            return Err(CompareError::Version {
                path: dir.join("summary.json"),
                found: if schema.is_empty() {
                    "another tool (no schema)".into()
                } else {
                    format!("schema {schema}")
                },
                wanted: format!("schema {SUMMARY_SCHEMA}"),
                version: env!("CARGO_PKG_VERSION"),
            });
        }
        let s: SummaryJson = serde_json::from_value(summary)
            .map_err(|e| CompareError::corrupt(dir.join("summary.json"), "replay summary.json", e))?;
        let _ = s.schema;
        for t in s.templates {
            match side.templates.iter_mut().find(|(n, _)| *n == t.name) {
                Some((_, c)) => {
                    c.ok += t.counts.ok;
                    c.errors += t.counts.errors;
                    for (k, v) in t.counts.errors_by_number {
                        *c.errors_by_number.entry(k).or_default() += v;
                    }
                }
                None => side.templates.push((t.name, t.counts)),
            }
        }
        let run = read_json(&dir.join("run.json"), "replay run.json")?;
        side.measured_s = side.measured_s.max(run.get("measured_s").and_then(|v| v.as_f64()).unwrap_or(0.0));
        side.complete &= run.get("status").and_then(|v| v.as_str()) == Some("complete");
        if side.workload.is_empty() {
            side.workload = run.pointer("/workload/name").and_then(|v| v.as_str()).unwrap_or("").to_string();
            side.started_at = run.get("started_at").and_then(|v| v.as_str()).map(str::to_string);
        }
    }
    Ok(side)
}

fn read_json(path: &Path, expected: &'static str) -> Result<serde_json::Value, CompareError> {
    let text = std::fs::read_to_string(path).map_err(|source| CompareError::Missing {
        path: path.to_path_buf(),
        expected,
        source,
    })?;
    serde_json::from_str(&text).map_err(|e| CompareError::corrupt(path, expected, e))
}
