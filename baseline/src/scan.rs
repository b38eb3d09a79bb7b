//! The columnar reader of a baseline's parts, for readers that go through every row fast
//! (compare loads 17M rows a side): each part is decoded as Arrow arrays on a thread of its own
//! while the caller consumes the one before, and the five text columns that name a row's
//! series stay dictionary-encoded, so a caller can match rows on their dictionary keys
//! ([`Batch::keys`]) and read the text once per key.
//!
//! Rows without a timestamp or a value are dropped; a missing name reads as empty (the
//! collector writes neither; a hand-made file may).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, Int64Type};
use arrow_array::{Array, ArrayRef, BooleanArray, DictionaryArray, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};

use crate::BaselineError;

/// The text columns naming a row's raw series, in this order in [`Batch::keys`].
pub const NAME_COLUMNS: [&str; 5] = ["instance", "family", "metric", "labels", "unit"];

/// Rows per decoded batch: more than a part holds at the collector's defaults (one batch a part).
const BATCH_ROWS: usize = 1 << 20;

/// Decoded parts waiting for the caller.
const AHEAD: usize = 2;

/// The key [`Batch::keys`] gives a missing name.
pub const NULL_KEY: u32 = u32::MAX;

/// Some rows of one part, columnar.
pub struct Batch {
    timestamps: Vec<i64>,
    values: Vec<f64>,
    keys: [Vec<u32>; 5],
    dictionaries: [StringArray; 5],
}

impl Batch {
    /// Rows in the batch.
    pub fn len(&self) -> usize {
        self.timestamps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.timestamps.is_empty()
    }

    /// Milliseconds since 1970-01-01 UTC, per row.
    pub fn timestamps(&self) -> &[i64] {
        &self.timestamps
    }

    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The dictionary keys of name column `c` ([`NAME_COLUMNS`]) per row: within one batch,
    /// equal keys are equal text; [`NULL_KEY`] is a missing name.
    pub fn keys(&self, c: usize) -> &[u32] {
        &self.keys[c]
    }

    /// The text of `key` in name column `c`.
    pub fn text(&self, c: usize, key: u32) -> &str {
        if key == NULL_KEY { "" } else { self.dictionaries[c].value(key as usize) }
    }
}

/// Decodes `parts` in order and hands each batch to `each`; decoding runs one part ahead on
/// another thread. The first error stops the scan.
pub fn scan(parts: &[PathBuf], mut each: impl FnMut(&Batch)) -> Result<(), BaselineError> {
    std::thread::scope(|s| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<Batch>, BaselineError>>(AHEAD);
        s.spawn(move || {
            for part in parts {
                let stop = tx.send(read_batches(part)).is_err();
                if stop {
                    break;
                }
            }
        });
        for batches in rx {
            for b in &batches? {
                each(b);
            }
        }
        Ok(())
    })
}

/// One part's batches.
fn read_batches(path: &Path) -> Result<Vec<Batch>, BaselineError> {
    let perr = |source| BaselineError::ReadParquet { path: path.to_path_buf(), source };
    let aerr = |e: arrow_schema::ArrowError| perr(parquet::errors::ParquetError::ArrowError(e.to_string()));
    let file =
        File::open(path).map_err(|source| BaselineError::Missing { path: path.to_path_buf(), source })?;
    let meta = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(perr)?;
    let hinted = with_dictionaries(meta.schema());
    let meta =
        ArrowReaderMetadata::try_new(meta.metadata().clone(), ArrowReaderOptions::new().with_schema(hinted))
            .map_err(perr)?;
    let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(file, meta)
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(perr)?;
    let mut out = Vec::new();
    for batch in reader {
        out.push(columns(&batch.map_err(aerr)?).map_err(aerr)?);
    }
    Ok(out)
}

/// The file's schema with the name columns asked for dictionary-encoded.
fn with_dictionaries(schema: &Schema) -> Arc<Schema> {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| {
            let text = matches!(f.data_type(), DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View);
            if text && NAME_COLUMNS.contains(&f.name().as_str()) {
                let dict = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
                Field::new(f.name(), dict, f.is_nullable())
            } else {
                f.as_ref().clone()
            }
        })
        .collect();
    Arc::new(Schema::new(fields))
}

