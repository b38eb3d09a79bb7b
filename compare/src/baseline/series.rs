//! Loading a baseline's Parquet parts with the format's columnar reader
//! ([`cutover_baseline::scan`]: each part decoded ahead on its own thread, memory bounded
//! whatever the run length). Each row's raw series `(instance, family, metric, labels, unit)`
//! is matched on its five dictionary keys within the batch; the text itself is read once per
//! raw series and batch, found in [`RawKeys`] and mapped to its canonical keys
//! ([`super::align`]). Values go straight onto per-key vectors in row order. Keys fed by
//! several raw series (files summed per database, waits per category) are combined per
//! timestamp at the end, by sum or mean.
//!
//! Why not a join: joining 17M rows a side to their mapping on four text columns and grouping
//! by key and timestamp took 19 s of a 30 s comparison (BENCHMARKS.md, issue 7); the lookups
//! here take a fraction of that.

use std::collections::{BTreeMap, HashMap};

use cutover_baseline::Baseline;
use cutover_baseline::scan::{Batch, scan};

use super::align::{Agg, targets};
use crate::error::CompareError;

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
    let parts = baseline.parts.len();
    let mut seen = 0;
    scan(&baseline.parts, |batch| {
        loader.add(batch);
        seen += 1;
        if seen == 1 {
            loader.reserve(parts as f64);
        }
    })?;
    Ok(loader.finish())
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
    fn add(&mut self, batch: &Batch) {
        self.loaded.rows += batch.len() as u64;
        let keys: [&[u32]; 5] = std::array::from_fn(|c| batch.keys(c));
        // Within one batch, equal dictionary keys are equal text: rows are matched on their
        // keys, and the text is read and hashed once per raw series and batch.
        let mut by_keys: HashMap<[u32; 5], usize, foldhash::fast::FixedState> = HashMap::default();
        for (row, (&t, &v)) in batch.timestamps().iter().zip(batch.values()).enumerate() {
            let k = keys.map(|column| column[row]);
            let raw = match by_keys.get(&k) {
                Some(&raw) => raw,
                None => {
                    let raw = self.raw_id(std::array::from_fn(|c| batch.text(c, k[c])));
                    by_keys.insert(k, raw);
                    raw
                }
            };
            self.push(raw, t, v);
        }
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
    fn a_series_already_in_order_is_left_alone() {
        let mut s = series(&[(1000, 1.0), (2000, 1.0), (3000, 5.0)]);
        combine_by_time(&mut s, Agg::Sum);
        assert_eq!(s.values, vec![1.0, 1.0, 5.0]);
    }
}
