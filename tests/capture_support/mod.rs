//! Shared by the capture tests: the known workload, starting the capture binary, waiting for
//! its event session, and reading a capture back as per-session statement sequences.
#![allow(dead_code)]

use super::common::{TestServer, connect};
use std::path::Path;
use std::process::Child;
use std::time::{Duration, Instant};

/// The table the workload reads.
pub async fn prepare(server: &TestServer) {
    let mut conn = connect(server).await;
    conn.simple_query(
        "CREATE TABLE dbo.items (id int NOT NULL PRIMARY KEY, name nvarchar(40) NOT NULL, price decimal(10,2) NOT NULL, \
         added datetime2 NOT NULL); \
         INSERT INTO dbo.items VALUES (1, N'item 1', 10.00, '2026-01-01'), (2, N'item 2', 12.50, '2026-01-02'), \
         (3, N'item 3', 20.00, '2026-01-03'), (4, N'item 4', 5.00, '2026-01-04');",
    )
    .await
    .expect("setup");
}

/// `cutover capture --server … --out FILE EXTRA…` in the background.
pub fn spawn_capture(server: &TestServer, out: &Path, extra: &[&str]) -> Child {
    let mut args = vec!["capture", "--server", &server.conn, "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    super::common::cli::spawn_cutover(&args)
}

/// Names of the capture's event sessions: (started, defined).
pub async fn event_sessions(server: &TestServer) -> (Vec<String>, Vec<String>) {
    let mut conn = connect(server).await;
    let mut names: Vec<Vec<String>> = Vec::new();
    for view in ["sys.dm_xe_sessions", "sys.server_event_sessions"] {
        let rows = conn
            .query_rows(&format!("SELECT name FROM {view} WHERE name LIKE 'cutover_capture%'"), &[])
            .await
            .expect("the XE views answer");
        names.push(rows.iter().map(|r| r.get::<&str, _>(0).unwrap_or("").to_string()).collect());
    }
    let defined = names.pop().unwrap();
    (names.pop().unwrap(), defined)
}

pub async fn wait_for_event_session(server: &TestServer) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while event_sessions(server).await.0.is_empty() {
        assert!(Instant::now() < deadline, "the capture never started its event session");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub async fn assert_no_event_session(server: &TestServer) {
    let (started, defined) = event_sessions(server).await;
    assert!(
        started.is_empty() && defined.is_empty(),
        "left behind: started {started:?}, defined {defined:?}"
    );
}

/// Three connections: eight typed lookups 100 ms apart; batches and a string lookup; decimal and
/// datetime2 parameters.
pub async fn known_workload(server: &TestServer) {
    let lookups = async {
        let mut c = connect(server).await;
        for id in 1..=8i32 {
            c.query_rows("SELECT name FROM dbo.items WHERE id = @P1", &[&id]).await.unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    let batches = async {
        let mut c = connect(server).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        for _ in 0..4 {
            c.simple_query("SELECT COUNT(*) FROM dbo.items").await.unwrap();
            tokio::time::sleep(Duration::from_millis(150)).await;
            c.query_rows("SELECT id FROM dbo.items WHERE name = @P1", &[&"item 3"]).await.unwrap();
        }
    };
    let mixed = async {
        let mut c = connect(server).await;
        let price = rust_decimal::Decimal::new(1250, 2);
        let added = chrono::NaiveDate::from_ymd_opt(2026, 1, 2).unwrap().and_hms_opt(3, 4, 5).unwrap();
        for _ in 0..3 {
            tokio::time::sleep(Duration::from_millis(120)).await;
            c.query_rows("SELECT id FROM dbo.items WHERE price >= @P1 AND added < @P2", &[&price, &added])
                .await
                .unwrap();
        }
    };
    // Boxed: three tiberius logins polled side by side overflow a test thread's stack in debug builds.
    tokio::join!(Box::pin(lookups), Box::pin(batches), Box::pin(mixed));
}

/// One captured session: (sql, parameter values, batch|rpc) per event, and start offsets (µs).
#[derive(Debug)]
pub struct CapturedSession {
    pub events: Vec<(String, String, &'static str)>,
    pub starts: Vec<u64>,
}

/// The sessions of a capture that ran the known workload's statements (others dropped).
pub fn workload_sessions(path: &Path) -> Vec<CapturedSession> {
    let trace = cutover_workloads::trace::load(&[path.to_path_buf()])
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let known = ["dbo.items"];
    let mut out = Vec::new();
    for (_, events) in &trace.sessions {
        let mut session = CapturedSession { events: Vec::new(), starts: Vec::new() };
        for e in events {
            let sql = &e.bound.statement.sql;
            if !known.iter().any(|k| sql.contains(k)) || sql.contains("sys.") {
                continue;
            }
            let kind = match (e.kind, e.op) {
                (_, Some(_)) => "prepared",
                (cutover_workloads::executor::CallKind::Batch, None) => "batch",
                (_, None) => "rpc",
            };
            session.events.push((sql.clone(), format!("{:?}", e.values), kind));
            session.starts.push(e.start.as_micros() as u64);
        }
        if !session.events.is_empty() {
            out.push(session);
        }
    }
    out
}

/// Every line of every file of a capture folder is JSON (zstd files decompressed): parsed by
/// serde_json, and by `jq` (the tool users reach for) when it is installed; each file starts
/// with the capture header.
pub fn assert_strict_json_lines(dir: &Path) {
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no files", dir.display());
    for f in files {
        let mut text = String::new();
        let mut r = cutover_workloads::trace::files::open(&f, Default::default()).unwrap();
        std::io::Read::read_to_string(&mut r, &mut text).expect("UTF-8 text");
        for (i, line) in text.lines().enumerate() {
            let v: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}:{}: not JSON ({e}): {line}", f.display(), i + 1));
            if i == 0 {
                assert_eq!(v["kind"], "cutover.capture", "{}: the first line is the header", f.display());
                super::common::schemas::check(
                    "capture-header.schema.json",
                    &format!("the header of {}", f.display()),
                    &v,
                );
            }
        }
        jq_reads(&f, &text);
    }
}

/// `jq -c .` reads every line (skipped, with a note, when jq is not installed).
fn jq_reads(file: &Path, text: &str) {
    use std::io::Write;
    let Ok(mut child) = std::process::Command::new("jq")
        .args(["-c", "."])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
    else {
        eprintln!("jq is not installed: {} checked with serde_json only", file.display());
        return;
    };
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "jq fails on {}: {}", file.display(), String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), text.lines().count());
}

/// The session-state lines of a capture folder (`{"kind": "cutover.session", …}`).
pub fn session_states(dir: &Path) -> Vec<serde_json::Value> {
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let mut text = String::new();
        let mut r = cutover_workloads::trace::files::open(&f, Default::default()).unwrap();
        std::io::Read::read_to_string(&mut r, &mut text).unwrap();
        out.extend(
            text.lines()
                .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
                .filter(|v| v["kind"] == "cutover.session"),
        );
    }
    out
}
