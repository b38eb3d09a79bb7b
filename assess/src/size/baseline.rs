//! Reading a collector baseline folder: `baseline.json` (identity, series files) and the
//! Parquet parts (`series/part-*.parquet`) through the collector's own reader.

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

/// Parses `k=v,k=v` with `\` escapes (docs/baseline-format.md).
pub fn parse_labels(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let (mut key, mut cur, mut in_value, mut escaped) = (String::new(), String::new(), false, false);
    for c in text.chars() {
        match c {
            _ if escaped => {
                cur.push(c);
                escaped = false;
            }
            '\\' => escaped = true,
            '=' if !in_value => {
                key = std::mem::take(&mut cur);
                in_value = true;
            }
            ',' => {
                out.insert(std::mem::take(&mut key), std::mem::take(&mut cur));
                in_value = false;
            }
            _ => cur.push(c),
        }
    }
    if in_value {
        out.insert(key, cur);
    }
    out
}

fn bad(dir: &Path, detail: impl Into<String>) -> AssessError {
    AssessError::Baseline { path: dir.to_path_buf(), detail: detail.into() }
}

/// Reads the baseline in `dir` for `instance` (default: the first one).
pub fn read(dir: &Path, instance: Option<&str>) -> Result<Baseline, AssessError> {
    let json_path = dir.join("baseline.json");
    let text = std::fs::read_to_string(&json_path)
        .map_err(|source| AssessError::Io { path: json_path.clone(), source })?;
    let doc: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad(dir, format!("baseline.json: {e}")))?;
    let instances = doc["instances"].as_array().cloned().unwrap_or_default();
    let names: Vec<String> =
        instances.iter().filter_map(|i| i["name"].as_str().map(str::to_string)).collect();
    let chosen = match instance {
        Some(want) => instances.iter().find(|i| i["name"].as_str() == Some(want)).ok_or_else(|| {
            AssessError::NoSuchInstance {
                path: dir.to_path_buf(),
                name: want.into(),
                known: names.join(", "),
            }
        })?,
        None => instances.first().ok_or_else(|| bad(dir, "baseline.json lists no instances"))?,
    };
    let name = chosen["name"].as_str().unwrap_or_default().to_string();
    let text_of = |v: &serde_json::Value| v.as_str().map(str::to_string);
    let facts = InstanceFacts {
        server: text_of(&chosen["server"]),
        family: text_of(&chosen["identity"]["family"]),
        cpu_count: chosen["identity"]["cpu_count"].as_f64(),
        memory_mb: chosen["identity"]["memory_mb"].as_f64(),
        refused: chosen["refused_families"]
            .as_object()
            .map(|o| o.iter().map(|(k, v)| (k.clone(), text_of(v).unwrap_or_default())).collect())
            .unwrap_or_default(),
        errors: doc["errors"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|e| e["instance"].as_str() == Some(name.as_str()))
                    .map(|e| {
                        (
                            text_of(&e["family"]).unwrap_or_default(),
                            text_of(&e["message"]).unwrap_or_default(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default(),
        name,
    };
    let mut files: Vec<PathBuf> = doc["series_files"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f.as_str()).map(|f| dir.join(f)).collect())
        .unwrap_or_default();
    if files.is_empty() {
        files = parts_in(&dir.join("series"));
    }
    let mut samples = Vec::new();
    for file in files {
        let rows = cutover_collector::baseline::read_parquet(&file)
            .map_err(|e| AssessError::Parquet { path: file.clone(), detail: e.to_string() })?;
        samples.extend(rows.into_iter().filter(|r| r.1 == facts.name).map(
            |(ts, _, family, metric, labels, value, _)| Sample {
                timestamp: ts,
                family,
                metric,
                labels: parse_labels(&labels),
                value,
            },
        ));
    }
    // With no rows at all, only a collector that was refused or failed explains why (and the
    // sizing reports every figure as unknown); otherwise it is not a baseline of this instance.
    if samples.is_empty() && facts.refused.is_empty() && facts.errors.is_empty() {
        return Err(bad(dir, format!("no series rows for instance '{}'", facts.name)));
    }
    Ok(Baseline { dir: dir.to_path_buf(), instance: facts, samples })
}

fn parts_in(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_with_escapes() {
        let l = parse_labels("database=a\\,b,file=x\\=y,file_type=ROWS");
        assert_eq!(l["database"], "a,b");
        assert_eq!(l["file"], "x=y");
        assert_eq!(l["file_type"], "ROWS");
        assert!(parse_labels("").is_empty());
    }
}
