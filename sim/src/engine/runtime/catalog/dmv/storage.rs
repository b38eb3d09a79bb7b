//! The file layout every file view agrees on (sys.master_files, sys.database_files,
//! sys.dm_io_virtual_file_stats, the Databases counters), and the space views.
//!
//! On premises files are named like SQL Server's defaults (`shop.mdf`, `shop_log.ldf`). On
//! Managed Instance they are opaque (`data_0`, `log`) under a GUID folder, tempdb has 12 data
//! files, and dm_io_virtual_file_stats also has database_id 0 rows.

use std::sync::atomic::Ordering::Relaxed;

use sha1::{Digest, Sha1};

use super::{RowSet, int, real, text};
use crate::engine::runtime::Instance;
use crate::engine::runtime::session::Session;

/// One database file.
#[derive(Clone, Debug)]
pub(crate) struct DbFile {
    pub database_id: i64,
    pub file_id: i64,
    /// 0 rows, 1 log.
    pub file_type: i64,
    pub name: String,
    pub physical_name: String,
    pub size_pages: i64,
}

/// A database's physical_database_name: its name on premises, a GUID on Managed Instance.
pub(crate) fn physical_database_name(instance: &Instance, name: &str, id: i64) -> String {
    if !instance.is_managed_instance() || id <= 4 {
        return name.to_string();
    }
    let d = Sha1::digest(format!("{}/{}/{}", instance.name(), name, id).as_bytes());
    format!(
        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
        d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14], d[15]
    )
}

/// Every database's files.
pub(crate) fn database_files(instance: &Instance) -> Vec<DbFile> {
    const DATA: &str = "C:\\Program Files\\Microsoft SQL Server\\MSSQL16.MSSQLSERVER\\MSSQL\\DATA\\";
    let mi = instance.is_managed_instance();
    let mut out = Vec::new();
    for d in instance.databases() {
        let bytes = std::fs::metadata(&d.path).map(|m| m.len()).unwrap_or(0) as i64;
        let wal = std::fs::metadata(format!("{}-wal", d.path.display())).map(|m| m.len()).unwrap_or(0) as i64;
        let data_pages = (bytes / 8192).max(1024);
        let log_pages = (wal / 8192).max(1024);
        let file = |file_id: i64, file_type: i64, name: String, physical_name: String, size_pages: i64| {
            DbFile { database_id: d.id, file_id, file_type, name, physical_name, size_pages }
        };
        if mi {
            let folder =
                if d.id <= 4 { d.name.clone() } else { physical_database_name(instance, &d.name, d.id) };
            let base = format!("C:\\WFRoot\\DB.2\\Fabric\\work\\data\\{folder}\\");
            if d.name.eq_ignore_ascii_case("tempdb") {
                let files = i64::from(instance.profile().tempdb_data_files.max(1));
                out.push(file(1, 0, "tempdev".into(), format!("{base}tempdb.mdf"), data_pages));
                out.push(file(2, 1, "templog".into(), format!("{base}templog.ldf"), log_pages));
                for i in 2..=files {
                    out.push(file(
                        i + 1,
                        0,
                        format!("tempdev{i}"),
                        format!("{base}tempdb_mssql_{i}.ndf"),
                        data_pages,
                    ));
                }
            } else {
                out.push(file(1, 0, "data_0".into(), format!("{base}data_0.mdf"), data_pages));
                out.push(file(2, 1, "log".into(), format!("{base}log.ldf"), log_pages));
            }
            continue;
        }
        let (data_name, log_name, data_file, log_file) = match d.name.as_str() {
            "master" => ("master".into(), "mastlog".into(), "master.mdf".into(), "mastlog.ldf".into()),
            "tempdb" => ("tempdev".into(), "templog".into(), "tempdb.mdf".into(), "templog.ldf".into()),
            "model" => ("modeldev".into(), "modellog".into(), "model.mdf".into(), "modellog.ldf".into()),
            "msdb" => ("MSDBData".into(), "MSDBLog".into(), "MSDBData.mdf".into(), "MSDBLog.ldf".into()),
            n => (n.to_string(), format!("{n}_log"), format!("{n}.mdf"), format!("{n}_log.ldf")),
        };
        out.push(file(1, 0, data_name, format!("{DATA}{data_file}"), data_pages));
        out.push(file(2, 1, log_name, format!("{DATA}{log_file}"), log_pages));
    }
    out
}

