//! The baseline on disk (schema in `docs/baseline-format.md`):
//!
//! - `baseline.json`: tool version, settings, intervals, per instance its identity, edition,
//!   configuration, refused families, query texts; gaps and their causes; errors; the summary.
//!   Rewritten at every flush (written to a temporary file and renamed).
//! - `series/part-NNNNN.parquet`: tidy rows `(timestamp, instance, family, metric, labels,
//!   value, unit)`, one closed file per flush, so a crash or Ctrl-C loses at most one flush.
//! - `series.csv` (with `--csv`): the same rows, appended at every flush.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDateTime;
use parquet::basic::Compression;
use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;
use serde::Serialize;

use crate::sample::{FamilyError, Gap, Labels, Round};
use crate::summary::{Summaries, Summary};

/// The version of this format, stored in baseline.json.
pub const FORMAT_VERSION: u32 = 1;

const SCHEMA: &str = "message baseline_series {
    REQUIRED INT64 timestamp (TIMESTAMP(MILLIS,true));
    REQUIRED BYTE_ARRAY instance (UTF8);
    REQUIRED BYTE_ARRAY family (UTF8);
    REQUIRED BYTE_ARRAY metric (UTF8);
    REQUIRED BYTE_ARRAY labels (UTF8);
    REQUIRED DOUBLE value;
    REQUIRED BYTE_ARRAY unit (UTF8);
}";

/// Failures writing the baseline.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("could not write {path} (check that the --out folder is writable and the disk has room)")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("could not write Parquet file {path}")]
    Parquet { path: PathBuf, source: parquet::errors::ParquetError },
    #[error("could not write CSV file {path}")]
    Csv { path: PathBuf, source: csv::Error },
}

/// One tidy row, buffered until the next flush.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// Milliseconds since 1970-01-01 UTC, on the server's clock.
    pub timestamp: i64,
    pub instance: Arc<str>,
    pub family: &'static str,
    pub metric: String,
    pub labels: String,
    pub value: f64,
    pub unit: &'static str,
}

