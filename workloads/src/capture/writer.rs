//! The capture's files: a folder of parts, `part-000001.jsonl` (or `.jsonl.zst` compressed with
//! zstd), each starting with a header line (`docs/trace-format.md`), one JSON line per event.
//! A new part starts when the current one reaches `max_bytes` on disk or has been open for
//! `max_age`. Everything is flushed after every poll so that what has been read is on disk
//! before the next read (a Ctrl-C or a crash loses nothing already read; a compressed part cut
//! short by a crash is read up to its last complete block).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::error::CaptureError;
use crate::trace::format::{Header, Note};

/// Default `--max-file-size`: 1 GB.
pub const DEFAULT_MAX_BYTES: u64 = 1_000_000_000;
/// zstd level: fast, about 5-10x smaller for event text.
const ZSTD_LEVEL: i32 = 3;

/// How the files are cut and written.
#[derive(Clone, Debug, PartialEq)]
pub struct Rotation {
    /// Start a new part at this size on disk.
    pub max_bytes: u64,
    /// Start a new part after this long.
    pub max_age: Option<Duration>,
    /// zstd-compress the parts.
    pub compress: bool,
}

impl Default for Rotation {
    fn default() -> Self {
        Rotation { max_bytes: DEFAULT_MAX_BYTES, max_age: None, compress: false }
    }
}

/// What the header of every part says.
#[derive(Clone, Debug)]
pub struct Identity {
    /// The capture's name (its event session).
    pub capture: String,
    /// When it began (RFC 3339 UTC).
    pub started_at: String,
    /// The server (redacted).
    pub source: Option<String>,
}

/// Counts the bytes that reach the file.
struct Counted {
    file: File,
    written: Arc<AtomicU64>,
}

impl Write for Counted {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

enum Sink {
    Plain(BufWriter<Counted>),
    Zstd(BufWriter<zstd::stream::write::Encoder<'static, Counted>>),
}

impl Sink {
    fn out(&mut self) -> &mut dyn Write {
        match self {
            Sink::Plain(w) => w,
            Sink::Zstd(w) => w,
        }
    }

    fn file(&self) -> &File {
        match self {
            Sink::Plain(w) => &w.get_ref().file,
            Sink::Zstd(w) => &w.get_ref().get_ref().file,
        }
    }

    /// Ends the part: the zstd frame is closed, everything is on disk.
    fn finish(self) -> std::io::Result<()> {
        let file = match self {
            Sink::Plain(w) => w.into_inner().map_err(|e| e.into_error())?.file,
            Sink::Zstd(w) => w.into_inner().map_err(|e| e.into_error())?.finish()?.file,
        };
        file.sync_data()
    }
}

struct Part {
    path: PathBuf,
    sink: Sink,
    opened: Instant,
    on_disk: Arc<AtomicU64>,
}

/// Writes a capture's parts.
pub struct TraceWriter {
    dir: PathBuf,
    rotation: Rotation,
    identity: Identity,
    part: Option<Part>,
    /// Files written so far, in order.
    pub files: Vec<PathBuf>,
    /// Event lines written.
    pub lines: u64,
    /// Notes written.
    pub notes: u64,
    /// Bytes written before compression.
    pub bytes: u64,
}

/// The file name of part `n`.
pub fn part_name(n: usize, compress: bool) -> String {
    format!("part-{n:06}.jsonl{}", if compress { ".zst" } else { "" })
}

impl TraceWriter {
    /// Creates the folder (which must not hold a capture already) and the first part.
    pub fn create(dir: &Path, rotation: Rotation, identity: Identity) -> Result<TraceWriter, CaptureError> {
        let io = |source| CaptureError::Write { path: dir.to_path_buf(), source };
        std::fs::create_dir_all(dir).map_err(io)?;
        let taken = std::fs::read_dir(dir).map_err(io)?.filter_map(|e| e.ok()).any(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.ends_with(".jsonl") || name.ends_with(".jsonl.zst")
        });
        if taken {
            return Err(CaptureError::Setting(format!(
                "--out {}: the folder already holds capture files; give a new folder for each capture",
                dir.display()
            )));
        }
        let mut w = TraceWriter {
            dir: dir.to_path_buf(),
            rotation,
            identity,
            part: None,
            files: Vec::new(),
            lines: 0,
            notes: 0,
            bytes: 0,
        };
        w.open_next()?;
        Ok(w)
    }

    fn open_next(&mut self) -> Result<(), CaptureError> {
        let n = self.files.len() + 1;
        let path = self.dir.join(part_name(n, self.rotation.compress));
        let io = |source| CaptureError::Write { path: path.clone(), source };
        let on_disk = Arc::new(AtomicU64::new(0));
        let counted = Counted { file: File::create(&path).map_err(io)?, written: on_disk.clone() };
        let sink = if self.rotation.compress {
            let encoder = zstd::stream::write::Encoder::new(counted, ZSTD_LEVEL).map_err(io)?;
            Sink::Zstd(BufWriter::new(encoder))
        } else {
            Sink::Plain(BufWriter::new(counted))
        };
        self.part = Some(Part { path: path.clone(), sink, opened: Instant::now(), on_disk });
        self.files.push(path);
        let header = Header::new(
            &self.identity.capture,
            u32::try_from(n).unwrap_or(u32::MAX),
            self.identity.started_at.clone(),
            self.identity.source.clone(),
        );
        self.put(&header)
    }

