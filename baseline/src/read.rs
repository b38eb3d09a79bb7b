//! Reading a baseline folder: [`Baseline::open`] reads `baseline.json`, checks the format
//! version ([`crate::version::check`]) and that every listed part exists; [`read_part`] reads
//! one Parquet part row by row. Readers that go through millions of rows (compare) scan the
//! parts column by column themselves, naming the columns through [`crate::columns`].

use std::borrow::Cow;
use std::fs::File;
use std::path::{Path, PathBuf};

use crate::doc::BaselineDoc;
use crate::{BaselineError, version, waits};

/// A baseline folder, checked.
#[derive(Clone, Debug)]
pub struct Baseline {
    pub dir: PathBuf,
    /// The baseline.json read.
    pub json: PathBuf,
    pub doc: BaselineDoc,
    /// The Parquet parts, in order; every one exists.
    pub parts: Vec<PathBuf>,
}

/// One stored row.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredRow {
    /// Milliseconds since 1970-01-01 UTC, on the server's clock.
    pub timestamp: i64,
    pub instance: String,
    pub family: String,
    pub metric: String,
    /// `k=v,k=v` ([`crate::labels::decode`] splits it).
    pub labels: String,
    pub value: f64,
    pub unit: String,
}

impl Baseline {
    /// Opens `dir` (or a `baseline.json` path): reads and checks baseline.json and its parts.
    pub fn open(dir: &Path) -> Result<Baseline, BaselineError> {
        let (dir, json) = if dir.is_file() {
            (dir.parent().unwrap_or(Path::new(".")).to_path_buf(), dir.to_path_buf())
        } else {
            (dir.to_path_buf(), dir.join("baseline.json"))
        };
        let text = std::fs::read_to_string(&json)
            .map_err(|source| BaselineError::Missing { path: json.clone(), source })?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| BaselineError::corrupt(&json, "baseline.json", e))?;
        version::check(&json, &value)?;
        let doc: BaselineDoc =
            serde_json::from_value(value).map_err(|e| BaselineError::corrupt(&json, "baseline.json", e))?;
        let parts: Vec<PathBuf> = doc.series_files.iter().map(|f| dir.join(f)).collect();
        if let Some(missing) = parts.iter().find(|p| !p.is_file()) {
            return Err(BaselineError::corrupt(
                &json,
                "baseline",
                format!(
                    "it lists {} but that file is missing (copy the whole baseline folder)",
                    missing.display()
                ),
            ));
        }
        Ok(Baseline { dir, json, doc, parts })
    }

    /// The category of `wait_type`: as stored when the baseline was written, else (a
    /// baseline from before categories were stored, or a wait type it did not list) from
    /// this tool's table. `Idle` ([`waits::IDLE`]) waits are benign.
    pub fn wait_category(&self, wait_type: &str) -> Cow<'_, str> {
        waits::category(&self.doc.wait_categories, wait_type)
    }

    /// Every row of every part, in order.
    pub fn rows(&self) -> Result<Vec<StoredRow>, BaselineError> {
        let mut out = Vec::new();
        for part in &self.parts {
            out.extend(read_part(part)?);
        }
        Ok(out)
    }
}

