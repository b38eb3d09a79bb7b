//! SQLOS views: waits, schedulers, memory, the scheduler-monitor ring buffer, sys info.

use std::sync::atomic::Ordering::Relaxed;

use super::{RowSet, address, datetime, int, text};
use crate::engine::runtime::session::Session;
use crate::load::history::WINDOW_SECS;
use crate::load::waits::{WAIT_TYPES, idle_accrued};

/// Milliseconds the (simulated) machine ran before SQL Server started.
const BOOT_MS: i64 = 3_600_000;

pub(crate) struct Now {
    pub now: chrono::NaiveDateTime,
    pub uptime_ms: i64,
}

pub(crate) fn now(session: &Session) -> Now {
    let now = session.instance().now_utc();
    let start = session.instance().start_time();
    Now { now, uptime_ms: (now - start).num_milliseconds().max(0) }
}

pub(crate) fn wait_stats(session: &Session) -> RowSet {
    let load = session.instance().load();
    let t = now(session);
    let idle_ms = (t.now - *load.idle_since.lock().unwrap_or_else(|p| p.into_inner())).num_milliseconds();
    let mut set = RowSet::new(&[
        "wait_type",
        "waiting_tasks_count",
        "wait_time_ms",
        "max_wait_time_ms",
        "signal_wait_time_ms",
    ]);
    for (i, name) in WAIT_TYPES.iter().enumerate() {
        let c = load.waits.cell(i);
        let (mut count, mut time, mut max, signal) = (
            c.count.load(Relaxed) as i64,
            (c.time_us.load(Relaxed) / 1000) as i64,
            (c.max_us.load(Relaxed) / 1000) as i64,
            (c.signal_us.load(Relaxed) / 1000) as i64,
        );
        if let Some((n, ms)) = idle_accrued(name, idle_ms) {
            count += n;
            time += ms;
            max = max.max(if n > 0 { ms / n.max(1) } else { 0 });
        }
        set.push(vec![text(*name), int(count), int(time), int(max), int(signal)]);
    }
    set
}

pub(crate) fn waiting_tasks(session: &Session) -> RowSet {
    let load = session.instance().load();
    let t = now(session);
    let now_ms = t.now.and_utc().timestamp_millis();
    let mut set = RowSet::new(&[
        "waiting_task_address",
        "session_id",
        "exec_context_id",
        "wait_duration_ms",
        "wait_type",
        "blocking_session_id",
        "resource_description",
    ]);
    let background: &[(i64, &str, i64)] = &[
        (2, "LAZYWRITER_SLEEP", 1000),
        (6, "LOGMGR_QUEUE", 2000),
        (10, "REQUEST_FOR_DEADLOCK_SEARCH", 5000),
        (14, "XE_TIMER_EVENT", 30000),
        (18, "CHECKPOINT_QUEUE", 60000),
        (22, "SQLTRACE_INCREMENTAL_FLUSH_SLEEP", 4000),
    ];
    for (spid, wait, period) in background {
        set.push(vec![
            address(*spid as u64),
            int(*spid),
            int(0),
            int(t.uptime_ms % period),
            text(*wait),
            rusqlite::types::Value::Null,
            rusqlite::types::Value::Null,
        ]);
    }
    for a in load.activities() {
        let w = a.wait.load(Relaxed);
        if w == 0 {
            continue;
        }
        let blocking = a.blocking_spid.load(Relaxed) as i64;
        let name = WAIT_TYPES.get(w - 1).copied().unwrap_or("UNKNOWN");
        let resource = if name.starts_with("LCK_M_") {
            text(format!(
                "keylock hobtid=72057594043957248 dbid={} id=lock1 mode=X",
                a.database_id.load(Relaxed)
            ))
        } else {
            rusqlite::types::Value::Null
        };
        set.push(vec![
            address(1000 + u64::from(a.spid)),
            int(a.spid),
            int(0),
            int((now_ms - a.wait_start_ms.load(Relaxed)).max(0)),
            text(name),
            if blocking > 0 { int(blocking) } else { rusqlite::types::Value::Null },
            resource,
        ]);
    }
    set
}

