//! Writing a baseline folder:
//!
//! - `baseline.json`: rewritten at every flush (written to a temporary file and renamed, so a
//!   reader never sees half of it).
//! - `series/part-NNNNN.parquet`: tidy rows `(timestamp, instance, family, metric, labels,
//!   value, unit)`, one closed file per flush, so a crash or Ctrl-C loses at most one flush.
//! - `series.csv` (optional): the same rows, appended at every flush.
//!
//! The writer stores each wait type's category ([`crate::waits`]) as its rows arrive.

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

use crate::doc::BaselineDoc;
use crate::version::{FORMAT_VERSION, TOOL};
use crate::{BaselineError, labels, waits};

use crate::columns::SCHEMA;

/// One tidy row, buffered until the next flush.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Row {
    /// Milliseconds since 1970-01-01 UTC, on the server's clock.
    pub timestamp: i64,
    pub instance: Arc<str>,
    pub family: &'static str,
    pub metric: String,
    /// [`labels::encode`]d.
    pub labels: String,
    pub value: f64,
    pub unit: &'static str,
}

/// Writes one baseline folder.
pub struct BaselineWriter {
    dir: PathBuf,
    /// baseline.json as it will be written at the next flush.
    pub doc: BaselineDoc,
    buffer: Vec<Row>,
    csv: Option<csv::Writer<File>>,
    parts: u32,
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
            .map_err(|source| BaselineError::Write { path: series.clone(), source })?;
        let csv_writer = if csv {
            let path = dir.join("series.csv");
            let file = File::create(&path).map_err(|source| BaselineError::Write { path, source })?;
            Some(csv::Writer::from_writer(file))
        } else {
            None
        };
        let doc = BaselineDoc {
            format_version: FORMAT_VERSION,
            tool: TOOL.into(),
            tool_version: env!("CARGO_PKG_VERSION").into(),
            started_at: Some(started_at),
            ended_at: None,
            complete: false,
            settings,
            instances: Vec::new(),
            gaps: Vec::new(),
            errors: Vec::new(),
            series_files: Vec::new(),
            csv_file: csv.then(|| "series.csv".to_string()),
            rows_written: 0,
            wait_categories: Default::default(),
            summary: Vec::new(),
        };
        let writer =
            BaselineWriter { dir: dir.to_path_buf(), doc, buffer: Vec::new(), csv: csv_writer, parts: 0 };
        writer.write_json()?;
        Ok(writer)
    }

    /// Buffers a row until the next flush; a wait type seen for the first time gets its category.
    pub fn push(&mut self, row: Row) {
        if row.family == "waits"
            && let Some(wait_type) = labels::get(&row.labels, "wait_type")
            && !self.doc.wait_categories.contains_key(&wait_type)
        {
            let category = waits::classify(&wait_type).category.to_string();
            self.doc.wait_categories.insert(wait_type, category);
        }
        self.buffer.push(row);
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
            write_parquet(&self.dir.join(&name), &self.buffer)?;
            self.doc.series_files.push(name);
            if let Some(w) = self.csv.as_mut() {
                let path = self.dir.join("series.csv");
                for row in &self.buffer {
                    w.serialize(row)
                        .map_err(|source| BaselineError::WriteCsv { path: path.clone(), source })?;
                }
                w.flush().map_err(|source| BaselineError::Write { path, source })?;
            }
            self.doc.rows_written += self.buffer.len() as u64;
            self.buffer.clear();
        }
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
            .map_err(|e| BaselineError::Write { path: path.clone(), source: e.into() })?;
        std::fs::write(&tmp, text).map_err(|source| BaselineError::Write { path: tmp.clone(), source })?;
        std::fs::rename(&tmp, &path).map_err(|source| BaselineError::Write { path, source })
    }
}

/// Writes rows to a Parquet file with the column writers (snappy, dictionary-encoded text).
pub fn write_parquet(path: &Path, rows: &[Row]) -> Result<(), BaselineError> {
    let err = |source| BaselineError::WriteParquet { path: path.to_path_buf(), source };
    let schema = Arc::new(parse_message_type(SCHEMA).map_err(err)?);
    let props = Arc::new(WriterProperties::builder().set_compression(Compression::SNAPPY).build());
    let file =
        File::create(path).map_err(|source| BaselineError::Write { path: path.to_path_buf(), source })?;
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
