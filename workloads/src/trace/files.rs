//! Finding and opening a capture's files: one file, several, a folder (its `*.jsonl` and
//! `*.jsonl.zst` files) or a glob (`captures/day1/*.jsonl.zst`); zstd-compressed or not (told
//! by the file's magic number, not its name). Files whose header names the same capture are
//! one **chain**, read one after the other in part order; separate captures (and files without
//! a header) are separate chains that [`super::merge`] merges by start time.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::format::{Header, Line, parse_line};
use crate::error::{Error, Result};

/// zstd frames start with these bytes (RFC 8878, 3.1.1).
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xB5, 0x2F, 0xFD];

/// Read buffer per open file.
const BUFFER: usize = 256 * 1024;

/// Whether `name` is a capture file a folder is searched for.
fn is_capture_file(name: &str) -> bool {
    name.ends_with(".jsonl") || name.ends_with(".jsonl.zst")
}

/// The files named by the inputs, in the order given (a folder's files and a glob's matches
/// sorted by name), each once.
pub fn find(inputs: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = Vec::new();
    for input in inputs {
        let mut found = if input.is_dir() {
            folder(input)?
        } else if input.exists() {
            vec![input.clone()]
        } else if input.to_string_lossy().contains(['*', '?', '[']) {
            expand(input)?
        } else {
            return Err(Error::Read {
                path: input.clone(),
                source: io::Error::new(io::ErrorKind::NotFound, "no such file or folder"),
            });
        };
        found.sort();
        for f in found {
            if !out.contains(&f) {
                out.push(f);
            }
        }
    }
    Ok(out)
}

fn folder(dir: &Path) -> Result<Vec<PathBuf>> {
    let read = |source| Error::Read { path: dir.to_path_buf(), source };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read)? {
        let path = entry.map_err(read)?.path();
        if path.is_file() && is_capture_file(&path.file_name().unwrap_or_default().to_string_lossy()) {
            files.push(path);
        }
    }
    if files.is_empty() {
        return Err(read(io::Error::new(
            io::ErrorKind::NotFound,
            "the folder has no capture files (*.jsonl, *.jsonl.zst)",
        )));
    }
    Ok(files)
}

fn expand(pattern: &Path) -> Result<Vec<PathBuf>> {
    let text = pattern.to_string_lossy();
    let bad = |m: String| Error::setting("--trace", format!("{text}: {m}"));
    let paths = glob::glob(&text).map_err(|e| bad(format!("not a valid pattern ({e})")))?;
    let files: Vec<PathBuf> = paths.filter_map(|p| p.ok()).filter(|p| p.is_file()).collect();
    if files.is_empty() {
        return Err(bad("matches no file".into()));
    }
    Ok(files)
}

/// Counts the bytes read from a file (compressed bytes for a zstd file): progress.
struct Counted<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Opens `path` for reading lines, decompressing zstd; `read` counts the file bytes consumed.
pub fn open(path: &Path, read: Arc<AtomicU64>) -> Result<Box<dyn BufRead + Send>> {
    let err = |source| Error::Read { path: path.to_path_buf(), source };
    let mut file = File::open(path).map_err(err)?;
    let mut magic = [0u8; 4];
    let n = read_prefix(&mut file, &mut magic).map_err(err)?;
    let file = Counted { inner: io::Cursor::new(magic[..n].to_vec()).chain(file), read };
    if n == 4 && magic == ZSTD_MAGIC {
        let decoder = zstd::stream::read::Decoder::new(file).map_err(err)?;
        Ok(Box::new(BufReader::with_capacity(BUFFER, decoder)))
    } else {
        Ok(Box::new(BufReader::with_capacity(BUFFER, file)))
    }
}