/// The batch's columns by name, rows without a timestamp or value dropped.
fn columns(batch: &RecordBatch) -> Result<Batch, arrow_schema::ArrowError> {
    let column = |name: &str| -> Result<&ArrayRef, arrow_schema::ArrowError> {
        batch
            .column_by_name(name)
            .ok_or_else(|| arrow_schema::ArrowError::SchemaError(format!("no column `{name}`")))
    };
    let ts = arrow_cast::cast(column("timestamp")?, &DataType::Int64)?;
    let value = arrow_cast::cast(column("value")?, &DataType::Float64)?;
    let keep: Option<BooleanArray> = (ts.null_count() > 0 || value.null_count() > 0)
        .then(|| (0..batch.num_rows()).map(|i| Some(ts.is_valid(i) && value.is_valid(i))).collect());
    let kept = |a: ArrayRef| match &keep {
        Some(mask) => arrow_select::filter::filter(&a, mask),
        None => Ok(a),
    };
    let ts = kept(ts)?;
    let value = kept(value)?;
    let dict_type = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    let mut keys: [Vec<u32>; 5] = Default::default();
    let mut dictionaries: Vec<StringArray> = Vec::with_capacity(5);
    for (c, name) in NAME_COLUMNS.into_iter().enumerate() {
        let a = kept(arrow_cast::cast(column(name)?, &dict_type)?)?;
        let d: &DictionaryArray<Int32Type> = a.as_dictionary();
        keys[c] = if d.keys().null_count() == 0 {
            d.keys().values().iter().map(|&k| k as u32).collect()
        } else {
            d.keys().iter().map(|k| k.map_or(NULL_KEY, |k| k as u32)).collect()
        };
        dictionaries.push(d.values().as_string::<i32>().clone());
    }
    let dictionaries: [StringArray; 5] =
        dictionaries.try_into().map_err(|_| arrow_schema::ArrowError::SchemaError("name columns".into()))?;
    Ok(Batch {
        timestamps: ts.as_primitive::<Int64Type>().values().to_vec(),
        values: value.as_primitive::<Float64Type>().values().to_vec(),
        keys,
        dictionaries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::{Float64Array, Int64Array};
    use parquet::arrow::ArrowWriter;

    fn names(b: &Batch, row: usize) -> [String; 5] {
        std::array::from_fn(|c| b.text(c, b.keys(c)[row]).to_string())
    }

    #[test]
    fn the_writer_s_parts_scan_in_order_with_dictionary_keys() {
        let dir = tempfile::tempdir().unwrap();
        let rows: Vec<crate::Row> = (0..3000)
            .map(|i| crate::Row {
                timestamp: 1_700_000_000_000 + i,
                instance: Arc::from("src"),
                family: "waits",
                metric: "wait_time_seconds".into(),
                labels: format!("wait_type=W{}", i % 7),
                value: i as f64,
                unit: "seconds/s",
            })
            .collect();
        let parts = [dir.path().join("a.parquet"), dir.path().join("b.parquet")];
        crate::write::write_parquet(&parts[0], &rows[..1000]).unwrap();
        crate::write::write_parquet(&parts[1], &rows[1000..]).unwrap();
        let (mut seen, mut keys) = (Vec::new(), std::collections::BTreeSet::new());
        scan(&parts, |b| {
            for row in 0..b.len() {
                seen.push((b.timestamps()[row], b.values()[row], names(b, row)));
                keys.insert(b.keys(3)[row]);
            }
        })
        .unwrap();
        assert_eq!(seen.len(), 3000);
        assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "in row order");
        assert_eq!(seen[8].2[3], "wait_type=W1");
        assert_eq!(seen[2999].1, 2999.0);
        assert_eq!(keys.len(), 7, "one key per distinct label text within a part");
    }

    #[test]
    fn a_hand_made_part_with_gaps_loses_only_the_rows_without_a_value() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hand.parquet");
        let text = |v: [Option<&str>; 4]| Arc::new(StringArray::from(v.to_vec())) as ArrayRef;
        let batch = RecordBatch::try_from_iter([
            (
                "timestamp",
                Arc::new(Int64Array::from(vec![Some(1000), Some(2000), None, Some(3000)])) as ArrayRef,
            ),
            (
                "value",
                Arc::new(Float64Array::from(vec![Some(40.0), None, Some(1.0), Some(60.0)])) as ArrayRef,
            ),
            ("instance", text([Some("sql01"); 4])),
            ("family", text([Some("cpu"); 4])),
            ("metric", text([Some("cpu_sql_percent"); 4])),
            ("labels", text([None; 4])),
            ("unit", text([Some("percent"); 4])),
        ])
        .unwrap();
        let mut w = ArrowWriter::try_new(File::create(&path).unwrap(), batch.schema(), None).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        let mut seen = Vec::new();
        scan(&[path], |b| {
            for row in 0..b.len() {
                seen.push((b.timestamps()[row], b.values()[row], names(b, row)));
            }
        })
        .unwrap();
        let ts: Vec<i64> = seen.iter().map(|s| s.0).collect();
        assert_eq!(ts, [1000, 3000]);
        assert_eq!(seen[1].2, ["sql01", "cpu", "cpu_sql_percent", "", "percent"].map(String::from));
    }

    #[test]
    fn a_torn_part_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("part-00001.parquet");
        std::fs::write(&path, b"PAR1 truncated").unwrap();
        let e = scan(&[path], |_| {}).unwrap_err().to_string();
        assert!(e.contains("part-00001.parquet") && e.contains("Parquet"), "{e}");
    }
}
