//! `cutover size`: the demand a baseline shows ([`demand`]), and the Managed Instance
//! configurations that carry it ([`recommend`]), rendered for the terminal, Markdown or JSON
//! ([`report`]).

pub mod baseline;
pub mod confirm;
pub mod demand;
pub mod io_plan;
pub mod latency;
pub mod metrics;
pub mod recommend;
pub mod report;
pub mod unknown;

use std::path::Path;

use serde::Serialize;

use crate::AssessError;
use crate::limits::Limits;
pub use crate::limits::TierKind;
pub use recommend::{Recommendation, Sizing};

/// What to size for.
#[derive(Clone, Debug)]
pub struct SizeOptions {
    /// Percentile of the sample times (95 by default, as Microsoft's SKU recommender).
    pub percentile: f64,
    /// Extra capacity on top of the demand, as a fraction (0.2 = 20 %).
    pub headroom: f64,
    /// The baseline's instance to size (default: the first).
    pub instance: Option<String>,
}

impl Default for SizeOptions {
    fn default() -> Self {
        SizeOptions { percentile: 95.0, headroom: 0.2, instance: None }
    }
}

/// The whole result: `report.json` is this struct.
#[derive(Clone, Debug, Serialize)]
pub struct SizeReport {
    pub baseline: String,
    pub instance: String,
    pub percentile: f64,
    pub headroom_pct: f64,
    pub demand: demand::Demand,
    pub files: Vec<demand::FileDemand>,
    pub sizing: Sizing,
    pub limits_source: String,
    pub limits_revision: String,
    /// The gate file written to confirm the recommendation (`--confirm-gate`), if any.
    pub confirm_gate: Option<String>,
}

/// `20%`, `20`, `0.2` → 0.2.
pub fn parse_headroom(text: &str) -> Result<f64, AssessError> {
    let t = text.trim();
    let bad = || AssessError::Headroom { value: text.into() };
    let (num, pct) = match t.strip_suffix('%') {
        Some(n) => (n.trim(), true),
        None => (t, false),
    };
    let v: f64 = num.parse().map_err(|_| bad())?;
    let v = if pct || v > 1.0 { v / 100.0 } else { v };
    if !(0.0..=10.0).contains(&v) {
        return Err(bad());
    }
    Ok(v)
}

/// Reads the baseline in `dir` and sizes it.
pub fn size(dir: &Path, opts: &SizeOptions, limits: &Limits) -> Result<SizeReport, AssessError> {
    if !(opts.percentile > 0.0 && opts.percentile <= 100.0) {
        return Err(AssessError::Percentile { value: opts.percentile });
    }
    let b = baseline::read(dir, opts.instance.as_deref())?;
    let d = demand::demand(&b, opts.percentile);
    let files = demand::file_demand(&b, opts.percentile);
    let sizing =
        recommend::recommend(&d, &files, limits, opts.headroom, latency::writing_seconds_per_second(&b));
    Ok(SizeReport {
        baseline: dir.display().to_string(),
        instance: b.instance.name.clone(),
        percentile: opts.percentile,
        headroom_pct: opts.headroom * 100.0,
        demand: d,
        files,
        sizing,
        limits_source: limits.source.url.clone(),
        limits_revision: format!("{} ({})", limits.source.title, limits.source.date),
        confirm_gate: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headroom_forms() {
        assert_eq!(parse_headroom("20%").unwrap(), 0.2);
        assert_eq!(parse_headroom("0.25").unwrap(), 0.25);
        assert_eq!(parse_headroom("30").unwrap(), 0.3);
        assert!(parse_headroom("lots").is_err());
    }
}
