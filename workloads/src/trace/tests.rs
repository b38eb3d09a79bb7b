//! Reading captures (order, sessions, tags, files) and replaying them with a fake executor on
//! tokio's paused clock.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::ProgressBar;
use tokio::sync::watch;

use super::engine::{TraceOutcome, TraceSettings, parse_map, run_trace};
use super::reading::Reading;
use super::*;
use crate::clock::{Clock, TokioClock};
use crate::executor::{CallKind, Connector, ExecError, Executor, Job};
use crate::report::Reporter;
use crate::units::Shard;
use crate::value::ParamValue;

const MS: Duration = Duration::from_millis(1);

/// What the fake server saw: (worker, database, sql, send time).
type Log = Arc<Mutex<Vec<(usize, Option<String>, String, Duration)>>>;
/// The logins connections were opened with: (worker, login).
type Logins = Arc<Mutex<Vec<(usize, Option<String>)>>>;

#[derive(Clone)]
struct Fake {
    clock: TokioClock,
    worker: usize,
    log: Log,
    logins: Logins,
}

impl Executor for Fake {
    async fn prepare<'a>(&'a mut self, call: crate::executor::Prepare<'a>) -> Result<i32, ExecError> {
        let now = self.clock.now();
        let line = format!("prepare {} | {} | {:?}", call.declare, call.sql, call.values);
        self.log.lock().unwrap().push((self.worker, call.database.map(String::from), line, now));
        Ok(1000 + self.log.lock().unwrap().len() as i32)
    }

    async fn execute<'a>(&'a mut self, job: Job<'a>) -> Result<(), ExecError> {
        let now = self.clock.now();
        let sql = match job.kind {
            CallKind::Execute { handle } => format!("execute {handle} {:?}", job.values),
            CallKind::Unprepare { handle } => format!("unprepare {handle}"),
            _ => job.statements[0].sql.clone(),
        };
        self.log.lock().unwrap().push((self.worker, job.database.map(String::from), sql.clone(), now));
        self.clock.sleep_until(now + MS).await;
        if sql.contains("missing") {
            return Err(ExecError {
                number: Some(208),
                kind: "invalid_object".into(),
                message: "Invalid object name 'missing'".into(),
                broken: false,
                retryable: false,
            });
        }
        Ok(())
    }

    async fn reset(&mut self) -> Result<(), ExecError> {
        Ok(())
    }
}

impl Connector for Fake {
    type Exec = Fake;
    async fn open(&self, worker: usize) -> Result<Fake, crate::Error> {
        Ok(Fake { worker, ..self.clone() })
    }
    async fn open_as(&self, worker: usize, login: Option<&str>) -> Result<Fake, crate::Error> {
        self.logins.lock().unwrap().push((worker, login.map(String::from)));
        self.open(worker).await
    }
}

fn fake() -> Fake {
    Fake { clock: TokioClock::start(), worker: 0, log: Arc::default(), logins: Arc::default() }
}