/// All files; the function's arguments filter the temp table (NULL = all).
pub(crate) fn virtual_file_stats(session: &Session) -> RowSet {
    let instance = session.instance();
    let load = instance.load();
    let sample_ms = super::os::now(session).uptime_ms;
    let mut set = RowSet::new(&[
        "database_id",
        "file_id",
        "sample_ms",
        "num_of_reads",
        "num_of_bytes_read",
        "io_stall_read_ms",
        "io_stall_queued_read_ms",
        "num_of_writes",
        "num_of_bytes_written",
        "io_stall_write_ms",
        "io_stall_queued_write_ms",
        "io_stall",
        "size_on_disk_bytes",
        "file_handle",
    ]);
    let mut files: Vec<(i64, i64, i64)> =
        database_files(instance).iter().map(|f| (f.database_id, f.file_id, f.size_pages * 8192)).collect();
    if instance.is_managed_instance() {
        // The local SSD cache (RBPEX) files.
        files.insert(0, (0, 1, 64 * 1024 * 1024 * 1024));
        files.insert(1, (0, 2, 1024 * 1024 * 1024));
    }
    for (db, file, size) in files {
        let io = load.files.get(db, file);
        let g = |f: fn(&crate::load::files::FileIo) -> &std::sync::atomic::AtomicU64| {
            io.as_ref().map(|x| f(x).load(Relaxed) as i64).unwrap_or(0)
        };
        let stall_read = g(|x| &x.stall_read_us) / 1000;
        let stall_write = g(|x| &x.stall_write_us) / 1000;
        set.push(vec![
            int(db),
            int(file),
            int(sample_ms),
            int(g(|x| &x.reads)),
            int(g(|x| &x.bytes_read)),
            int(stall_read),
            int(g(|x| &x.queued_read_us) / 1000),
            int(g(|x| &x.writes)),
            int(g(|x| &x.bytes_written)),
            int(stall_write),
            int(g(|x| &x.queued_write_us) / 1000),
            int(stall_read + stall_write),
            int(size),
            rusqlite::types::Value::Blob(((db as u64) << 16 | file as u64).to_be_bytes().to_vec()),
        ]);
    }
    set
}

fn database_id(session: &Session, database: Option<&str>) -> i64 {
    database.and_then(|d| session.instance().database(d)).map(|d| d.id).unwrap_or(1)
}

pub(crate) fn log_space(session: &Session, database: Option<&str>) -> RowSet {
    let id = database_id(session, database);
    let files = database_files(session.instance());
    let total = files
        .iter()
        .filter(|f| f.database_id == id && f.file_type == 1)
        .map(|f| f.size_pages * 8192)
        .sum::<i64>();
    let written =
        session.instance().load().files.get(id, 2).map(|f| f.bytes_written.load(Relaxed) as i64).unwrap_or(0);
    let used = (written + 512 * 1024).min(total);
    let mut set = RowSet::new(&[
        "database_id",
        "total_log_size_in_bytes",
        "used_log_space_in_bytes",
        "used_log_space_in_percent",
        "log_space_in_bytes_since_last_backup",
    ]);
    set.push(vec![
        int(id),
        int(total),
        int(used),
        real(used as f64 * 100.0 / total.max(1) as f64),
        int(written),
    ]);
    set
}

pub(crate) fn file_space(session: &Session, database: Option<&str>) -> RowSet {
    let id = database_id(session, database);
    let mut set = RowSet::new(&[
        "database_id",
        "file_id",
        "filegroup_id",
        "total_page_count",
        "allocated_extent_page_count",
        "unallocated_extent_page_count",
        "version_store_reserved_page_count",
        "user_object_reserved_page_count",
        "internal_object_reserved_page_count",
        "mixed_extent_page_count",
        "modified_extent_page_count",
    ]);
    for f in database_files(session.instance()).iter().filter(|f| f.database_id == id && f.file_type == 0) {
        let allocated = (f.size_pages / 4).max(8) / 8 * 8;
        set.push(vec![
            int(id),
            int(f.file_id),
            int(1),
            int(f.size_pages),
            int(allocated),
            int(f.size_pages - allocated),
            int(0),
            int(if id == 2 { 16 } else { allocated / 2 }),
            int(if id == 2 { 8 } else { 0 }),
            int(16),
            int(allocated / 4),
        ]);
    }
    set
}

