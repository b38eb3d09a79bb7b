//! The tier from every latency the workload felt: data reads, log writes (each commit waits
//! for its log flush: WRITELOG) and tempdb, each set against the storage latency Microsoft
//! documents per tier ("Storage IO latency (approximate)" in the limits table, which applies
//! to reads and log writes alike).
//!
//! A kind of IO **steers** when the workload leans on it: at least [`STEERS_FROM_PER_S`]
//! operations a second (a workload served from the buffer pool has no data reads to steer
//! with, however fast they were). A tier **keeps up** with a steering kind when its documented
//! latency starts no lower than what the workload felt; for commits, also when the baseline's
//! query statistics show writing statements would be at most [`MAX_WRITE_SLOWDOWN_PCT`] slower
//! there. The tier is the cheapest that keeps up with every steering kind, else the fastest.
//! tempdb is shown but never steers: it is on local SSD on every tier.
//!
//! For every tier the expected cost is given: milliseconds added to each data read and to each
//! writing transaction (WRITELOG waits per transaction × the documented latency above the one
//! felt), and how much longer writing transactions would take on the server: against their
//! server time now, their writing statements (query statistics) plus their commit wait. Clients
//! also wait for the network, so the slowdown they see is smaller than this share.

use serde::Serialize;

use super::baseline::Baseline;
use super::demand::Demand;
use crate::limits::{Limits, TierKind};

/// Operations per second from which a kind of IO steers the tier.
pub const STEERS_FROM_PER_S: f64 = 1.0;
/// How much slower writing statements may get on a tier that is still said to keep up: the
/// default compare policy's per-execution duration threshold (compare/src/default_policy.toml)
/// applied to the writing transactions.
pub const MAX_WRITE_SLOWDOWN_PCT: f64 = 20.0;

/// One kind of IO as the workload felt it.
#[derive(Clone, Debug, Serialize)]
pub struct Felt {
    /// `data reads`, `log writes`, `tempdb`.
    pub kind: &'static str,
    /// Mean latency felt, ms (None: the baseline does not show it).
    pub latency_ms: Option<f64>,
    /// Operations a second: data reads, writing transactions (commits), tempdb IO.
    pub per_second: Option<f64>,
    /// Log writes: WRITELOG waits (else log flushes) per writing transaction.
    pub waits_per_transaction: Option<f64>,
    /// Log writes: server time per writing transaction, ms: its writing statements (query
    /// statistics) plus its commit wait.
    pub writing_transaction_ms: Option<f64>,
    /// Whether it decides the tier.
    pub steers: bool,
}

/// What one tier would mean for that workload.
#[derive(Clone, Debug, Serialize)]
pub struct TierLatency {
    pub tier: TierKind,
    pub name: String,
    /// The documented storage latency, ms (low, high).
    pub documented_ms: [f64; 2],
    /// Added to each data read, ms (low, high).
    pub read_added_ms: Option<[f64; 2]>,
    /// Added to each writing transaction, ms (low, high).
    pub commit_added_ms: Option<[f64; 2]>,
    /// How much longer writing transactions would take on the server, % (low, high).
    pub writes_slower_pct: Option<[f64; 2]>,
    pub keeps_up: bool,
}

/// The latency view of the sizing (`sizing.latency` in the JSON).
#[derive(Clone, Debug, Serialize)]
pub struct Latency {
    pub felt: Vec<Felt>,
    pub tiers: Vec<TierLatency>,
    /// Where the documented latencies come from.
    pub source: String,
    pub source_date: String,
}

/// Seconds a second the server spends in statements that write: Σ duration of the query
/// statistics rows with writes, over the time the query intervals cover (their count × the
/// median gap between them). None without at least two query intervals.
pub fn writing_seconds_per_second(b: &Baseline) -> Option<f64> {
    use std::collections::BTreeMap;
    let mut per: BTreeMap<(i64, &str), [f64; 3]> = BTreeMap::new();
    for s in b.samples.iter().filter(|s| s.family == "query_stats") {
        let slot = match s.metric.as_str() {
            "query_executions" => 0,
            "query_duration_seconds" => 1,
            "query_writes" => 2,
            _ => continue,
        };
        per.entry((s.timestamp, s.label("query_hash"))).or_default()[slot] += s.value;
    }
    let mut times: Vec<i64> = per.keys().map(|(t, _)| *t).collect();
    times.dedup();
    let mut gaps: Vec<f64> = times.windows(2).map(|w| (w[1] - w[0]) as f64 / 1000.0).collect();
    let gap = super::demand::percentile(&mut gaps, 50.0);
    let busy: f64 = per.values().filter(|v| v[2] > 0.0 && v[0] > 0.0).map(|v| v[1]).sum();
    (gap > 0.0 && busy > 0.0).then(|| busy / (times.len() as f64 * gap))
}

