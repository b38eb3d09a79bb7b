//! Running the real `cutover` binary from tests, with the test password in the environment.

use super::PASSWORD;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

/// Runs `cutover ARGS…` with `CUTOVER_PASSWORD` set to the test password.
pub fn cutover<S: AsRef<OsStr>>(args: &[S]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(args)
        .env("CUTOVER_PASSWORD", PASSWORD)
        .output()
        .expect("the binary runs")
}

/// Starts `cutover ARGS…` in the background (test password set, output captured), for a test
/// that acts on the run while it goes (scrapes it, interrupts it).
pub fn spawn_cutover<S: AsRef<OsStr>>(args: &[S]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(args)
        .env("CUTOVER_PASSWORD", PASSWORD)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts")
}

/// `cutover replay --server CONN --workload FILE --out DIR EXTRA…` in the background.
pub fn spawn_replay(conn: &str, workload: &Path, out: &Path, extra: &[&str]) -> Child {
    let mut args = vec!["replay", "--server", conn, "--workload", workload.to_str().unwrap()];
    args.extend_from_slice(&["--out", out.to_str().unwrap()]);
    args.extend_from_slice(extra);
    spawn_cutover(&args)
}

/// [`cutover`] off the async runtime, so an in-process simulator keeps serving meanwhile.
pub async fn cutover_async(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || cutover(&args)).await.unwrap()
}

/// Both output streams, for assertion messages.
pub fn text(out: &Output) -> String {
    format!(
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A path under the temp dir for one test's output, not there yet (the command creates it).
pub fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cutover-test-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A fresh, empty folder under the temp dir, for a test's input files.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = out_dir(name);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Reads a JSON file, naming it on failure.
pub fn json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `&["a", "b"]` → owned arguments.
pub fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Removes a test's folder when the test ends, passed or failed.
pub struct Cleanup(pub PathBuf);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
