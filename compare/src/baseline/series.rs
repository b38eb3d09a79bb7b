//! Loading a baseline's Parquet parts (opened and checked by [`cutover_baseline::Baseline::open`],
//! columns named by [`cutover_baseline::columns`]): polars' Parquet reader decodes a chunk of
//! parts at a time, the parts of a chunk side by side (projected, each decoded in parallel), so
//! memory stays bounded whatever the run length. Each row's raw series `(instance, family,
//! metric, labels, unit)` is matched on its five Arrow string views within the array; the text
//! itself is read once per raw series and array, found in [`RawKeys`] and mapped to its
//! canonical keys ([`super::align`]). Values go straight onto per-key vectors in row order.
//! Keys fed by several raw series (files summed per database, waits per category) are combined
//! per timestamp at the end, by sum or mean.
//!
//! polars' eager reader, not its lazy scan: the lazy engine (polars-lazy, polars-stream) pulls
//! in an object-store client with an HTTP stack, and compare only reads local files.
//!
//! Why not a polars join: joining 17M rows a side to their mapping on four text columns and
//! grouping by key and timestamp took 19 s of a 30 s comparison (BENCHMARKS.md, issue 7); the
//! lookups here take a fraction of that.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use cutover_baseline::Baseline;
use cutover_baseline::columns::{ALL, NAMES, TIMESTAMP, VALUE};
use polars::prelude::*;
use rayon::prelude::*;

use super::align::{Agg, targets};
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

/// Loads every part of `baseline`; with `prefix_instance` keys start with `[instance] `.
pub fn load(baseline: &Baseline, prefix_instance: bool) -> Result<Loaded, CompareError> {
    let mut loader = Loader {
        prefix_instance,
        wait_categories: baseline.doc.wait_categories.clone(),
        ..Default::default()
    };
    for (n, parts) in baseline.parts.chunks(CHUNK).enumerate() {
        let err = |e: PolarsError| CompareError::Parquet {
            path: if parts.len() == 1 { parts[0].clone() } else { baseline.dir.join("series") },
            detail: format!("{e} (is the baseline folder complete and written by cutover collect?)"),
        };
        for frame in read_chunk(parts) {
            let mut frame = frame.map_err(err)?;
            loader.add(&mut frame).map_err(err)?;
        }
        if n == 0 {
            loader.reserve(baseline.parts.len() as f64 / parts.len() as f64);
        }
    }
    Ok(loader.finish())
}

/// Reads the parts of one chunk side by side, in order.
fn read_chunk(parts: &[PathBuf]) -> Vec<PolarsResult<DataFrame>> {
    parts.par_iter().map(|p| read_part(p)).collect()
}

/// One part's columns: the timestamp as milliseconds (`Int64`), the value as `Float64`, then
/// the five name columns.
fn read_part(path: &Path) -> PolarsResult<DataFrame> {
    let columns = Some(ALL.map(String::from).to_vec());
    let frame = ParquetReader::new(std::fs::File::open(path)?).with_columns(columns).finish()?;
    let mut out = vec![
        frame.column(TIMESTAMP)?.cast(&DataType::Int64)?,
        frame.column(VALUE)?.cast(&DataType::Float64)?,
    ];
    for name in NAMES {
        out.push(frame.column(name)?.clone());
    }
    DataFrame::new(frame.height(), out)
}

/// Rows without a timestamp or value dropped, missing names read as empty (never written by
/// the collector; a hand-made file may have them).
fn without_nulls(frame: DataFrame) -> PolarsResult<DataFrame> {
    let mask = frame.column(TIMESTAMP)?.is_not_null() & frame.column(VALUE)?.is_not_null();
    let mut frame = frame.filter(&mask)?;
    for name in NAMES {
        let filled: StringChunked =
            frame.column(name)?.str()?.iter().map(|v| Some(v.unwrap_or(""))).collect();
        frame.replace(name, filled.with_name(name.into()).into_column())?;
    }
    Ok(frame)
}

/// A raw series' name: `(instance, family, metric, labels, unit)`.
type RawName<'a> = [&'a str; 5];

/// Raw series seen so far by name (looked up once per raw series and array, not per row).
type RawKeys = HashMap<[String; 5], usize>;

/// Builds one side's series, chunk by chunk.
#[derive(Default)]
struct Loader {
    prefix_instance: bool,
    /// The baseline's stored wait categories (`wait_categories` in baseline.json).
    wait_categories: BTreeMap<String, String>,
    loaded: Loaded,
    raw: RawKeys,
    /// Per raw series: the canonical series it feeds.
    feeds: Vec<Vec<usize>>,
    /// Per canonical series: how values at one timestamp combine.
    agg: Vec<Agg>,
}

impl Loader {
    fn add(&mut self, frame: &mut DataFrame) -> PolarsResult<()> {
        self.loaded.rows += frame.height() as u64;
        if frame.columns().iter().any(|c| c.null_count() > 0) {
            *frame = without_nulls(std::mem::take(frame))?;
        }
        frame.align_chunks_par();
        let ts: Vec<_> = frame.column(TIMESTAMP)?.i64()?.downcast_iter().collect();
        let values: Vec<_> = frame.column(VALUE)?.f64()?.downcast_iter().collect();
        let mut text = Vec::with_capacity(NAMES.len());
        for name in NAMES {
            text.push(frame.column(name)?.str()?.downcast_iter().collect::<Vec<_>>());
        }
        for (k, (ts, values)) in ts.into_iter().zip(values).enumerate() {
            let names: [_; 5] = std::array::from_fn(|c| text[c][k]);
            let views = names.map(|a| a.views());
            // Within one array, equal views are equal text (same bytes inline, or the same
            // buffer, offset and length): rows are matched on their views, and the text is
            // read and hashed once per raw series and array.
            let mut by_view: HashMap<[u128; 5], usize, foldhash::fast::FixedState> = HashMap::default();
            for (row, (&t, &v)) in ts.values().iter().zip(values.values().iter()).enumerate() {
                let view = views.map(|vs| vs[row].as_u128());
                let raw = match by_view.get(&view) {
                    Some(&raw) => raw,
                    None => {
                        let raw = self.raw_id(names.map(|a| a.value(row)));
                        by_view.insert(view, raw);
                        raw
                    }
                };
                self.push(raw, t, v);
            }
        }
        Ok(())
    }

