//! HdrHistogram interval logs (`latency.hlog`): every interval of every shard added into one
//! histogram per tag and interval offset from its shard's start (shards started together line
//! up), then the intervals into one whole-run histogram per tag (lossless: HdrHistogram adds
//! exactly). Shards are decoded on every core, each worker adding into its own [`Merged`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::Deserializer;
use hdrhistogram::serialization::interval_log::{IntervalLogIterator, LogEntry};

use crate::error::CompareError;

/// Every tag's histograms, merged over intervals and shards.
#[derive(Debug, Default)]
pub struct Merged {
    /// Tag (`<template>.response`, `<template>.service`, `lag`) → whole-run histogram.
    pub totals: BTreeMap<String, Histogram<u64>>,
    /// Tag → (interval start offset s, that interval's histogram, all shards added).
    pub intervals: BTreeMap<String, BTreeMap<u64, Histogram<u64>>>,
    /// Interval histograms read.
    pub histograms: u64,
}

/// A new empty histogram like the recorder's (3 significant digits, auto-resizing).
pub fn empty() -> Histogram<u64> {
    let mut h = Histogram::new(3).expect("3 significant digits is valid");
    h.auto(true);
    h
}

impl Merged {
    /// Adds one log file's intervals.
    fn add_file(&mut self, path: &Path) -> Result<(), CompareError> {
        let bytes = std::fs::read(path).map_err(|source| CompareError::Missing {
            path: path.to_path_buf(),
            expected: "an HdrHistogram interval log written by cutover replay",
            source,
        })?;
        self.add_log(&bytes, path)
    }

    /// Adds one log's intervals (`path` names it in errors).
    fn add_log(&mut self, bytes: &[u8], path: &Path) -> Result<(), CompareError> {
        let mut de = Deserializer::new();
        let corrupt = |detail: String| CompareError::corrupt(path, "HdrHistogram interval log", detail);
        for entry in IntervalLogIterator::new(bytes) {
            let entry = entry.map_err(|e| corrupt(format!("{e:?}")))?;
            let LogEntry::Interval(ih) = entry else { continue };
            let tag = ih.tag().map(|t| t.as_str().to_string()).unwrap_or_default();
            let raw = base64::engine::general_purpose::STANDARD
                .decode(ih.encoded_histogram())
                .map_err(|e| corrupt(format!("interval at {:?}: {e}", ih.start_timestamp())))?;
            let h: Histogram<u64> = de
                .deserialize(&mut raw.as_slice())
                .map_err(|e| corrupt(format!("interval at {:?}: {e:?}", ih.start_timestamp())))?;
            let at = ih.start_timestamp().as_secs_f64().round() as u64;
            add(self.intervals.entry(tag).or_default().entry(at).or_insert_with(empty), &h);
            self.histograms += 1;
        }
        Ok(())
    }

    /// Adds another worker's intervals.
    fn absorb(&mut self, other: Merged) {
        self.histograms += other.histograms;
        for (tag, intervals) in other.intervals {
            let mine = self.intervals.entry(tag).or_default();
            for (at, h) in intervals {
                match mine.entry(at) {
                    std::collections::btree_map::Entry::Vacant(v) => {
                        v.insert(h);
                    }
                    std::collections::btree_map::Entry::Occupied(mut o) => add(o.get_mut(), &h),
                }
            }
        }
    }

    /// Each tag's whole-run histogram: its intervals added.
    fn total_up(&mut self) {
        for (tag, intervals) in &self.intervals {
            let total = self.totals.entry(tag.clone()).or_insert_with(empty);
            for h in intervals.values() {
                add(total, h);
            }
        }
    }
}

fn add(into: &mut Histogram<u64>, h: &Histogram<u64>) {
    if into.add(h).is_err() {
        for v in h.iter_recorded() {
            into.saturating_record_n(v.value_iterated_to(), v.count_at_value());
        }
    }
}

/// The run folders of a replay: `dir` itself, or its sub-folders holding `latency.hlog` (shards).
pub fn shard_dirs(dir: &Path) -> Result<Vec<PathBuf>, CompareError> {
    if dir.join("latency.hlog").is_file() {
        return Ok(vec![dir.to_path_buf()]);
    }
    let entries = std::fs::read_dir(dir).map_err(|source| CompareError::Missing {
        path: dir.to_path_buf(),
        expected: "a replay folder written by `cutover replay --out` (or a folder of shard folders)",
        source,
    })?;
    let mut shards: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("latency.hlog").is_file())
        .collect();
    shards.sort();
    if shards.is_empty() {
        return Err(CompareError::corrupt(
            dir,
            "replay folder",
            "it holds no latency.hlog (nor do its sub-folders): point at the folder `cutover replay --out` wrote",
        ));
    }
    Ok(shards)
}

/// Merges every shard's `latency.hlog`; the first bad shard (in order) is the error.
pub fn merge(shards: &[PathBuf]) -> Result<Merged, CompareError> {
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_worker = shards.len().div_ceil(workers).max(1);
    let partial: Vec<Result<Merged, CompareError>> = std::thread::scope(|s| {
        let handles: Vec<_> =
            shards.chunks(per_worker).map(|chunk| s.spawn(move || merge_in_order(chunk))).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    });
    let mut m = Merged::default();
    for part in partial {
        m.absorb(part?);
    }
    m.total_up();
    Ok(m)
}

fn merge_in_order(shards: &[PathBuf]) -> Result<Merged, CompareError> {
    let mut m = Merged::default();
    for dir in shards {
        m.add_file(&dir.join("latency.hlog"))?;
    }
    Ok(m)
}