/// `k=v,k=v` with keys sorted; `,` `=` and `\` in values escaped with `\`.
pub fn labels_text(labels: &Labels) -> String {
    let mut out = String::new();
    for (i, (k, v)) in labels.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(k);
        out.push('=');
        for c in v.chars() {
            if matches!(c, ',' | '=' | '\\') {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

/// What baseline.json says about one instance.
#[derive(Clone, Debug, Default, Serialize)]
pub struct InstanceInfo {
    pub name: String,
    pub server: String,
    pub identity: Option<cutover_mssql::ServerIdentity>,
    pub configuration: Option<serde_json::Value>,
    pub refused_families: BTreeMap<String, String>,
    pub query_text: BTreeMap<String, String>,
    /// query_hash → the query_plan_hash values seen cached for it during the run.
    pub query_plans: BTreeMap<String, BTreeSet<String>>,
    pub rounds: u64,
    pub rounds_late: u64,
    pub restarts: u64,
}

/// baseline.json.
#[derive(Clone, Debug, Serialize)]
pub struct BaselineDoc {
    pub format_version: u32,
    pub tool: String,
    pub tool_version: String,
    pub started_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
    pub complete: bool,
    pub settings: serde_json::Value,
    pub instances: Vec<InstanceInfo>,
    pub gaps: Vec<Gap>,
    pub errors: Vec<FamilyError>,
    pub series_files: Vec<String>,
    pub csv_file: Option<String>,
    pub rows_written: u64,
    pub summary: Vec<Summary>,
}

/// Writes one baseline folder.
pub struct BaselineWriter {
    dir: PathBuf,
    pub doc: BaselineDoc,
    buffer: Vec<Row>,
    csv: Option<csv::Writer<File>>,
    parts: u32,
    pub summaries: Summaries,
}

impl BaselineWriter {
    /// Creates the folder (and `series/`) and writes an initial baseline.json.
    pub fn create(
        dir: &Path,
        settings: serde_json::Value,
        csv: bool,
        started_at: NaiveDateTime,
    ) -> Result<Self, BaselineError> {
        let series = dir.join("series");
        std::fs::create_dir_all(&series)
            .map_err(|source| BaselineError::Io { path: series.clone(), source })?;
        let csv_writer = if csv {
            let path = dir.join("series.csv");
            let file =
                File::create(&path).map_err(|source| BaselineError::Io { path: path.clone(), source })?;
            Some(csv::Writer::from_writer(file))
        } else {
            None
        };
        let doc = BaselineDoc {
            format_version: FORMAT_VERSION,
            tool: "cutover".into(),
            tool_version: env!("CARGO_PKG_VERSION").into(),
            started_at,
            ended_at: None,
            complete: false,
            settings,
            instances: Vec::new(),
            gaps: Vec::new(),
            errors: Vec::new(),
            series_files: Vec::new(),
            csv_file: csv.then(|| "series.csv".to_string()),
            rows_written: 0,
            summary: Vec::new(),
        };
        let writer = BaselineWriter {
            dir: dir.to_path_buf(),
            doc,
            buffer: Vec::new(),
            csv: csv_writer,
            parts: 0,
            summaries: Summaries::default(),
        };
        writer.write_json()?;
        Ok(writer)
    }

    /// Buffers a round's points, gaps and errors.
    pub fn add(&mut self, round: &Round) {
        self.doc.gaps.extend(round.gaps.iter().cloned());
        self.doc.errors.extend(round.errors.iter().cloned());
        let Some(at) = round.at else { return };
        let ts = at.and_utc().timestamp_millis();
        let instance: Arc<str> = Arc::from(round.instance.as_str());
        for p in &round.points {
            self.summaries.record(&round.instance, p);
            self.buffer.push(Row {
                timestamp: ts,
                instance: instance.clone(),
                family: p.family,
                metric: p.metric.clone(),
                labels: labels_text(&p.labels),
                value: p.value,
                unit: p.unit,
            });
        }
    }

    /// Rows waiting for the next flush.
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// Writes the buffered rows (a new Parquet part, CSV appended) and baseline.json.
    pub fn flush(&mut self) -> Result<(), BaselineError> {
        if !self.buffer.is_empty() {
            self.parts += 1;
            let name = format!("series/part-{:05}.parquet", self.parts);
            let path = self.dir.join(&name);
            write_parquet(&path, &self.buffer)?;
            self.doc.series_files.push(name);
            if let Some(w) = self.csv.as_mut() {
                let csv_path = self.dir.join("series.csv");
                for row in &self.buffer {
                    w.serialize(row)
                        .map_err(|source| BaselineError::Csv { path: csv_path.clone(), source })?;
                }
                w.flush().map_err(|source| BaselineError::Io { path: csv_path, source })?;
            }
            self.doc.rows_written += self.buffer.len() as u64;
            self.buffer.clear();
        }
        self.doc.summary = self.summaries.summarise();
        self.write_json()
    }

    /// The last flush: marks the baseline complete (or not, after an interruption).
    pub fn finish(&mut self, ended_at: NaiveDateTime, complete: bool) -> Result<(), BaselineError> {
        self.doc.ended_at = Some(ended_at);
        self.doc.complete = complete;
        self.flush()
    }

    fn write_json(&self) -> Result<(), BaselineError> {
        let path = self.dir.join("baseline.json");
        let tmp = self.dir.join("baseline.json.tmp");
        let text = serde_json::to_vec_pretty(&self.doc)
            .map_err(|e| BaselineError::Io { path: path.clone(), source: e.into() })?;
        std::fs::write(&tmp, text).map_err(|source| BaselineError::Io { path: tmp.clone(), source })?;
        std::fs::rename(&tmp, &path).map_err(|source| BaselineError::Io { path, source })
    }
}

/// Writes rows to a Parquet file with the column writers (snappy, dictionary-encoded text).
pub fn write_parquet(path: &Path, rows: &[Row]) -> Result<(), BaselineError> {
    let err = |source| BaselineError::Parquet { path: path.to_path_buf(), source };
    let schema = Arc::new(parse_message_type(SCHEMA).map_err(err)?);
    let props = Arc::new(WriterProperties::builder().set_compression(Compression::SNAPPY).build());
    let file = File::create(path).map_err(|source| BaselineError::Io { path: path.to_path_buf(), source })?;
    let mut writer = SerializedFileWriter::new(file, schema, props).map_err(err)?;
    let mut group = writer.next_row_group().map_err(err)?;
    let text =
        |f: &dyn Fn(&Row) -> &str| -> Vec<ByteArray> { rows.iter().map(|r| ByteArray::from(f(r))).collect() };
    let mut column = 0;
    while let Some(mut col) = group.next_column().map_err(err)? {
        match column {
            0 => {
                let v: Vec<i64> = rows.iter().map(|r| r.timestamp).collect();
                col.typed::<Int64Type>().write_batch(&v, None, None).map_err(err)?;
            }
            5 => {
                let v: Vec<f64> = rows.iter().map(|r| r.value).collect();
                col.typed::<DoubleType>().write_batch(&v, None, None).map_err(err)?;
            }
            n => {
                let v = match n {
                    1 => text(&|r| &r.instance),
                    2 => text(&|r| r.family),
                    3 => text(&|r| &r.metric),
                    4 => text(&|r| &r.labels),
                    _ => text(&|r| r.unit),
                };
                col.typed::<ByteArrayType>().write_batch(&v, None, None).map_err(err)?;
            }
        }
        col.close().map_err(err)?;
        column += 1;
    }
    group.close().map_err(err)?;
    writer.close().map_err(err)?;
    Ok(())
}

/// A row read back: (timestamp ms, instance, family, metric, labels, value, unit).
pub type ReadRow = (i64, String, String, String, String, f64, String);

/// Reads a Parquet part back (tests and tools): (timestamp, instance, family, metric, labels, value, unit).
pub fn read_parquet(path: &Path) -> Result<Vec<ReadRow>, BaselineError> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::RowAccessor;
    let err = |source| BaselineError::Parquet { path: path.to_path_buf(), source };
    let file = File::open(path).map_err(|source| BaselineError::Io { path: path.to_path_buf(), source })?;
    let reader = SerializedFileReader::new(file).map_err(err)?;
    let mut out = Vec::new();
    for row in reader.get_row_iter(None).map_err(err)? {
        let row = row.map_err(err)?;
        let s = |i: usize| row.get_string(i).cloned().unwrap_or_default();
        out.push((
            row.get_timestamp_millis(0).unwrap_or(0),
            s(1),
            s(2),
            s(3),
            s(4),
            row.get_double(5).unwrap_or(f64::NAN),
            s(6),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_canonical_and_escaped() {
        let l = vec![("database", "a,b".to_string()), ("file", "x=y".to_string())];
        assert_eq!(labels_text(&l), "database=a\\,b,file=x\\=y");
    }

    #[test]
    fn parquet_round_trip() {
        let dir = std::env::temp_dir().join(format!("cutover-pq-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.parquet");
        let rows: Vec<Row> = (0..1000)
            .map(|i| Row {
                timestamp: 1_700_000_000_000 + i,
                instance: Arc::from("src"),
                family: "waits",
                metric: "wait_time_seconds".into(),
                labels: format!("wait_type=W{}", i % 7),
                value: i as f64 / 3.0,
                unit: "seconds/s",
            })
            .collect();
        write_parquet(&path, &rows).unwrap();
        let back = read_parquet(&path).unwrap();
        assert_eq!(back.len(), 1000);
        assert_eq!(back[999].0, 1_700_000_000_999);
        assert_eq!(back[3].4, "wait_type=W3");
        assert!((back[999].5 - 333.0).abs() < 1e-9);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