    /// The raw series of this name, new or seen before.
    fn raw_id(&mut self, name: RawName) -> usize {
        let owned = name.map(str::to_string);
        match self.raw.get(&owned) {
            Some(&raw) => raw,
            None => self.new_raw(owned),
        }
    }

    /// Appends one row's value to every canonical series raw series `raw` feeds.
    fn push(&mut self, raw: usize, t: i64, v: f64) {
        for &id in &self.feeds[raw] {
            let s = &mut self.loaded.series[id];
            s.ts.push(t);
            s.values.push(v);
        }
    }

    /// Grows every series' vectors to `factor` times their length (after the first chunk), so
    /// long baselines are not copied again and again while they load.
    fn reserve(&mut self, factor: f64) {
        for s in &mut self.loaded.series {
            let more = (s.ts.len() as f64 * (factor - 1.0)).ceil() as usize;
            s.ts.reserve(more);
            s.values.reserve(more);
        }
    }

    /// Maps a raw series not seen before to its canonical series (creating those new).
    fn new_raw(&mut self, name: [String; 5]) -> usize {
        let [instance, family, metric, labels, unit] = &name;
        let feeds = targets(family, metric, labels, unit, &self.wait_categories)
            .into_iter()
            .map(|t| {
                let key = if self.prefix_instance { format!("[{instance}] {}", t.key) } else { t.key };
                let loaded = &mut self.loaded;
                let next = loaded.series.len();
                let id = *loaded.by_key.entry(key.clone()).or_insert(next);
                if id == next {
                    loaded.series.push(Series { key, unit: t.unit, ..Default::default() });
                    self.agg.push(t.agg);
                }
                id
            })
            .collect();
        let raw = self.feeds.len();
        self.feeds.push(feeds);
        self.raw.insert(name, raw);
        raw
    }

    fn finish(mut self) -> Loaded {
        for (s, &agg) in self.loaded.series.iter_mut().zip(&self.agg) {
            combine_by_time(s, agg);
        }
        let loaded = &mut self.loaded;
        loaded.start_ms = loaded.series.iter().filter_map(|s| s.ts.first().copied()).min();
        self.loaded
    }
}

/// Puts `s` in time order and combines values that share a timestamp (several raw series
/// feeding one key, or a repeated row) by `agg`. Already strictly ordered: untouched.
fn combine_by_time(s: &mut Series, agg: Agg) {
    if s.ts.windows(2).all(|w| w[0] < w[1]) {
        return;
    }
    let mut pairs: Vec<(i64, f64)> = s.ts.iter().copied().zip(s.values.iter().copied()).collect();
    pairs.sort_by_key(|p| p.0);
    s.ts.clear();
    s.values.clear();
    for run in pairs.chunk_by(|a, b| a.0 == b.0) {
        let sum: f64 = run.iter().map(|p| p.1).sum();
        s.ts.push(run[0].0);
        s.values.push(if agg == Agg::Mean { sum / run.len() as f64 } else { sum });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(points: &[(i64, f64)]) -> Series {
        Series {
            key: "k".into(),
            unit: "1/s".into(),
            ts: points.iter().map(|p| p.0).collect(),
            values: points.iter().map(|p| p.1).collect(),
        }
    }

    #[test]
    fn two_files_of_one_database_add_up_per_second_and_their_latencies_average() {
        let fed = [(2000, 1.0), (1000, 4.0), (1000, 2.0), (2000, 3.0)];
        let mut rate = series(&fed);
        combine_by_time(&mut rate, Agg::Sum);
        assert_eq!((rate.ts, rate.values), (vec![1000, 2000], vec![6.0, 4.0]));
        let mut latency = series(&fed);
        combine_by_time(&mut latency, Agg::Mean);
        assert_eq!(latency.values, vec![3.0, 2.0]);
    }

    #[test]
    fn a_hand_made_part_with_gaps_loses_only_the_rows_without_a_value() {
        let mut frame = df!(
            "timestamp" => [Some(1000i64), Some(2000), None, Some(3000)],
            "value" => [Some(40.0), None, Some(1.0), Some(60.0)],
            "instance" => ["sql01"; 4],
            "family" => ["cpu"; 4],
            "metric" => ["cpu_sql_percent"; 4],
            "labels" => [None::<&str>, None, None, None],
            "unit" => ["percent"; 4],
        )
        .unwrap();
        let mut loader = Loader::default();
        loader.add(&mut frame).unwrap();
        let loaded = loader.finish();
        let cpu = loaded.get("cpu_percent").unwrap();
        assert_eq!((&cpu.ts, &cpu.values), (&vec![1000, 3000], &vec![40.0, 60.0]));
        assert_eq!(loaded.rows, 4);
    }

    #[test]
    fn a_series_already_in_order_is_left_alone() {
        let mut s = series(&[(1000, 1.0), (2000, 1.0), (3000, 5.0)]);
        combine_by_time(&mut s, Agg::Sum);
        assert_eq!(s.values, vec![1.0, 1.0, 5.0]);
    }
}
