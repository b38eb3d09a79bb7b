//! The Managed Instance views: sys.server_resource_stats (15-second rows that appear late),
//! sys.dm_instance_resource_governance (the caps) and sys.dm_os_job_object (the real memory
//! cap).

use std::sync::atomic::Ordering::Relaxed;

use super::{RowSet, datetime, int, real, text};
use crate::engine::runtime::session::Session;
use crate::load::history::{History, WINDOW_SECS};

/// A window's row appears once the window has been closed this long.
pub const LATE_BY_SECS: i64 = 30;

pub(crate) fn server_resource_stats(session: &Session) -> RowSet {
    let instance = session.instance();
    let profile = instance.profile();
    let load = instance.load();
    let now = instance.now_utc();
    let mut set = RowSet::new(&[
        "start_time",
        "end_time",
        "resource_type",
        "resource_name",
        "sku",
        "hardware_generation",
        "virtual_core_count",
        "avg_cpu_percent",
        "reserved_storage_mb",
        "storage_space_used_mb",
        "io_requests",
        "io_bytes_read",
        "io_bytes_written",
    ]);
    let elapsed = (now - load.start_time).num_seconds() - LATE_BY_SECS;
    let complete = elapsed.div_euclid(WINDOW_SECS);
    let sku = if profile.name == "mi-bc" { "BusinessCritical" } else { "GeneralPurpose" };
    let cores = f64::from(profile.cores.max(1));
    for w in (complete - History::capacity()).max(0)..complete {
        let start = load.start_time + chrono::Duration::seconds(w * WINDOW_SECS);
        let end = start + chrono::Duration::seconds(WINDOW_SECS);
        let win = load.history.window(w);
        let cpu = (win.cpu_us as f64 / (WINDOW_SECS as f64 * 1e6 * cores) * 100.0).min(100.0);
        set.push(vec![
            datetime(&start),
            datetime(&end),
            text("SQL instance"),
            text(instance.name()),
            text(sku),
            text("Gen5"),
            int(profile.cores),
            real((cpu * 100.0).round() / 100.0),
            int(262_144),
            real(1024.0 + load.counters.page_writes.load(Relaxed) as f64 * 8.0 / 1024.0),
            int(win.io_requests as i64),
            int(win.read_bytes as i64),
            int(win.write_bytes as i64),
        ]);
    }
    set
}

pub(crate) fn resource_governance(session: &Session) -> RowSet {
    let profile = session.instance().profile();
    let log_rate = profile.log_rate_cap_mb_s.map(|mb| (mb * 1024.0 * 1024.0) as i64).unwrap_or(0);
    let iops = profile.iops_cap.unwrap_or(0);
    let mut set = RowSet::new(&[
        "resource_group_id",
        "instance_cap_cpu",
        "instance_max_log_rate",
        "instance_max_worker_threads",
        "tempdb_log_file_number",
        "volume_local_iops",
        "volume_external_xstore_iops",
        "volume_managed_xstore_iops",
        "voltype_local_iops",
        "voltype_man_xtore_iops",
        "voltype_ext_xtore_iops",
        "volume_type_local_max_throughput_mb_s",
        "volume_type_managed_xstore_max_throughput_mb_s",
        "volume_type_external_xstore_max_throughput_mb_s",
    ]);
    set.push(vec![
        int(2),
        int(profile.cores),
        int(log_rate),
        int(105 * profile.cores + 800),
        int(1),
        int(iops),
        int(iops),
        int(iops),
        int(iops),
        int(iops),
        int(iops),
        int(if profile.name == "mi-bc" { 2000 } else { 200 }),
        int(if profile.name == "mi-bc" { 2000 } else { 200 }),
        int(if profile.name == "mi-bc" { 2000 } else { 200 }),
    ]);
    set
}

pub(crate) fn job_object(session: &Session) -> RowSet {
    let instance = session.instance();
    let profile = instance.profile();
    let load = instance.load();
    let cpu_100ns = load.counters.cpu_us.load(Relaxed) as i64 * 10;
    let process_limit = profile.memory_mb * 95 / 100;
    let mut set = RowSet::new(&[
        "cpu_rate",
        "cpu_affinity_mask",
        "cpu_affinity_group",
        "memory_limit_mb",
        "process_memory_limit_mb",
        "workingset_limit_mb",
        "non_sos_mem_gap_mb",
        "low_mem_signal_threshold_mb",
        "total_user_time",
        "total_kernel_time",
        "write_operation_count",
        "read_operation_count",
        "peak_process_memory_used_mb",
        "peak_job_memory_used_mb",
        "process_physical_affinity",
    ]);
    let (_, committed) = super::os::memory_kb(session);
    set.push(vec![
        int(10_000),
        int((1i64 << profile.cores) - 1),
        int(0),
        int(profile.memory_mb),
        int(process_limit),
        int(profile.memory_mb),
        int(profile.memory_mb - process_limit),
        int(profile.memory_mb / 20),
        int(cpu_100ns * 9 / 10),
        int(cpu_100ns / 10),
        int(load.counters.log_flushes.load(Relaxed) as i64
            + load.counters.page_writes.load(Relaxed) as i64 / 8),
        int(load.counters.read_ios.load(Relaxed) as i64),
        int(committed / 1024 + 200),
        int(committed / 1024 + 400),
        text(format!("{{{{0,{}}}}}", (1i64 << profile.cores) - 1)),
    ]);
    set
}