pub(crate) fn version_store(session: &Session) -> RowSet {
    let mut set = RowSet::new(&["database_id", "reserved_page_count", "reserved_space_kb"]);
    for d in session.instance().databases() {
        set.push(vec![int(d.id), int(0), int(0)]);
    }
    set
}

/// sys.configurations: (id, name, value, minimum, maximum, description, dynamic, advanced).
/// (id, name, value, minimum, maximum, description, is_dynamic, is_advanced)
type ConfigRow = (i64, &'static str, i64, i64, i64, &'static str, bool, bool);

const CONFIGURATIONS: &[ConfigRow] = &[
    (101, "recovery interval (min)", 0, 0, 32767, "Maximum recovery interval in minutes", true, true),
    (102, "allow updates", 0, 0, 1, "Allow updates to system tables", true, false),
    (103, "user connections", 0, 0, 32767, "Number of user connections allowed", false, true),
    (106, "locks", 0, 5000, 2_147_483_647, "Number of locks for all users", false, true),
    (107, "open objects", 0, 0, 2_147_483_647, "Number of open database objects", false, true),
    (109, "fill factor (%)", 0, 0, 100, "Default fill factor percentage", false, true),
    (1126, "default language", 0, 0, 9999, "default language", true, false),
    (1519, "remote login timeout (s)", 10, 0, 2_147_483_647, "remote login timeout", true, false),
    (1538, "cost threshold for parallelism", 5, 0, 32767, "cost threshold for parallelism", true, true),
    (1539, "max degree of parallelism", 0, 0, 32767, "maximum degree of parallelism", true, true),
    (
        1540,
        "min memory per query (KB)",
        1024,
        512,
        2_147_483_647,
        "minimum memory per query (kBytes)",
        true,
        true,
    ),
    (1543, "min server memory (MB)", 0, 0, 2_147_483_647, "Minimum size of server memory (MB)", true, true),
    (1544, "max server memory (MB)", 0, 128, 2_147_483_647, "Maximum size of server memory (MB)", true, true),
    (1562, "clr enabled", 0, 0, 1, "CLR user code execution enabled in the server", true, false),
    (1568, "default trace enabled", 1, 0, 1, "Enable or disable the default trace", true, true),
    (
        1576,
        "remote admin connections",
        0,
        0,
        1,
        "Dedicated Admin Connections are allowed from remote clients",
        true,
        false,
    ),
    (
        1581,
        "optimize for ad hoc workloads",
        0,
        0,
        1,
        "When this option is set, plan cache size is further reduced for single-use adhoc OLTP workload.",
        true,
        true,
    ),
    (1589, "backup compression default", 0, 0, 1, "Enable compression of backups by default", true, false),
    (16384, "Agent XPs", 1, 0, 1, "Enable or disable Agent XPs", true, true),
    (16390, "xp_cmdshell", 0, 0, 1, "Enable or disable command shell", true, true),
    (518, "show advanced options", 0, 0, 1, "show advanced options", true, false),
];

pub(crate) fn configurations(session: &Session) -> RowSet {
    let instance = session.instance();
    let profile = instance.profile();
    let mi = instance.is_managed_instance();
    let mut set = RowSet::new(&[
        "configuration_id",
        "name",
        "value",
        "minimum",
        "maximum",
        "value_in_use",
        "description",
        "is_dynamic",
        "is_advanced",
    ]);
    for (id, name, value, min, max, desc, dynamic, advanced) in CONFIGURATIONS {
        let value = match *id {
            1544 => profile.memory_mb * 9 / 10,
            1539 if mi => 8.min(i64::from(profile.cores)),
            1568 if mi => 1,
            1589 if mi => 1,
            _ => *value,
        };
        let value =
            crate::engine::runtime::instance_objects::configured_value(session, name).unwrap_or(value);
        set.push(vec![
            int(*id),
            text(*name),
            int(value),
            int(*min),
            int(*max),
            int(value),
            text(*desc),
            int(i64::from(*dynamic)),
            int(i64::from(*advanced)),
        ]);
    }
    set
}