/// (target memory KB, committed KB) from the profile and what the buffer pool holds.
pub(crate) fn memory_kb(session: &Session) -> (i64, i64) {
    let profile = session.instance().profile();
    let target = profile.memory_mb * 1024 * 9 / 10;
    let load = session.instance().load();
    let committed =
        (400 * 1024 + load.pool.cached_pages() as i64 * 8 + load.plans.len() as i64 * 40).min(target);
    (target, committed)
}

/// Physical memory of the machine: the box on premises, the (larger) host on MI.
fn host_memory_kb(session: &Session) -> i64 {
    let p = session.instance().profile();
    if p.is_managed_instance() { p.memory_mb * 1024 * 2 } else { p.memory_mb * 1024 }
}

pub(crate) fn sys_info(session: &Session) -> RowSet {
    let p = session.instance().profile();
    let t = now(session);
    let (target, committed) = memory_kb(session);
    let cpu_ms = (session.instance().load().counters.cpu_us.load(Relaxed) / 1000) as i64;
    let mut set = RowSet::new(&[
        "cpu_ticks",
        "ms_ticks",
        "cpu_count",
        "hyperthread_ratio",
        "physical_memory_kb",
        "virtual_memory_kb",
        "committed_kb",
        "committed_target_kb",
        "visible_target_kb",
        "stack_size_in_bytes",
        "os_quantum",
        "os_error_mode",
        "max_workers_count",
        "scheduler_count",
        "scheduler_total_count",
        "sqlserver_start_time_ms_ticks",
        "sqlserver_start_time",
        "affinity_type",
        "affinity_type_desc",
        "process_kernel_time_ms",
        "process_user_time_ms",
        "time_source",
        "time_source_desc",
        "virtual_machine_type",
        "virtual_machine_type_desc",
        "softnuma_configuration",
        "softnuma_configuration_desc",
        "process_physical_affinity",
        "sql_memory_model",
        "sql_memory_model_desc",
        "socket_count",
        "cores_per_socket",
        "numa_node_count",
        "container_type",
        "container_type_desc",
    ]);
    let ms_ticks = BOOT_MS + t.uptime_ms;
    set.push(vec![
        int(ms_ticks * 2_500_000),
        int(ms_ticks),
        int(p.cores),
        int(p.cores),
        int(host_memory_kb(session)),
        int(137_438_953_344i64),
        int(committed),
        int(target),
        int(target),
        int(2_093_056),
        int(4_294_967_296i64),
        int(5),
        int(if p.cores <= 4 { 512 } else { 512 + (p.cores - 4) * 16 }),
        int(p.cores),
        int(p.cores + 2),
        int(BOOT_MS),
        datetime(&session.instance().start_time()),
        int(2),
        text("AUTO"),
        int(cpu_ms / 10),
        int(cpu_ms - cpu_ms / 10),
        int(0),
        text("QUERY_PERFORMANCE_COUNTER"),
        int(1),
        text("HYPERVISOR"),
        int(0),
        text("OFF"),
        text(format!("{{{}}}", (0..p.cores).map(|c| c.to_string()).collect::<Vec<_>>().join(","))),
        int(1),
        text("CONVENTIONAL"),
        int(1),
        int(p.cores),
        int(1),
        int(0),
        text("NONE"),
    ]);
    set
}

pub(crate) fn sys_memory(session: &Session) -> RowSet {
    let total = host_memory_kb(session);
    let (_, committed) = memory_kb(session);
    let available = (total - committed - total / 20).max(0);
    let mut set = RowSet::new(&[
        "total_physical_memory_kb",
        "available_physical_memory_kb",
        "total_page_file_kb",
        "available_page_file_kb",
        "system_cache_kb",
        "kernel_paged_pool_kb",
        "kernel_nonpaged_pool_kb",
        "system_high_memory_signal_state",
        "system_low_memory_signal_state",
        "system_memory_state_desc",
    ]);
    set.push(vec![
        int(total),
        int(available),
        int(total + 8 * 1024 * 1024),
        int(available + 8 * 1024 * 1024),
        int(total / 50),
        int(400_000),
        int(300_000),
        int(1),
        int(0),
        text("Available physical memory is high"),
    ]);
    set
}