fn felt(demand: &Demand, writing_s_per_s: Option<f64>) -> Vec<Felt> {
    let reads = demand.mean("data_reads_s");
    let commits = demand.mean("commits_s").or(demand.mean("log_writes_s"));
    let per_commit = |n: Option<f64>| Some(n? / commits.filter(|c| *c > 0.0)?);
    let waits = per_commit(demand.mean("writelog_waits_s"))
        .or_else(|| per_commit(demand.mean("log_writes_s")))
        .or(commits.map(|_| 1.0));
    let log_ms = demand.mean("log_write_latency_ms").or(demand.mean("writelog_wait_ms"));
    let commit_ms = demand.mean("writelog_wait_ms").or(log_ms);
    let writing_ms =
        per_commit(writing_s_per_s).map(|s| s * 1000.0 + waits.unwrap_or(1.0) * commit_ms.unwrap_or(0.0));
    let heavy = |n: Option<f64>, ms: Option<f64>| ms.is_some() && n.is_some_and(|n| n >= STEERS_FROM_PER_S);
    vec![
        Felt {
            kind: "data reads",
            latency_ms: demand.mean("data_read_latency_ms"),
            per_second: reads,
            waits_per_transaction: None,
            writing_transaction_ms: None,
            steers: heavy(reads, demand.mean("data_read_latency_ms")),
        },
        Felt {
            kind: "log writes",
            latency_ms: log_ms,
            per_second: commits,
            waits_per_transaction: waits,
            writing_transaction_ms: writing_ms,
            steers: heavy(commits, log_ms),
        },
        Felt {
            kind: "tempdb",
            latency_ms: demand.mean("tempdb_latency_ms"),
            per_second: None,
            waits_per_transaction: None,
            writing_transaction_ms: None,
            steers: false,
        },
    ]
}

/// `[lo, hi]` of the documented range above `felt` ms, times `n`.
fn added(documented: [f64; 2], felt: f64, n: f64) -> [f64; 2] {
    [(documented[0] - felt).max(0.0) * n, (documented[1] - felt).max(0.0) * n]
}

fn tier_view(limits: &Limits, felt: &[Felt]) -> Vec<TierLatency> {
    let (reads, logs) = (&felt[0], &felt[1]);
    limits
        .tier
        .iter()
        .map(|t| {
            let read_added_ms = reads.latency_ms.map(|ms| added(t.io_latency_ms, ms, 1.0));
            let commit_added_ms =
                logs.latency_ms.zip(logs.waits_per_transaction).map(|(ms, n)| added(t.io_latency_ms, ms, n));
            let writes_slower_pct = commit_added_ms
                .zip(logs.writing_transaction_ms.filter(|d| *d > 0.0))
                .map(|(a, d)| [a[0] / d * 100.0, a[1] / d * 100.0]);
            let reads_ok = !reads.steers || reads.latency_ms.is_some_and(|ms| ms >= t.io_latency_ms[0]);
            let logs_ok = !logs.steers
                || logs.latency_ms.is_some_and(|ms| ms >= t.io_latency_ms[0])
                || writes_slower_pct.is_some_and(|p| p[0] <= MAX_WRITE_SLOWDOWN_PCT);
            TierLatency {
                tier: t.key,
                name: t.name.clone(),
                documented_ms: t.io_latency_ms,
                read_added_ms,
                commit_added_ms,
                writes_slower_pct,
                keeps_up: reads_ok && logs_ok,
            }
        })
        .collect()
}

/// The tier, the sentence that says why (with the cost of the cheaper tiers), and the view.
pub fn choose(demand: &Demand, writing_s_per_s: Option<f64>, limits: &Limits) -> (TierKind, String, Latency) {
    let felt = felt(demand, writing_s_per_s);
    let mut tiers = tier_view(limits, &felt);
    tiers.sort_by_key(|t| t.tier);
    let fastest = tiers.iter().min_by(|a, b| a.documented_ms[0].total_cmp(&b.documented_ms[0]));
    let chosen = tiers.iter().find(|t| t.keeps_up).or(fastest).map_or(TierKind::GeneralPurpose, |t| t.tier);
    let reason = reason(&felt, &tiers, chosen);
    let view = Latency {
        felt,
        tiers,
        source: format!("{}#service-tier-characteristics-comparison", limits.source.url),
        source_date: limits.source.date.clone(),
    };
    (chosen, reason, view)
}

