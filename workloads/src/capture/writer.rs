//! The capture file: one JSON line per event, flushed after every poll so that what has been
//! read is on disk before the next read (a Ctrl-C or a crash loses nothing already read).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use super::convert::TraceLine;
use super::error::CaptureError;

/// Appends trace lines to the output file.
pub struct TraceWriter {
    path: PathBuf,
    out: BufWriter<File>,
    /// Lines written.
    pub lines: u64,
    /// Bytes written.
    pub bytes: u64,
}

impl TraceWriter {
    /// Creates (or truncates) `path`, making its directory.
    pub fn create(path: &Path) -> Result<TraceWriter, CaptureError> {
        let io = |source| CaptureError::Write { path: path.to_path_buf(), source };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let file = File::create(path).map_err(io)?;
        Ok(TraceWriter { path: path.to_path_buf(), out: BufWriter::new(file), lines: 0, bytes: 0 })
    }

    /// Writes one line (buffered until [`Self::flush`]).
    pub fn write(&mut self, line: &TraceLine) -> Result<(), CaptureError> {
        let mut text = serde_json::to_string(line).unwrap_or_default();
        text.push('\n');
        self.out
            .write_all(text.as_bytes())
            .map_err(|source| CaptureError::Write { path: self.path.clone(), source })?;
        self.lines += 1;
        self.bytes += text.len() as u64;
        Ok(())
    }

    /// A `//` comment line (the trace reader skips it): reports kept beside the events.
    pub fn comment(&mut self, text: &str) -> Result<(), CaptureError> {
        let line = format!("// {}\n", text.replace('\n', " "));
        self.out
            .write_all(line.as_bytes())
            .map_err(|source| CaptureError::Write { path: self.path.clone(), source })
    }

    /// Pushes everything written so far to the file.
    pub fn flush(&mut self) -> Result<(), CaptureError> {
        self.out.flush().map_err(|source| CaptureError::Write { path: self.path.clone(), source })?;
        self.out
            .get_ref()
            .sync_data()
            .map_err(|source| CaptureError::Write { path: self.path.clone(), source })
    }
}