/// Reads one Parquet part back.
pub fn read_part(path: &Path) -> Result<Vec<StoredRow>, BaselineError> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    use parquet::record::RowAccessor;
    let err = |source| BaselineError::ReadParquet { path: path.to_path_buf(), source };
    let file =
        File::open(path).map_err(|source| BaselineError::Missing { path: path.to_path_buf(), source })?;
    let reader = SerializedFileReader::new(file).map_err(err)?;
    let mut out = Vec::with_capacity(reader.metadata().file_metadata().num_rows().max(0) as usize);
    for row in reader.get_row_iter(None).map_err(err)? {
        let row = row.map_err(err)?;
        let s = |i: usize| row.get_string(i).cloned().unwrap_or_default();
        out.push(StoredRow {
            timestamp: row.get_timestamp_millis(0).unwrap_or(0),
            instance: s(1),
            family: s(2),
            metric: s(3),
            labels: s(4),
            value: row.get_double(5).unwrap_or(f64::NAN),
            unit: s(6),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::{BaselineWriter, Row};

    fn at(ms: i64) -> chrono::NaiveDateTime {
        chrono::DateTime::from_timestamp_millis(ms).unwrap().naive_utc()
    }

    fn row(i: i64, wait_type: &str) -> Row {
        Row {
            timestamp: 1_700_000_000_000 + i,
            instance: Arc::from("src"),
            family: "waits",
            metric: "wait_time_seconds".into(),
            labels: format!("wait_type={wait_type}"),
            value: i as f64 / 3.0,
            unit: "seconds/s",
        }
    }

    #[test]
    fn what_the_writer_writes_the_reader_reads_with_the_wait_categories() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = BaselineWriter::create(dir.path(), serde_json::json!({}), true, at(0)).unwrap();
        for i in 0..1000 {
            w.push(row(i, ["PAGEIOLATCH_SH", "SLEEP_TASK", "WRITELOG"][i as usize % 3]));
            if i == 499 {
                w.flush().unwrap();
            }
        }
        w.finish(at(1000), true).unwrap();
        let b = Baseline::open(dir.path()).unwrap();
        assert_eq!(b.parts.len(), 2);
        assert!(b.doc.complete && b.doc.rows_written == 1000);
        let rows = b.rows().unwrap();
        assert_eq!(rows.len(), 1000);
        assert_eq!(rows[999].timestamp, 1_700_000_000_999);
        assert_eq!(rows[3].labels, "wait_type=PAGEIOLATCH_SH");
        assert!((rows[999].value - 333.0).abs() < 1e-9);
        assert_eq!(b.doc.wait_categories["PAGEIOLATCH_SH"], "Buffer IO");
        assert_eq!(b.wait_category("SLEEP_TASK"), waits::IDLE);
        assert_eq!(b.wait_category("LCK_M_X"), "Lock", "a wait type not stored: this tool's table");
        let csv = std::fs::read_to_string(dir.path().join("series.csv")).unwrap();
        assert_eq!(csv.lines().count(), 1001, "a header and every row");
    }

    #[test]
    fn a_stored_category_wins_over_this_tool_s_table() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = BaselineWriter::create(dir.path(), serde_json::json!({}), false, at(0)).unwrap();
        w.push(row(0, "WRITELOG"));
        w.doc.wait_categories.insert("WRITELOG".into(), "Some Older Name".into());
        w.finish(at(1), true).unwrap();
        assert_eq!(Baseline::open(dir.path()).unwrap().wait_category("WRITELOG"), "Some Older Name");
    }

    #[test]
    fn a_missing_part_or_another_version_is_refused_with_the_fix() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = BaselineWriter::create(dir.path(), serde_json::json!({}), false, at(0)).unwrap();
        w.push(row(0, "WRITELOG"));
        w.finish(at(1), true).unwrap();
        std::fs::remove_file(dir.path().join("series/part-00001.parquet")).unwrap();
        let e = Baseline::open(dir.path()).unwrap_err().to_string();
        assert!(e.contains("part-00001.parquet but that file is missing"), "{e}");
        let json = dir.path().join("baseline.json");
        let text =
            std::fs::read_to_string(&json).unwrap().replace("\"format_version\": 1", "\"format_version\": 2");
        std::fs::write(&json, text).unwrap();
        let e = Baseline::open(dir.path()).unwrap_err().to_string();
        assert!(e.contains("format_version 2") && e.contains("re-collect"), "{e}");
        let e = Baseline::open(&dir.path().join("nowhere")).unwrap_err().to_string();
        assert!(e.contains("cutover collect --out"), "{e}");
    }
}