/// A latency or percentage, short: whole numbers bare, one decimal below 10.
pub fn ms(v: f64) -> String {
    if v >= 10.0 || (v - v.round()).abs() < 1e-9 { format!("{v:.0}") } else { format!("{v:.1}") }
}

/// `lo-hi` with a unit.
pub fn range(r: [f64; 2], unit: &str) -> String {
    format!("{}-{}{unit}", ms(r[0]), ms(r[1]))
}

/// What the workload felt, in words.
fn felt_text(f: &Felt) -> String {
    let rate = f.per_second.map_or(String::new(), |n| format!(" at {n:.1}/s"));
    match (f.kind, f.latency_ms) {
        ("data reads", None) if f.per_second == Some(0.0) => {
            "no data reads (served from the buffer pool)".into()
        }
        (_, None) => format!("{}: not in the baseline", f.kind),
        ("log writes", Some(l)) => {
            let per = f
                .waits_per_transaction
                .map_or(String::new(), |w| format!(", {w:.1} WRITELOG waits per transaction"));
            format!("commits{rate} wait on {} ms log writes{per}", ms(l))
        }
        ("tempdb", Some(l)) => {
            format!("tempdb IO {} ms (local SSD on every tier: it does not decide)", ms(l))
        }
        (_, Some(l)) => format!("{}{rate} at {} ms", f.kind, ms(l)),
    }
}

/// The cost of one tier, in words (empty when it adds nothing).
fn cost_text(t: &TierLatency, felt: &[Felt]) -> String {
    let mut parts = Vec::new();
    if let Some(c) = t.commit_added_ms.filter(|c| c[1] > 0.0 && felt[1].per_second.is_some_and(|n| n > 0.0)) {
        let pct = t.writes_slower_pct.map_or(String::new(), |p| {
            let d = felt[1].writing_transaction_ms.unwrap_or(0.0);
            format!(
                ": writing transactions ({} ms of server time now) {} slower on the server",
                ms(d),
                range(p, " %")
            )
        });
        parts.push(format!("+{} per commit{pct}", range(c, " ms")));
    }
    if let Some(r) = t.read_added_ms.filter(|r| r[1] > 0.0 && felt[0].per_second.is_some_and(|n| n > 0.0)) {
        parts.push(format!("+{} per data read", range(r, " ms")));
    }
    if parts.is_empty() {
        return String::new();
    }
    format!("{} ({} documented) would add {}", t.name, range(t.documented_ms, " ms"), parts.join(", "))
}

fn reason(felt: &[Felt], tiers: &[TierLatency], chosen: TierKind) -> String {
    let name = |k: TierKind| tiers.iter().find(|t| t.tier == k).map_or(String::new(), |t| t.name.clone());
    let steering: Vec<&Felt> = felt.iter().filter(|f| f.steers).collect();
    let mut out = if felt.iter().all(|f| f.latency_ms.is_none()) {
        format!(
            "the baseline shows no IO latency (unknown, see above): {} by default, not checked against the workload",
            name(chosen)
        )
    } else if steering.is_empty() {
        format!(
            "the workload barely waits on storage (below {STEERS_FROM_PER_S}/s of data reads and commits): {} is enough",
            name(chosen)
        )
    } else {
        let kinds: Vec<&str> = steering.iter().map(|f| f.kind).collect();
        let keeps = tiers.iter().find(|t| t.tier == chosen).is_some_and(|t| t.keeps_up);
        let verb = if keeps {
            "is the cheapest tier that keeps up with"
        } else {
            "is the fastest tier, still slower than"
        };
        format!("{} {verb} the {}", name(chosen), kinds.join(" and "))
    };
    let seen: Vec<String> =
        felt.iter().filter(|f| f.latency_ms.is_some() || f.per_second == Some(0.0)).map(felt_text).collect();
    if !seen.is_empty() {
        out.push_str(&format!(" (the workload felt: {})", seen.join("; ")));
    }
    let costs: Vec<String> = tiers.iter().map(|t| cost_text(t, felt)).filter(|c| !c.is_empty()).collect();
    if !costs.is_empty() {
        out.push_str(&format!(". {}", costs.join("; ")));
    }
    out
}