pub(crate) fn process_memory(session: &Session) -> RowSet {
    let (_, committed) = memory_kb(session);
    let load = session.instance().load();
    let faults = 250_000 + load.counters.physical_reads.load(Relaxed) as i64;
    let mut set = RowSet::new(&[
        "physical_memory_in_use_kb",
        "large_page_allocations_kb",
        "locked_page_allocations_kb",
        "total_virtual_address_space_kb",
        "virtual_address_space_reserved_kb",
        "virtual_address_space_committed_kb",
        "virtual_address_space_available_kb",
        "page_fault_count",
        "memory_utilization_percentage",
        "available_commit_limit_kb",
        "process_physical_memory_low",
        "process_virtual_memory_low",
    ]);
    set.push(vec![
        int(committed + 150_000),
        int(0),
        int(0),
        int(137_438_953_344i64),
        int(committed * 2 + 10_000_000),
        int(committed + 160_000),
        int(137_438_953_344i64 - committed * 2 - 10_000_000),
        int(faults),
        int(100),
        int(host_memory_kb(session)),
        int(0),
        int(0),
    ]);
    set
}

pub(crate) fn memory_clerks(session: &Session) -> RowSet {
    let load = session.instance().load();
    let pool_kb = load.pool.cached_pages() as i64 * 8 + 40_000;
    let plans_kb = load.plans.len() as i64 * 40 + 800;
    let clerks: &[(&str, &str, i64)] = &[
        ("MEMORYCLERK_SQLBUFFERPOOL", "Default", pool_kb),
        ("CACHESTORE_SQLCP", "SQL Plans", plans_kb),
        ("CACHESTORE_OBJCP", "Object Plans", 1_200),
        ("CACHESTORE_PHDR", "Bound Trees", 600),
        ("MEMORYCLERK_SQLGENERAL", "Default", 18_000),
        ("MEMORYCLERK_SOSNODE", "SOS_Node", 90_000),
        ("OBJECTSTORE_LOCK_MANAGER", "Lock Manager : Node 0", 8_000),
        ("USERSTORE_TOKENPERM", "TokenAndPermUserStore", 2_000),
        ("MEMORYCLERK_SQLQUERYEXEC", "Default", 1_500),
        ("MEMORYCLERK_XE", "Default", 4_000),
    ];
    let mut set = RowSet::new(&[
        "memory_clerk_address",
        "type",
        "name",
        "memory_node_id",
        "pages_kb",
        "page_size_in_bytes",
        "page_allocator_address",
        "host_address",
    ]);
    for (i, (ty, name, kb)) in clerks.iter().enumerate() {
        set.push(vec![
            address(5000 + i as u64),
            text(*ty),
            text(*name),
            int(0),
            int(*kb),
            int(8192),
            address(6000 + i as u64),
            address(7000),
        ]);
    }
    set
}