fn read_prefix(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// A file's header line (None: the file has none, as hand-written traces).
pub fn header_of(path: &Path) -> Result<Option<Header>> {
    let mut lines = open(path, Arc::default())?;
    let mut text = String::new();
    loop {
        text.clear();
        let n =
            lines.read_line(&mut text).map_err(|source| Error::Read { path: path.to_path_buf(), source })?;
        if n == 0 {
            return Ok(None);
        }
        match parse_line(text.trim_end()) {
            Ok(Line::Skip) => continue,
            Ok(Line::Header(h)) => return Ok(Some(h)),
            _ => return Ok(None),
        }
    }
}

/// Files grouped into chains by their headers: parts of one capture in part order; every
/// other file alone. Also warns (returns) about parts missing from a chain.
pub fn chains(headers: &[Option<Header>]) -> (Vec<Vec<usize>>, Vec<String>) {
    let mut by_capture: BTreeMap<String, Vec<(u32, usize)>> = BTreeMap::new();
    let mut order: Vec<(usize, Option<String>)> = Vec::new();
    for (i, h) in headers.iter().enumerate() {
        match h.as_ref().map(|h| (h.capture.clone(), h.part)) {
            Some((capture, part)) => {
                if !by_capture.contains_key(&capture) {
                    order.push((i, Some(capture.clone())));
                }
                by_capture.entry(capture).or_default().push((part, i));
            }
            None => order.push((i, None)),
        }
    }
    let mut warnings = Vec::new();
    let mut out = Vec::new();
    for (i, capture) in order {
        match capture {
            None => out.push(vec![i]),
            Some(c) => {
                let mut parts = by_capture.remove(&c).unwrap_or_default();
                parts.sort();
                let numbers: Vec<u32> = parts.iter().map(|p| p.0).collect();
                if let Some(gap) = (1..=numbers.last().copied().unwrap_or(0)).find(|n| !numbers.contains(n)) {
                    warnings.push(format!(
                        "capture {c}: part {gap} is not among the files given (parts found: {numbers:?}); its \
                         events are missing from this replay"
                    ));
                }
                out.push(parts.into_iter().map(|p| p.1).collect());
            }
        }
    }
    (out, warnings)
}

/// One raw line: where it is and its text (borrowed from the reader's buffer).
pub struct RawLine<'a> {
    /// Index of the file in the list.
    pub file: u32,
    /// 1-based line number in the file.
    pub line: u64,
    /// The text, or the I/O problem met instead (the file ends there).
    pub text: std::result::Result<&'a str, String>,
}

/// Reads the lines of a chain's files one after the other.
pub struct ChainReader {
    files: Vec<(u32, PathBuf)>,
    next_file: usize,
    current: Option<(u32, Box<dyn BufRead + Send>)>,
    line: u64,
    bytes: Arc<AtomicU64>,
    buf: Vec<u8>,
}

impl ChainReader {
    /// A reader over `files` (index in the whole list, path), counting bytes into `bytes`.
    pub fn new(files: Vec<(u32, PathBuf)>, bytes: Arc<AtomicU64>) -> Self {
        ChainReader { files, next_file: 0, current: None, line: 0, bytes, buf: Vec::with_capacity(1024) }
    }

    /// The next line, or None when every file is read.
    pub fn next_line(&mut self) -> Option<RawLine<'_>> {
        loop {
            if self.current.is_none() {
                let (index, path) = self.files.get(self.next_file)?.clone();
                self.next_file += 1;
                self.line = 0;
                match open(&path, self.bytes.clone()) {
                    Ok(r) => self.current = Some((index, r)),
                    Err(e) => return Some(RawLine { file: index, line: 0, text: Err(e.to_string()) }),
                }
            }
            let (index, reader) = self.current.as_mut()?;
            let index = *index;
            self.buf.clear();
            match reader.read_until(b'\n', &mut self.buf) {
                Ok(0) => self.current = None,
                Ok(_) => {
                    self.line += 1;
                    let text = match std::str::from_utf8(&self.buf) {
                        Ok(t) => Ok(t.trim_end_matches(['\n', '\r'])),
                        Err(e) => Err(format!("not UTF-8 ({e})")),
                    };
                    return Some(RawLine { file: index, line: self.line, text });
                }
                Err(e) => {
                    self.current = None;
                    let line = self.line + 1;
                    return Some(RawLine {
                        file: index,
                        line,
                        text: Err(format!(
                            "the file cannot be read past line {} ({e}); a capture that was stopped abruptly ends \
                             mid-block",
                            line - 1
                        )),
                    });
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_globs_and_compressed_files_are_found_and_read() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        std::fs::write(dir.join("b.jsonl"), "{\"x\":2}\n").unwrap();
        let z = zstd::encode_all(&b"{\"x\":1}\nlast"[..], 3).unwrap();
        std::fs::write(dir.join("a.jsonl.zst"), z).unwrap();
        std::fs::write(dir.join("notes.txt"), "no").unwrap();
        let found = find(std::slice::from_ref(&dir)).unwrap();
        assert_eq!(found, vec![dir.join("a.jsonl.zst"), dir.join("b.jsonl")]);
        let glob = find(&[dir.join("*.jsonl*"), dir.join("b.jsonl")]).unwrap();
        assert_eq!(glob, found, "each file once");
        assert!(find(&[dir.join("none*.jsonl")]).is_err());
        let bytes = Arc::new(AtomicU64::new(0));
        let mut r = ChainReader::new(vec![(0, found[0].clone()), (1, found[1].clone())], bytes.clone());
        let mut lines: Vec<(u32, u64, String)> = Vec::new();
        while let Some(l) = r.next_line() {
            lines.push((l.file, l.line, l.text.unwrap().to_string()));
        }
        assert_eq!(
            lines,
            vec![(0, 1, "{\"x\":1}".into()), (0, 2, "last".into()), (1, 1, "{\"x\":2}".into())]
        );
        assert!(bytes.load(Ordering::Relaxed) > 8);
    }
}
