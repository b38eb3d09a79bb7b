//! The wait category table shipped with the tool: `wait_type → (category, ignorable)`.
//! Waits are collected unfiltered; the writer stores each wait type's category in
//! `baseline.json` (`wait_categories`) as the table stood when the baseline was written, and
//! readers take it from there ([`crate::Baseline::wait_class`]), so a comparison does not depend
//! on the reading tool's table. Categories follow Query Store's wait categories; governance
//! waits are mapped explicitly; the ignorable (idle/benign) list is `data/benign-waits.txt`, the
//! set the major collectors agree on, and its waits are in the `Idle` category.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::sync::OnceLock;

/// The benign waits list, one wait type a line, `#` comments.
pub const BENIGN_WAITS: &str = include_str!("../data/benign-waits.txt");

/// Exact wait types mapped before any prefix rule (governance first).
const EXACT: &[(&str, &str)] = &[
    ("INSTANCE_LOG_RATE_GOVERNOR", "Log Rate Governor"),
    ("LOG_RATE_GOVERNOR", "Log Rate Governor"),
    ("POOL_LOG_RATE_GOVERNOR", "Log Rate Governor"),
    ("IO_QUEUE_LIMIT", "Governance IO"),
    ("SOS_SCHEDULER_YIELD", "CPU"),
    ("THREADPOOL", "Worker Thread"),
    ("WRITELOG", "Tran Log IO"),
    ("LOGBUFFER", "Tran Log IO"),
    ("ASYNC_NETWORK_IO", "Network IO"),
    ("RESOURCE_SEMAPHORE", "Memory"),
    ("RESOURCE_SEMAPHORE_QUERY_COMPILE", "Compilation"),
    ("CMEMTHREAD", "Memory"),
    ("CXPACKET", "Parallelism"),
    ("CXCONSUMER", "Parallelism"),
    ("CXSYNC_PORT", "Parallelism"),
    ("CXSYNC_CONSUMER", "Parallelism"),
    ("EXCHANGE", "Parallelism"),
    ("TRACEWRITE", "Tracing"),
    ("WAITFOR", "User Wait"),
];

/// Prefix rules, in order; the first match wins.
const PREFIXES: &[(&str, &str)] = &[
    ("HADR_THROTTLE_", "Governance Replica"),
    ("RBIO_", "Governance Remote IO"),
    ("PAGEIOLATCH_", "Buffer IO"),
    ("PAGELATCH_", "Buffer Latch"),
    ("LATCH_", "Latch"),
    ("LCK_M_", "Lock"),
    ("LOGMGR", "Tran Log IO"),
    ("HADR_", "Replication"),
    ("PREEMPTIVE_", "Preemptive"),
    ("BROKER_", "Service Broker"),
    ("FT_", "Full Text Search"),
    ("IO_COMPLETION", "Other Disk IO"),
    ("ASYNC_IO_COMPLETION", "Other Disk IO"),
    ("BACKUP", "Other Disk IO"),
    ("MEMORY_ALLOCATION_EXT", "Memory"),
    ("SOS_", "Other"),
];

/// A wait type's category and whether analysis ignores it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitClass {
    pub category: &'static str,
    pub ignorable: bool,
}

fn benign() -> &'static HashSet<String> {
    static SET: OnceLock<HashSet<String>> = OnceLock::new();
    SET.get_or_init(|| {
        BENIGN_WAITS
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(str::to_ascii_uppercase)
            .collect()
    })
}

/// The category of benign waits, which analysis ignores.
pub const IDLE: &str = "Idle";

/// Classifies a wait type (case-insensitive). Ignorable waits are in the Idle category.
pub fn classify(wait_type: &str) -> WaitClass {
    let upper = wait_type.trim().to_ascii_uppercase();
    let exact = EXACT.iter().find(|(w, _)| *w == upper).map(|(_, c)| *c);
    // Governance waits are never ignorable, whatever a list says.
    if let Some(category) = exact.filter(|c| c.starts_with("Log Rate") || c.starts_with("Governance")) {
        return WaitClass { category, ignorable: false };
    }
    if benign().contains(&upper) {
        return WaitClass { category: IDLE, ignorable: true };
    }
    let category = exact
        .or_else(|| PREFIXES.iter().find(|(p, _)| upper.starts_with(p)).map(|(_, c)| *c))
        .unwrap_or("Unknown");
    WaitClass { category, ignorable: false }
}

/// The category of `wait_type` in `stored` (a baseline's `wait_categories`, as its writer
/// classified it), else this table's: a baseline from before categories were stored, or a
/// wait type it did not list.
pub fn category<'a>(stored: &'a BTreeMap<String, String>, wait_type: &str) -> Cow<'a, str> {
    match stored.get(wait_type) {
        Some(c) => Cow::Borrowed(c.as_str()),
        None => Cow::Borrowed(classify(wait_type).category),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn governance_waits_are_mapped_explicitly() {
        assert_eq!(classify("INSTANCE_LOG_RATE_GOVERNOR").category, "Log Rate Governor");
        assert_eq!(classify("IO_QUEUE_LIMIT").category, "Governance IO");
        assert_eq!(classify("HADR_THROTTLE_LOG_RATE_SEND_RECV_QUEUE_SIZE").category, "Governance Replica");
        assert_eq!(classify("RBIO_RG_STORAGE").category, "Governance Remote IO");
        assert!(!classify("INSTANCE_LOG_RATE_GOVERNOR").ignorable);
    }

    #[test]
    fn common_waits_get_query_store_categories() {
        assert_eq!(classify("PAGEIOLATCH_SH").category, "Buffer IO");
        assert_eq!(classify("lck_m_x").category, "Lock");
        assert_eq!(classify("WRITELOG").category, "Tran Log IO");
        assert_eq!(classify("SOS_SCHEDULER_YIELD").category, "CPU");
        assert_eq!(classify("SOMETHING_NEW").category, "Unknown");
    }

    #[test]
    fn every_benign_wait_from_the_shared_list_is_ignorable() {
        let listed: Vec<_> =
            BENIGN_WAITS.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
        assert!(listed.len() > 50, "the list is shipped: {}", listed.len());
        for w in listed {
            assert!(classify(w).ignorable, "{w}");
        }
    }
}