pub(crate) fn schedulers(session: &Session) -> RowSet {
    let p = session.instance().profile();
    let load = session.instance().load();
    let active = load.active_requests.load(Relaxed).max(0);
    let cores = i64::from(p.cores.max(1));
    let cpu_ms = (load.counters.cpu_us.load(Relaxed) / 1000) as i64;
    let yields = load.waits.cell(crate::load::Wait::SosSchedulerYield as usize).count.load(Relaxed) as i64;
    let uptime = now(session).uptime_ms;
    let mut set = RowSet::new(&[
        "scheduler_address",
        "parent_node_id",
        "scheduler_id",
        "cpu_id",
        "status",
        "is_online",
        "is_idle",
        "context_switches_count",
        "idle_switches_count",
        "current_tasks_count",
        "runnable_tasks_count",
        "current_workers_count",
        "active_workers_count",
        "pending_disk_io_count",
        "load_factor",
        "yield_count",
        "last_timer_activity",
        "memory_object_address",
        "task_memory_object_address",
        "quantum_length_us",
        "total_cpu_usage_ms",
        "total_scheduler_delay_ms",
        "ideal_workers_limit",
    ]);
    for s in 0..cores {
        let running = active / cores + i64::from(s < active % cores);
        let runnable = (running - 1).max(0);
        set.push(vec![
            address(100 + s as u64),
            int(0),
            int(s),
            int(s),
            text("VISIBLE ONLINE"),
            int(1),
            int(i64::from(running == 0)),
            int(uptime / 4 + load.counters.statements.load(Relaxed) as i64 / cores),
            int(uptime / 8),
            int(running + 2),
            int(runnable),
            int(running + 4),
            int(running + 1),
            int(0),
            int(running + 1),
            int(yields / cores + uptime / 4),
            int(BOOT_MS + uptime),
            address(200 + s as u64),
            address(300 + s as u64),
            int(4000),
            int(cpu_ms / cores),
            int(0),
            int(512),
        ]);
    }
    for (id, status) in [(1_048_576i64, "HIDDEN ONLINE"), (1_048_578, "VISIBLE ONLINE (DAC)")] {
        set.push(vec![
            address(id as u64),
            int(0),
            int(id),
            int(0),
            text(status),
            int(1),
            int(1),
            int(0),
            int(0),
            int(1),
            int(0),
            int(1),
            int(0),
            int(0),
            int(0),
            int(0),
            int(BOOT_MS + uptime),
            address(1),
            address(2),
            int(4000),
            int(0),
            int(0),
            int(512),
        ]);
    }
    set
}

/// RING_BUFFER_SCHEDULER_MONITOR: one record per minute of uptime (the latest 256), CPU from
/// the load history. Managed Instance returns none (collectors must not use it there).
pub(crate) fn ring_buffers(session: &Session) -> RowSet {
    let mut set = RowSet::new(&["ring_buffer_address", "ring_buffer_type", "timestamp", "record"]);
    let instance = session.instance();
    if instance.is_managed_instance() {
        return set;
    }
    let load = instance.load();
    let cores = u64::from(instance.profile().cores.max(1) as u32);
    let minutes = now(session).uptime_ms / 60_000;
    let per_minute = 60 / WINDOW_SECS;
    for m in (minutes - 255).max(1)..=minutes {
        let cpu_us: u64 = ((m - 1) * per_minute..m * per_minute).map(|w| load.history.window(w).cpu_us).sum();
        let sql_cpu = ((cpu_us as f64 / (60e6 * cores as f64)) * 100.0).round().clamp(0.0, 100.0) as i64;
        let other = 2;
        let idle = (100 - sql_cpu - other).max(0);
        let ts = BOOT_MS + m * 60_000;
        let record = format!(
            "<Record id = \"{id}\" type =\"RING_BUFFER_SCHEDULER_MONITOR\" time =\"{ts}\">\
             <SchedulerMonitorEvent><SystemHealth><ProcessUtilization>{sql_cpu}</ProcessUtilization>\
             <SystemIdle>{idle}</SystemIdle><UserModeTime>{user}</UserModeTime><KernelModeTime>{kernel}</KernelModeTime>\
             <PageFaults>{faults}</PageFaults><WorkingSetDelta>0</WorkingSetDelta><MemoryUtilization>100</MemoryUtilization>\
             </SystemHealth></SchedulerMonitorEvent></Record>",
            id = m - 1,
            user = cpu_us * 9,
            kernel = cpu_us,
            faults = 40 + m % 7,
        );
        set.push(vec![address(9000), text("RING_BUFFER_SCHEDULER_MONITOR"), int(ts), text(record)]);
    }
    set
}
