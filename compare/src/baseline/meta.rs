//! `baseline.json`: checked before any series is read. Another format version, another tool,
//! a missing or unlisted part file are errors that name the file and the fix.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::CompareError;

/// The baseline format this crate reads (collector's `FORMAT_VERSION`).
pub const FORMAT_VERSION: u32 = 1;

/// What compare needs from `baseline.json`.
#[derive(Clone, Debug, Deserialize)]
pub struct BaselineMeta {
    pub format_version: u32,
    pub tool: String,
    #[serde(default)]
    pub tool_version: String,
    #[serde(default)]
    pub started_at: Option<String>,
    #[serde(default)]
    pub ended_at: Option<String>,
    #[serde(default)]
    pub complete: bool,
    #[serde(default)]
    pub instances: Vec<InstanceMeta>,
    #[serde(default)]
    pub series_files: Vec<String>,
    #[serde(default)]
    pub rows_written: u64,
    #[serde(default)]
    pub gaps: Vec<serde_json::Value>,
}

/// One instance in `baseline.json`.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct InstanceMeta {
    pub name: String,
    #[serde(default)]
    pub identity: Option<serde_json::Value>,
    #[serde(default)]
    pub query_text: BTreeMap<String, String>,
    /// Static configuration (`sys.configurations`, databases, and on Managed Instance the
    /// governance caps under `resource_governance`).
    #[serde(default)]
    pub configuration: Option<serde_json::Value>,
    /// query_hash → query_plan_hash values seen (absent in baselines before plans were kept).
    #[serde(default)]
    pub query_plans: BTreeMap<String, BTreeSet<String>>,
}

/// A baseline folder, checked.
#[derive(Clone, Debug)]
pub struct Baseline {
    pub dir: PathBuf,
    pub meta: BaselineMeta,
    /// The Parquet parts, in order.
    pub parts: Vec<PathBuf>,
}

impl Baseline {
    /// Opens `dir` (or a `baseline.json` path) and checks the version and the part files.
    pub fn open(dir: &Path) -> Result<Baseline, CompareError> {
        let (dir, json) = if dir.is_file() {
            (dir.parent().unwrap_or(Path::new(".")).to_path_buf(), dir.to_path_buf())
        } else {
            (dir.to_path_buf(), dir.join("baseline.json"))
        };
        let text = std::fs::read_to_string(&json).map_err(|source| CompareError::Missing {
            path: json.clone(),
            expected: "a baseline folder written by `cutover collect --out`",
            source,
        })?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| CompareError::corrupt(&json, "baseline.json", e))?;
        check_version(&json, &value)?;
        let meta: BaselineMeta =
            serde_json::from_value(value).map_err(|e| CompareError::corrupt(&json, "baseline.json", e))?;
        let parts: Vec<PathBuf> = meta.series_files.iter().map(|f| dir.join(f)).collect();
        for part in &parts {
            if !part.is_file() {
                return Err(CompareError::corrupt(
                    &json,
                    "baseline",
                    format!(
                        "it lists {} but that file is missing (copy the whole baseline folder)",
                        part.display()
                    ),
                ));
            }
        }
        if parts.is_empty() {
            return Err(CompareError::NotComparable(format!(
                "{} holds no series (rows_written = {}): the collection wrote nothing to compare",
                json.display(),
                meta.rows_written
            )));
        }
        Ok(Baseline { dir, meta, parts })
    }

    /// The instance names, for the report.
    pub fn description(&self) -> String {
        let names: Vec<String> = self
            .meta
            .instances
            .iter()
            .map(|i| {
                let version = i
                    .identity
                    .as_ref()
                    .and_then(|id| id.get("product_version").or_else(|| id.get("version")))
                    .and_then(|v| v.as_str())
                    .map(|v| format!(" ({v})"))
                    .unwrap_or_default();
                format!("{}{version}", i.name)
            })
            .collect();
        names.join(", ")
    }

    /// Statement text by query_hash, over every instance.
    /// The governance caps the first instance that has them reports
    /// (`configuration.resource_governance`, Managed Instance only): name → value.
    pub fn caps(&self) -> BTreeMap<String, f64> {
        let rows = self.meta.instances.iter().find_map(|i| {
            i.configuration.as_ref()?.get("resource_governance")?.as_array()?.first()?.as_object().cloned()
        });
        rows.into_iter().flatten().filter_map(|(k, v)| Some((k, v.as_f64()?))).collect()
    }

    /// Statement text and plan hashes by query_hash, over every instance.
    pub fn query_info(&self) -> super::queries::QueryInfo {
        let mut info = super::queries::QueryInfo::default();
        for i in &self.meta.instances {
            info.text.extend(i.query_text.clone());
            for (hash, seen) in &i.query_plans {
                info.plans.entry(hash.clone()).or_default().extend(seen.iter().cloned());
            }
        }
        info
    }
}

fn check_version(path: &Path, value: &serde_json::Value) -> Result<(), CompareError> {
    let tool = value.get("tool").and_then(|t| t.as_str()).unwrap_or("");
    let version = value.get("format_version").and_then(|v| v.as_u64());
    let tool_version = value.get("tool_version").and_then(|t| t.as_str()).unwrap_or("?");
    if tool != "cutover" || version != Some(u64::from(FORMAT_VERSION)) {
        let found = match version {
            Some(v) => format!(
                "{} {tool_version} (baseline format_version {v})",
                if tool.is_empty() { "an unknown tool" } else { tool }
            ),
            None => "another tool (no format_version)".to_string(),
        };
        return Err(CompareError::Version {
            path: path.to_path_buf(),
            found,
            wanted: format!("baseline format_version {FORMAT_VERSION}"),
            version: env!("CARGO_PKG_VERSION"),
        });
    }
    Ok(())
}
