//! Per-file IO counters (sys.dm_io_virtual_file_stats): reads, writes, bytes and stalls for
//! each (database_id, file_id).

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, RwLock};

/// One file's cumulative IO (stalls in microseconds).
#[derive(Debug, Default)]
pub struct FileIo {
    pub reads: AtomicU64,
    pub bytes_read: AtomicU64,
    pub stall_read_us: AtomicU64,
    pub queued_read_us: AtomicU64,
    pub writes: AtomicU64,
    pub bytes_written: AtomicU64,
    pub stall_write_us: AtomicU64,
    pub queued_write_us: AtomicU64,
}

impl FileIo {
    pub fn read(&self, ios: u64, bytes: u64, stall_us: u64, queued_us: u64) {
        self.reads.fetch_add(ios, Relaxed);
        self.bytes_read.fetch_add(bytes, Relaxed);
        self.stall_read_us.fetch_add(stall_us, Relaxed);
        self.queued_read_us.fetch_add(queued_us, Relaxed);
    }

    pub fn write(&self, ios: u64, bytes: u64, stall_us: u64, queued_us: u64) {
        self.writes.fetch_add(ios, Relaxed);
        self.bytes_written.fetch_add(bytes, Relaxed);
        self.stall_write_us.fetch_add(stall_us, Relaxed);
        self.queued_write_us.fetch_add(queued_us, Relaxed);
    }
}

/// The files of every database, created on first use.
#[derive(Debug, Default)]
pub struct FileStats {
    files: RwLock<Vec<(i64, i64, Arc<FileIo>)>>,
}

impl FileStats {
    /// The counters of (database, file); allocates only the first time a file is used.
    pub fn file(&self, database_id: i64, file_id: i64) -> Arc<FileIo> {
        if let Some((_, _, f)) = self
            .files
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|(d, f, _)| *d == database_id && *f == file_id)
        {
            return f.clone();
        }
        let mut files = self.files.write().unwrap_or_else(|p| p.into_inner());
        if let Some((_, _, f)) = files.iter().find(|(d, f, _)| *d == database_id && *f == file_id) {
            return f.clone();
        }
        let f = Arc::new(FileIo::default());
        files.push((database_id, file_id, f.clone()));
        f
    }

    /// A snapshot of one file's counters, zero when it has seen no IO.
    pub fn get(&self, database_id: i64, file_id: i64) -> Option<Arc<FileIo>> {
        self.files
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|(d, f, _)| *d == database_id && *f == file_id)
            .map(|(_, _, f)| f.clone())
    }
}