    /// Closes the current part and opens the next when it is full or old enough.
    fn rotate_if_due(&mut self) -> Result<(), CaptureError> {
        let Some(part) = &self.part else { return Ok(()) };
        let full = part.on_disk.load(Ordering::Relaxed) >= self.rotation.max_bytes;
        let old = self.rotation.max_age.is_some_and(|age| part.opened.elapsed() >= age);
        if !(full || old) {
            return Ok(());
        }
        self.finish_part()?;
        self.open_next()
    }

    fn finish_part(&mut self) -> Result<(), CaptureError> {
        if let Some(part) = self.part.take() {
            part.sink.finish().map_err(|source| CaptureError::Write { path: part.path, source })?;
        }
        Ok(())
    }

    fn put<T: Serialize>(&mut self, value: &T) -> Result<(), CaptureError> {
        let Some(part) = &mut self.part else { return Ok(()) };
        let mut text = serde_json::to_string(value).unwrap_or_default();
        text.push('\n');
        part.sink
            .out()
            .write_all(text.as_bytes())
            .map_err(|source| CaptureError::Write { path: part.path.clone(), source })?;
        self.bytes += text.len() as u64;
        Ok(())
    }

    /// Writes one event line (or session-state line), starting a new part first if due.
    pub fn write<T: Serialize>(&mut self, line: &T) -> Result<(), CaptureError> {
        self.rotate_if_due()?;
        self.put(line)?;
        self.lines += 1;
        Ok(())
    }

    /// A note: something seen and not written as an event (replay counts notes).
    pub fn note(&mut self, message: &str) -> Result<(), CaptureError> {
        self.rotate_if_due()?;
        self.put(&Note::new(message))?;
        self.notes += 1;
        Ok(())
    }

    /// Pushes everything written so far to the file (a complete zstd block).
    pub fn flush(&mut self) -> Result<(), CaptureError> {
        self.rotate_if_due()?;
        let Some(part) = &mut self.part else { return Ok(()) };
        let io = |source| CaptureError::Write { path: part.path.clone(), source };
        part.sink.out().flush().map_err(io)?;
        part.sink.file().sync_data().map_err(io)
    }

    /// Ends the capture's last part.
    pub fn finish(&mut self) -> Result<(), CaptureError> {
        self.finish_part()
    }

    /// Removes the files when nothing but headers was written (a capture that failed before its
    /// first event leaves its folder reusable).
    pub fn discard_if_empty(&mut self) {
        if self.lines > 0 || self.notes > 0 {
            return;
        }
        let _ = self.finish_part();
        for f in self.files.drain(..) {
            let _ = std::fs::remove_file(f);
        }
        let _ = std::fs::remove_dir(&self.dir);
    }

    /// Bytes on disk so far, all parts.
    pub fn bytes_on_disk(&self) -> u64 {
        self.files.iter().filter_map(|f| std::fs::metadata(f).ok()).map(|m| m.len()).sum()
    }
}

impl Drop for TraceWriter {
    fn drop(&mut self) {
        let _ = self.finish_part();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity() -> Identity {
        Identity { capture: "cap".into(), started_at: "2026-01-01T00:00:00Z".into(), source: None }
    }

    #[test]
    fn parts_rotate_by_size_start_with_a_header_and_every_line_is_json() {
        for compress in [false, true] {
            let tmp = tempfile::tempdir().unwrap();
            let dir = tmp.path().join("capture");
            let rotation =
                Rotation { max_bytes: if compress { 400 } else { 2_000 }, max_age: None, compress };
            let mut w = TraceWriter::create(&dir, rotation, identity()).unwrap();
            for i in 0..400 {
                w.write(
                    &serde_json::json!({"session": i % 3, "start_us": i, "batch": format!("SELECT {i}")}),
                )
                .unwrap();
                if i % 25 == 0 {
                    w.note("not captured: something").unwrap();
                    w.flush().unwrap();
                }
            }
            w.finish().unwrap();
            assert!(w.files.len() > 2, "{compress}: rotated into {} files", w.files.len());
            let mut events = 0;
            for (n, f) in w.files.iter().enumerate() {
                assert!(f.ends_with(part_name(n + 1, compress)), "{}", f.display());
                let bytes = std::fs::read(f).unwrap();
                let text = if compress { zstd::decode_all(&bytes[..]).unwrap() } else { bytes };
                let text = String::from_utf8(text).unwrap();
                for (k, line) in text.lines().enumerate() {
                    let v: serde_json::Value = serde_json::from_str(line).expect("every line is JSON");
                    if k == 0 {
                        assert_eq!(
                            (v["kind"].as_str(), v["part"].as_u64()),
                            (Some("cutover.capture"), Some(n as u64 + 1))
                        );
                    } else if v.get("kind").is_none() {
                        events += 1;
                    }
                }
            }
            assert_eq!(events, 400);
            assert!(
                TraceWriter::create(&dir, Rotation::default(), identity()).is_err(),
                "a used folder is refused"
            );
        }
    }
}
