//! Unknown is not zero: a demand figure the baseline has no samples of, or whose DMV the
//! collector could not read, is reported as unknown with why, the DMV and the permission that
//! would provide it, and is never sized as 0.

use serde::Serialize;

use super::baseline::Baseline;
use super::metrics::{Metric, PERMISSION};

/// One demand figure the baseline cannot give.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Unknown {
    pub metric: &'static str,
    pub what: &'static str,
    /// Why it is unknown: refused, failed, or no samples (and why there are none).
    pub why: String,
    /// The DMV(s) that would provide it.
    pub dmv: &'static str,
    /// The grant the collector's login needs for them.
    pub permission: &'static str,
}

/// Why `m` has no value in `b`.
pub fn explain(m: &Metric, b: &Baseline) -> Unknown {
    let facts = &b.instance;
    let families = m.from.families;
    let refused = families.iter().find_map(|f| facts.refused.get(*f).map(|msg| (f, msg)));
    let failed = facts.errors.iter().find(|(f, _)| families.contains(&f.as_str()));
    let why = match (refused, failed) {
        (Some((family, message)), _) => format!("the collector was refused {family}: {message}"),
        (None, Some((family, message))) => format!("reading {family} failed: {message}"),
        _ if m.key == "cpu_cores" => cpu_why(b),
        _ if LATENCIES.iter().any(|(k, _, _)| *k == m.key)
            && b.samples.iter().any(|s| families.contains(&s.family.as_str())) =>
        {
            let (ops, note) =
                LATENCIES.iter().find(|(k, _, _)| *k == m.key).map_or(("", ""), |(_, o, n)| (*o, *n));
            format!(
                "no {ops} happened while the baseline was collected, so there is no latency to measure{note}"
            )
        }
        _ if !b.samples.iter().any(|s| families.contains(&s.family.as_str())) => {
            format!("the baseline has no {} rows at all", families.join(" / "))
        }
        _ => "the baseline has no samples of it".into(),
    };
    Unknown { metric: m.key, what: m.what, why, dmv: m.from.dmv, permission: PERMISSION }
}

/// Latencies that exist only when the IO they time happened: (metric, the IO, a note).
const LATENCIES: &[(&str, &str, &str)] = &[
    ("data_read_latency_ms", "data-file reads", " (the workload was served from the buffer pool)"),
    ("log_write_latency_ms", "log writes", ""),
    ("tempdb_latency_ms", "tempdb reads or writes", ""),
    ("writelog_wait_ms", "WRITELOG waits", ""),
];

/// CPU needs a percentage and the cores it is a share of.
fn cpu_why(b: &Baseline) -> String {
    let has = |family: &str, metric: &str| b.samples.iter().any(|s| s.family == family && s.metric == metric);
    let percent = has("resource_stats", "cpu_percent")
        || has("perf_counters", "cpu_resource_pools_percent")
        || has("cpu", "cpu_sql_percent");
    if percent {
        return "the baseline has CPU percentages but no core count (sys.dm_os_sys_info cpu_count in baseline.json)"
            .into();
    }
    if b.instance.family.as_deref() == Some("managed_instance") {
        return "no sys.server_resource_stats rows: Managed Instance writes one per 15 seconds, 5-10 minutes late; collect for longer".into();
    }
    format!(
        "no CPU samples: the scheduler-monitor ring buffer gets a record about once a minute and this {:.0}-second baseline has none, and it has no Resource Pool Stats \"CPU usage %\" (cpu_resource_pools_percent, collected every sample by this version of cutover collect)",
        b.seconds()
    )
}
