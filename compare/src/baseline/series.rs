//! Loading a baseline's Parquet parts with polars, a chunk of parts at a time so memory stays
//! bounded whatever the run length: scan (projected), map each raw series to its canonical
//! keys ([`super::align`]) by a join on a small mapping frame, combine per key and timestamp,
//! and append to per-key vectors.

use std::collections::HashMap;
use std::path::PathBuf;

use polars::prelude::*;

use super::align::{Agg, targets};
use super::meta::Baseline;
use crate::error::CompareError;

/// Parts scanned together.
const CHUNK: usize = 64;

/// One canonical series of one side: timestamps (ms) and values, in time order.
#[derive(Clone, Debug, Default)]
pub struct Series {
    pub key: String,
    pub unit: String,
    pub ts: Vec<i64>,
    pub values: Vec<f64>,
}

/// Every canonical series of one side, by key.
#[derive(Debug, Default)]
pub struct Loaded {
    pub series: Vec<Series>,
    pub by_key: HashMap<String, usize>,
    /// Rows read from Parquet.
    pub rows: u64,
    /// First timestamp (ms), for relative time in charts.
    pub start_ms: Option<i64>,
}

impl Loaded {
    pub fn get(&self, key: &str) -> Option<&Series> {
        self.by_key.get(key).map(|&i| &self.series[i])
    }
}

/// Raw series identity: instance, family, metric, labels.
type RawKey = (String, String, String, String);

/// Loads every part of `baseline`; with `prefix_instance` keys start with `[instance] `.
pub fn load(baseline: &Baseline, prefix_instance: bool) -> Result<Loaded, CompareError> {
    let mut loaded = Loaded::default();
    let mut mapped: HashMap<RawKey, Vec<(u32, bool)>> = HashMap::new();
    for parts in baseline.parts.chunks(CHUNK) {
        let err = |e: PolarsError| CompareError::Parquet {
            path: if parts.len() == 1 { parts[0].clone() } else { baseline.dir.join("series") },
            detail: format!("{e} (is the baseline folder complete and written by cutover collect?)"),
        };
        let frame = scan(parts).map_err(err)?;
        loaded.rows += frame.height() as u64;
        let mapping = map_new_keys(&frame, &mut mapped, &mut loaded, prefix_instance).map_err(err)?;
        let combined = combine(frame, mapping).map_err(err)?;
        append(&combined, &mut loaded).map_err(err)?;
    }
    for s in &mut loaded.series {
        sort_by_time(s);
    }
    loaded.start_ms = loaded.series.iter().filter_map(|s| s.ts.first().copied()).min();
    Ok(loaded)
}

fn scan(parts: &[PathBuf]) -> PolarsResult<DataFrame> {
    let paths = parts.iter().map(|p| PlRefPath::try_from_path(p)).collect::<PolarsResult<Vec<_>>>()?;
    let args = ScanArgsParquet { glob: false, ..Default::default() };
    LazyFrame::scan_parquet_files(paths.into_iter().collect(), args)?
        .select([
            col("timestamp").cast(DataType::Int64),
            col("instance"),
            col("family"),
            col("metric"),
            col("labels"),
            col("value"),
            col("unit"),
        ])
        .collect()
}

/// Maps raw series not seen before; returns the mapping frame for this chunk's raw series.
fn map_new_keys(
    frame: &DataFrame,
    mapped: &mut HashMap<RawKey, Vec<(u32, bool)>>,
    loaded: &mut Loaded,
    prefix_instance: bool,
) -> PolarsResult<DataFrame> {
    let uniq = frame
        .clone()
        .lazy()
        .select([col("instance"), col("family"), col("metric"), col("labels"), col("unit")])
        .unique(None, UniqueKeepStrategy::Any)
        .collect()?;
    let text = |name: &str| -> PolarsResult<Vec<String>> {
        Ok(uniq.column(name)?.str()?.iter().map(|s| s.unwrap_or_default().to_string()).collect())
    };
    let (inst, fam, met, lab, unit) =
        (text("instance")?, text("family")?, text("metric")?, text("labels")?, text("unit")?);
    let mut cols: [Vec<String>; 4] = Default::default();
    let (mut ids, mut means) = (Vec::new(), Vec::new());
    for i in 0..uniq.height() {
        let raw: RawKey = (inst[i].clone(), fam[i].clone(), met[i].clone(), lab[i].clone());
        let entry = mapped.entry(raw.clone()).or_insert_with(|| {
            targets(&raw.1, &raw.2, &raw.3, &unit[i])
                .into_iter()
                .map(|t| {
                    let key = if prefix_instance { format!("[{}] {}", raw.0, t.key) } else { t.key };
                    let next = loaded.series.len();
                    let id = *loaded.by_key.entry(key.clone()).or_insert(next);
                    if id == next {
                        loaded.series.push(Series { key, unit: t.unit, ..Default::default() });
                    }
                    (id as u32, t.agg == Agg::Mean)
                })
                .collect()
        });
        for &(id, mean) in entry.iter() {
            for (c, v) in cols.iter_mut().zip([&raw.0, &raw.1, &raw.2, &raw.3]) {
                c.push(v.clone());
            }
            ids.push(id);
            means.push(mean);
        }
    }
    let [i, f, m, l] = cols;
    DataFrame::new_infer_height(vec![
        Column::new("instance".into(), i),
        Column::new("family".into(), f),
        Column::new("metric".into(), m),
        Column::new("labels".into(), l),
        Column::new("key_id".into(), ids),
        Column::new("mean".into(), means),
    ])
}

/// Joins the chunk to its mapping and combines rows per (key, timestamp).
fn combine(frame: DataFrame, mapping: DataFrame) -> PolarsResult<DataFrame> {
    let on = [col("instance"), col("family"), col("metric"), col("labels")];
    frame
        .lazy()
        .join(mapping.lazy(), on.clone(), on, JoinArgs::new(JoinType::Inner))
        .group_by([col("key_id"), col("timestamp")])
        .agg([
            col("value").sum().alias("sum"),
            col("value").mean().alias("avg"),
            col("mean").first().alias("mean"),
        ])
        .collect()
}

fn append(df: &DataFrame, loaded: &mut Loaded) -> PolarsResult<()> {
    let ids = df.column("key_id")?.u32()?;
    let ts = df.column("timestamp")?.i64()?;
    let sum = df.column("sum")?.f64()?;
    let avg = df.column("avg")?.f64()?;
    let mean = df.column("mean")?.bool()?;
    for (((id, t), (s, a)), m) in ids.iter().zip(ts.iter()).zip(sum.iter().zip(avg.iter())).zip(mean.iter()) {
        let (Some(id), Some(t)) = (id, t) else { continue };
        let v = if m.unwrap_or(false) { a } else { s };
        let Some(v) = v else { continue };
        let series = &mut loaded.series[id as usize];
        series.ts.push(t);
        series.values.push(v);
    }
    Ok(())
}

fn sort_by_time(s: &mut Series) {
    if s.ts.windows(2).all(|w| w[0] <= w[1]) {
        return;
    }
    let mut pairs: Vec<(i64, f64)> = s.ts.iter().copied().zip(s.values.iter().copied()).collect();
    pairs.sort_unstable_by_key(|p| p.0);
    (s.ts, s.values) = pairs.into_iter().unzip();
}