/// A scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cutover-trace-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `text` to `dir/name` and returns the path.
fn file(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn source(paths: &[PathBuf]) -> Arc<Source> {
    Arc::new(Source::open(paths).unwrap())
}

async fn replay(
    paths: &[PathBuf],
    settings: &TraceSettings,
    fake: &Fake,
    out: Option<&Path>,
) -> TraceOutcome {
    let clock = fake.clock;
    let reporter =
        Reporter::new(Duration::from_secs(1), out, ProgressBar::hidden(), std::time::SystemTime::now())
            .unwrap();
    let (tx, rx) = watch::channel(false);
    let options = ReadOptions { shard: settings.shard, ..ReadOptions::default() };
    let reading = Reading::preloaded(TraceStream::new(source(paths), options));
    let result = run_trace(reading, settings, fake.clone(), move || clock, rx, reporter, None).await.unwrap();
    drop(tx);
    result
}

/// Two sessions; session 7's events are out of start order in the file.
const TRACE: &str = r#"
{"session": 7, "database": "shop", "login": "app", "start_us": 1000000, "batch": "SELECT 'a2'"}
{"session": 7, "database": "shop", "login": "app", "start_us": 0, "batch": "SELECT 'a1'", "duration_us": 150, "cpu_us": 90, "reads": 3}
{"session": "x", "database": "crm", "start_us": 500000, "rpc": {"sql": "SELECT name FROM c WHERE id = @id AND d = @day", "params": [{"name": "@day", "type": "date", "value": "2024-01-31"}, {"name": "@id", "type": "int", "value": 42}]}}

{"session": 7, "database": "shop", "start_us": 3000000, "batch": "SELECT 'a3'"}
{"session": "x", "database": "crm", "start_us": 600000, "batch": "SELECT   'b2'\n"}
"#;

#[test]
fn reads_sessions_in_start_order_with_typed_rpc_parameters() {
    let dir = scratch("parse");
    let t = load(&[file(&dir, "t.jsonl", TRACE)]).unwrap();
    assert_eq!(t.sessions.len(), 2);
    let s7: Vec<_> = t.sessions[0].1.iter().map(|e| (e.at.line, e.bound.statement.sql.as_str())).collect();
    assert_eq!(s7, vec![(3, "SELECT 'a1'"), (2, "SELECT 'a2'"), (6, "SELECT 'a3'")]);
    assert_eq!(t.sessions[0].0.login.as_deref(), Some("app"));
    assert_eq!(
        t.sessions[0].1[0].captured,
        Captured { duration_us: Some(150), cpu_us: Some(90), reads: Some(3) }
    );
    let rpc = &t.sessions[1].1[0];
    assert_eq!(rpc.kind, CallKind::Rpc);
    assert_eq!(rpc.bound.statement.sql, "SELECT name FROM c WHERE id = @P1 AND d = @P2");
    assert_eq!(rpc.bound.statement.args, vec![1, 0], "@P1 is @id (the second parameter given)");
    assert_eq!(rpc.values[1], ParamValue::Int(42));
    assert_eq!(rpc.start, Duration::from_millis(500), "offset from the first start");
    // Literals fold into one fingerprint: 'a1', 'a2', 'a3' and 'b2' are one query.
    let texts: Vec<&str> = t.tags.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(texts, vec!["SELECT ?", "SELECT name FROM c WHERE id = @id AND d = @day"]);
    assert!(t.tags.iter().all(|t| !t.writes));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn malformed_events_fail_with_file_and_line() {
    let dir = scratch("malformed");
    let err = |text: &str| load(&[file(&dir, "cap.jsonl", text)]).unwrap_err().to_string();
    let ok = r#"{"session": 1, "start_us": 0, "batch": "SELECT 1"}"#;
    let e = err(&format!("{ok}\n{ok}\n{{\"session\": 1, \"start_us\": \"soon\", \"batch\": \"x\"}}\n"));
    assert!(e.contains("cap.jsonl:3:"), "{e}");
    let e = err(&format!("{ok}\n{{\"session\": 1, \"start_us\": 0}}\n"));
    assert!(e.contains("cap.jsonl:2:") && e.contains("exactly one of `batch`"), "{e}");
    let e = err(
        r#"{"session": 1, "start_us": 0, "rpc": {"sql": "SELECT @a", "params": [{"name": "@a", "type": "geography", "value": 1}]}}"#,
    );
    assert!(e.contains("cap.jsonl:1:") && e.contains("rpc.params[0] a") && e.contains("unknown type"), "{e}");
    let e = err(r#"{"session": 1, "start_us": 0, "rpc": {"sql": "SELECT @b", "params": []}}"#);
    assert!(e.contains("rpc.sql") && e.contains("@b"), "{e}");
    let e = err(r#"{"session": 1, "start_us": 0, "batch": "SELECT 1", "sesion": 2}"#);
    assert!(e.contains("sesion"), "unknown fields are named: {e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The first pass counts per session and tag, finds writes, and keeps invalid lines with their
/// place; a folder of parts, compressed or not, reads as one capture.
#[test]
fn the_first_pass_takes_stock_of_a_rotated_compressed_capture() {
    let dir = scratch("precheck");
    let header = |part: u32| {
        serde_json::to_string(&format::Header::new("cap", part, "2026-01-01T00:00:00Z".into(), None)).unwrap()
    };
    let part1 = format!(
        "{}\n{}\n{}\n",
        header(1),
        r#"{"session": 1, "start_us": 10, "batch": "SELECT 1"}"#,
        r#"{"session": 2, "start_us": 20, "batch": "UPDATE t SET a = 1"}"#
    );
    let part2 = format!(
        "{}\n{}\n{}\n{}\n",
        header(2),
        r#"{"kind": "cutover.note", "message": "not captured: sp_execute of handle 9"}"#,
        r#"{"session": 1, "start_us": 30, "batch": "SELECT 2"}"#,
        r#"{"session": 2, "start_us": 40, "nonsense": true}"#
    );
    std::fs::write(dir.join("part-000002.jsonl.zst"), zstd::encode_all(part2.as_bytes(), 3).unwrap())
        .unwrap();
    file(&dir, "part-000001.jsonl", &part1);
    let src = source(std::slice::from_ref(&dir));
    assert_eq!(src.chains, vec![vec![0, 1]], "two parts of one capture: one chain");
    assert_eq!(src.started_at.as_deref(), Some("2026-01-01T00:00:00Z"));
    let inv = precheck(src.clone(), &ReadOptions::default(), &ProgressBar::hidden());
    assert_eq!((inv.events, inv.events_all, inv.sessions_all, inv.notes), (3, 3, 2, 1));
    assert_eq!(inv.per_session, vec![2, 1]);
    assert_eq!(inv.writing().len(), 1);
    assert_eq!(inv.invalid, 1);
    let e = inv.first_invalid(&src).unwrap().to_string();
    assert!(e.contains("part-000002.jsonl.zst:4:") && e.contains("nonsense"), "{e}");
    assert!(replay::check_writes(&src, &inv, false).unwrap_err().to_string().contains("--allow-writes"));
    assert!(replay::check_writes(&src, &inv, true).is_ok());
    // A shard of two: session 1 here, session 2 (and its invalid line) in the other.
    let half = ReadOptions { shard: Shard { index: 0, count: 2 }, ..ReadOptions::default() };
    let inv0 = precheck(src.clone(), &half, &ProgressBar::hidden());
    assert_eq!((inv0.events, inv0.events_all, inv0.invalid), (2, 3, 0));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn maps_parse() {
    let m = parse_map(&["shop=shop_copy".into(), " crm = crm2 ".into()]).unwrap();
    assert_eq!(m["shop"], "shop_copy");
    assert_eq!(m["crm"], "crm2");
    assert!(parse_map(&["shop".into()]).unwrap_err().contains("source=target"));
}

/// Each session sends its events in captured (start) order, each at its captured offset divided
/// by the speed factor, exactly (virtual clock); databases and logins are mapped.
#[tokio::test(start_paused = true)]
async fn sessions_keep_captured_order_at_the_speed_factor() {
    let dir = scratch("order");
    let f = fake();
    let mut settings = TraceSettings::new(2.0);
    settings.databases = parse_map(&["shop=shop_copy".into()]).unwrap();
    settings.logins = parse_map(&["app=app_tgt".into()]).unwrap();
    let out = replay(&[file(&dir, "t.jsonl", TRACE)], &settings, &f, None).await;
    let log = f.log.lock().unwrap().clone();
    let session = |w: usize| -> Vec<(Option<String>, String, Duration)> {
        log.iter().filter(|l| l.0 == w).map(|l| (l.1.clone(), l.2.clone(), l.3)).collect()
    };
    let shop = Some("shop_copy".to_string());
    assert_eq!(
        session(0),
        vec![
            (shop.clone(), "SELECT 'a1'".into(), Duration::ZERO),
            (shop.clone(), "SELECT 'a2'".into(), Duration::from_millis(500)),
            (shop, "SELECT 'a3'".into(), Duration::from_millis(1500)),
        ]
    );
    let crm = Some("crm".to_string());
    assert_eq!(
        session(1),
        vec![
            (crm.clone(), "SELECT name FROM c WHERE id = @P1 AND d = @P2".into(), Duration::from_millis(250)),
            (crm, "SELECT   'b2'\n".into(), Duration::from_millis(300)),
        ]
    );
    let mut logins = f.logins.lock().unwrap().clone();
    logins.sort();
    assert_eq!(logins, vec![(0, Some("app_tgt".to_string())), (1, None)]);
    let r = &out.run;
    assert_eq!((r.totals().ok, r.totals().captured, r.totals().sent), (5, 5, 5));
    assert_eq!((r.on_time, r.started), (5, 5), "every event on schedule");
    assert_eq!(r.elapsed, Duration::from_millis(1501));
    assert_eq!(r.tags, vec!["q1", "q2"]);
    assert_eq!((r.sessions[0].ok, r.sessions[1].ok), (3, 2), "per captured session");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// At speed 0.5 a session whose server is slower than the gaps falls behind: it never pauses
/// to catch up in step, and its response time counts from the schedule.
#[tokio::test(start_paused = true)]
async fn a_late_session_sends_at_once_and_counts_from_the_schedule() {
    let dir = scratch("late");
    let text = (0..10)
        .map(|i| format!(r#"{{"session": 1, "start_us": {}, "batch": "SELECT {i}"}}"#, i * 200))
        .collect::<Vec<_>>()
        .join("\n");
    let f = fake();
    let out = replay(&[file(&dir, "t.jsonl", &text)], &TraceSettings::new(0.5), &f, None).await;
    // Due every 400 µs, served in 1 ms each: the k-th event is sent at k ms.
    let sends: Vec<Duration> = f.log.lock().unwrap().iter().map(|l| l.3).collect();
    assert_eq!(sends, (0..10).map(|k| k * MS).collect::<Vec<_>>());
    assert_eq!(out.run.totals().ok, 10);
    let mut response = crate::recorder::histogram();
    for h in &out.run.totals {
        response.add(&h.response).unwrap();
    }
    // Last event: due at 3.6 ms, done at 10 ms.
    assert_eq!(response.max(), response.highest_equivalent(6_400));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(start_paused = true)]
async fn shards_split_sessions_and_add_up() {
    let dir = scratch("shards");
    let text = (0..9)
        .map(|i| {
            format!(r#"{{"session": {}, "start_us": {}, "batch": "SELECT {}"}}"#, i % 5, i * 1000, i % 3)
        })
        .collect::<Vec<_>>()
        .join("\n");
    let path = file(&dir, "t.jsonl", &text);
    let (mut sum, mut captured) = (0, 0);
    let mut seen = Vec::new();
    for index in 0..2 {
        let f = fake();
        let mut settings = TraceSettings::new(1.0);
        settings.shard = Shard { index, count: 2 };
        let out = replay(std::slice::from_ref(&path), &settings, &f, None).await;
        sum += out.run.totals().ok;
        captured += out.run.totals().captured;
        seen.extend(f.log.lock().unwrap().iter().map(|l| (l.2.clone(), l.3)));
    }
    assert_eq!((sum, captured), (9, 9));
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 9, "disjoint shards cover every event once");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(start_paused = true)]
async fn an_error_names_the_captured_event_and_every_event_is_accounted_for() {
    let dir = scratch("error");
    let text = "{\"session\": 1, \"start_us\": 0, \"batch\": \"SELECT 1\"}\n\
                {\"session\": 1, \"start_us\": 10, \"batch\": \"SELECT * FROM missing\"}\n\
                {\"session\": 2, \"start_us\": 20, \"batch\": \"DELETE FROM t\"}\n\
                {\"session\": 2, \"start_us\": 30, \"bach\": \"typo\"}\n";
    let path = file(&dir, "cap.jsonl", text);
    let f = fake();
    let clock = f.clock;
    let reporter = Reporter::new(
        Duration::from_secs(1),
        Some(&dir),
        ProgressBar::hidden(),
        std::time::SystemTime::now(),
    )
    .unwrap();
    let (_tx, rx) = watch::channel(false);
    // Streaming without the opt-in: the write is skipped, the typo skipped, both counted.
    let options = ReadOptions { refuse_writes: true, ..ReadOptions::default() };
    let reading = Reading::preloaded(TraceStream::new(source(std::slice::from_ref(&path)), options));
    let out = run_trace(reading, &TraceSettings::new(1.0), f.clone(), move || clock, rx, reporter, None)
        .await
        .unwrap();
    let t = out.run.totals();
    assert_eq!((t.captured, t.sent, t.ok, t.errors, t.skipped), (4, 2, 1, 1, 2));
    assert_eq!(t.skipped_by_reason["writes_not_allowed"], 1);
    assert_eq!(t.skipped_by_reason["invalid"], 1);
    let q2 = out.run.tags.iter().position(|t| t == "q2").unwrap();
    assert_eq!(out.run.counts[q2].errors_by_number["208"], 1);
    assert_eq!(out.run.sessions[1].skipped, 2, "both skips belong to session 2");
    assert!(
        out.skipped_examples.iter().any(|x| x.contains("cap.jsonl:4: invalid") && x.contains("bach")),
        "{:?}",
        out.skipped_examples
    );
    assert!(f.log.lock().unwrap().iter().all(|l| !l.2.contains("DELETE")), "never sent");
    let errors = std::fs::read_to_string(dir.join(crate::report::ERRORS)).unwrap();
    let event: serde_json::Value = serde_json::from_str(errors.lines().next().unwrap()).unwrap();
    assert!(event["unit"].as_str().unwrap().ends_with("cap.jsonl:2"), "{event}");
    assert_eq!(event["tag"], "q2");
    let summary = replay::summary(&out, None);
    assert_eq!(
        summary.reconciliation.as_ref().unwrap().text,
        "replayed 2 of 4 captured events: 1 ok, 1 failed, 2 skipped, 0 cancelled"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Ctrl-C in the middle: what was sent is counted, the rest of the capture is cancelled, and
/// the counts still add up to what was captured.
#[tokio::test(start_paused = true)]
async fn an_interrupted_replay_still_adds_up() {
    let dir = scratch("interrupt");
    let text = (0..2000)
        .map(|i| format!(r#"{{"session": {}, "start_us": {}, "batch": "SELECT {i}"}}"#, i % 3, i * 10_000))
        .collect::<Vec<_>>()
        .join("\n");
    let path = file(&dir, "t.jsonl", &text);
    let f = fake();
    let clock = f.clock;
    let (tx, rx) = watch::channel(false);
    let stopper = tokio::spawn(async move {
        clock.sleep_until(Duration::from_secs(3)).await;
        let _ = tx.send(true);
        tx
    });
    let reading =
        Reading::preloaded(TraceStream::new(source(std::slice::from_ref(&path)), ReadOptions::default()));
    let inv = precheck(source(std::slice::from_ref(&path)), &ReadOptions::default(), &ProgressBar::hidden());
    let out = run_trace(
        reading,
        &TraceSettings::new(1.0),
        f.clone(),
        move || clock,
        rx,
        Reporter::silent(Duration::from_secs(1)),
        Some(&inv),
    )
    .await
    .unwrap();
    drop(stopper.await);
    let t = out.run.totals();
    assert!(out.run.interrupted);
    assert_eq!(t.captured, 2000);
    assert_eq!(t.ok + t.errors + t.skipped + t.cancelled, 2000, "{t:?}");
    assert!((290..=310).contains(&t.ok), "about 3 s of events sent: {}", t.ok);
    let by_session: u64 = out.run.sessions.iter().map(|s| s.cancelled + s.ok).sum();
    assert_eq!(by_session, 2000);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Prepared statements keep their shape: the state line's statements are prepared before the
/// session's first event, a captured handle maps to the target's, an execution of a handle the
/// capture never saw prepared is skipped and counted, and the SET options go first as one batch.
#[tokio::test(start_paused = true)]
async fn session_state_and_prepared_handles_are_restored_and_mapped() {
    let dir = scratch("prepared");
    let text = r#"{"kind": "cutover.session", "session": 9, "database": "crm", "set": {"DATEFORMAT": "dmy", "QUOTED_IDENTIFIER": "OFF"}, "prepared": [{"handle": 7, "declare": "@P1 int", "sql": "SELECT @P1"}]}
{"session": 9, "start_us": 0, "execute": {"handle": 7, "params": [{"name": "@P1", "type": "int", "value": 1}]}}
{"session": 9, "start_us": 10, "prepexec": {"handle": 8, "declare": "@a bigint", "sql": "SELECT @a", "params": [{"name": "@a", "type": "bigint", "value": 2}]}}
{"session": 9, "start_us": 20, "execute": {"handle": 8, "params": [{"name": "@a", "type": "bigint", "value": 3}]}}
{"session": 9, "start_us": 30, "unprepare": {"handle": 8}}
{"session": 9, "start_us": 40, "execute": {"handle": 99, "params": []}}
"#;
    let f = fake();
    let out = replay(&[file(&dir, "p.jsonl", text)], &TraceSettings::new(1.0), &f, None).await;
    let log: Vec<String> = f.log.lock().unwrap().iter().map(|l| format!("{:?} {}", l.1, l.2)).collect();
    assert_eq!(
        log,
        vec![
            "Some(\"crm\") SET DATEFORMAT dmy; SET QUOTED_IDENTIFIER OFF",
            "Some(\"crm\") prepare @P1 int | SELECT @P1 | None",
            "Some(\"crm\") execute 1002 [Int(1)]",
            "Some(\"crm\") prepare @a bigint | SELECT @a | Some([BigInt(2)])",
            "Some(\"crm\") execute 1004 [BigInt(3)]",
            "Some(\"crm\") unprepare 1004",
        ],
        "{log:#?}"
    );
    let t = out.run.totals();
    assert_eq!((t.captured, t.ok, t.skipped), (5, 4, 1), "the state line is not an event");
    assert_eq!(t.skipped_by_reason["unknown_handle"], 1);
    assert_eq!(out.state_not_restored, 0);
    let texts: Vec<&str> = out.tags.iter().map(|t| t.text.as_str()).collect();
    assert!(texts.contains(&"SELECT @a") && texts.contains(&"sp_unprepare: SELECT @a"), "{texts:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}
