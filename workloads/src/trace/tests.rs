//! Trace parsing, and replay order and schedule with a fake executor on tokio's paused clock.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::ProgressBar;
use tokio::sync::watch;

use super::engine::{TraceSettings, parse_map, run_trace};
use super::*;
use crate::clock::{Clock, TokioClock};
use crate::executor::{Connector, ExecError, Executor, Job};
use crate::report::{Reporter, RunResult};
use crate::units::Shard;

const MS: Duration = Duration::from_millis(1);

/// What the fake server saw: (worker, database, sql, send time).
type Log = Arc<Mutex<Vec<(usize, Option<String>, String, Duration)>>>;

#[derive(Clone)]
struct Fake {
    clock: TokioClock,
    worker: usize,
    log: Log,
    logins: Arc<Mutex<Vec<Option<String>>>>,
}

impl Executor for Fake {
    async fn execute<'a>(&'a mut self, job: Job<'a>) -> Result<(), ExecError> {
        let now = self.clock.now();
        let sql = job.statements[0].sql.clone();
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
        self.logins.lock().unwrap().push(login.map(String::from));
        self.open(worker).await
    }
}

fn fake() -> Fake {
    Fake { clock: TokioClock::start(), worker: 0, log: Arc::default(), logins: Arc::default() }
}

async fn replay(trace: Trace, settings: &TraceSettings, fake: &Fake, out: Option<&Path>) -> RunResult {
    let clock = fake.clock;
    let reporter =
        Reporter::new(Duration::from_secs(1), out, ProgressBar::hidden(), std::time::SystemTime::now())
            .unwrap();
    let (tx, rx) = watch::channel(false);
    let result = run_trace(Arc::new(trace), settings, fake, move || clock, rx, reporter).await.unwrap();
    drop(tx);
    result
}

/// Two sessions; session 7's events are out of start order in the file.
const TRACE: &str = r#"
{"session": 7, "database": "shop", "login": "app", "start_us": 1000000, "batch": "SELECT 'a2'"}
{"session": 7, "database": "shop", "start_us": 0, "batch": "SELECT 'a1'", "duration_us": 150, "cpu_us": 90, "reads": 3}
{"session": "x", "database": "crm", "start_us": 500000, "rpc": {"sql": "SELECT name FROM c WHERE id = @id AND d = @day", "params": [{"name": "@day", "type": "date", "value": "2024-01-31"}, {"name": "@id", "type": "int", "value": 42}]}}

{"session": 7, "database": "shop", "start_us": 3000000, "batch": "SELECT 'a3'"}
{"session": "x", "database": "crm", "start_us": 600000, "batch": "SELECT   'b2'\n"}
"#;

#[test]
fn parses_sessions_in_start_order_with_typed_rpc_parameters() {
    let t = Trace::parse("t.jsonl", TRACE).unwrap();
    assert_eq!(t.len(), 5);
    assert_eq!(t.sessions.len(), 2);
    let s7: Vec<_> = t.sessions[0].events.iter().map(|e| (e.line, e.statement.sql.as_str())).collect();
    assert_eq!(s7, vec![(3, "SELECT 'a1'"), (2, "SELECT 'a2'"), (6, "SELECT 'a3'")]);
    assert_eq!(t.sessions[0].login.as_deref(), Some("app"));
    assert_eq!(
        t.sessions[0].events[0].captured,
        Captured { duration_us: Some(150), cpu_us: Some(90), reads: Some(3) }
    );
    let rpc = &t.sessions[1].events[0];
    assert_eq!(rpc.kind, CallKind::Rpc);
    assert_eq!(rpc.statement.sql, "SELECT name FROM c WHERE id = @P1 AND d = @P2");
    assert_eq!(rpc.statement.args, vec![1, 0], "@P1 is @id (the second parameter given)");
    assert_eq!(rpc.values[1], ParamValue::Int(42));
    assert_eq!(t.texts[4], "SELECT 'b2'", "whitespace is normalised in the tag text");
    assert_eq!(t.origin(), Duration::ZERO);
    assert!(t.writing_tags().is_empty());
}

#[test]
fn malformed_events_fail_with_file_and_line() {
    let err = |text: &str| Trace::parse("cap.jsonl", text).unwrap_err().to_string();
    let ok = r#"{"session": 1, "start_us": 0, "batch": "SELECT 1"}"#;
    let e = err(&format!("{ok}\n{ok}\n{{\"session\": 1, \"start_us\": \"soon\", \"batch\": \"x\"}}\n"));
    assert!(e.starts_with("cap.jsonl:3:"), "{e}");
    let e = err(&format!("{ok}\n{{\"session\": 1, \"start_us\": 0}}\n"));
    assert!(e.starts_with("cap.jsonl:2:") && e.contains("exactly one of `batch`"), "{e}");
    let e = err(
        r#"{"session": 1, "start_us": 0, "rpc": {"sql": "SELECT @a", "params": [{"name": "@a", "type": "geography", "value": 1}]}}"#,
    );
    assert!(
        e.starts_with("cap.jsonl:1:") && e.contains("rpc.params[0] a") && e.contains("unknown type"),
        "{e}"
    );
    let e = err(r#"{"session": 1, "start_us": 0, "rpc": {"sql": "SELECT @b", "params": []}}"#);
    assert!(e.contains("rpc.sql") && e.contains("@b"), "{e}");
    let e = err(r#"{"session": 1, "start_us": 0, "batch": "SELECT 1", "sesion": 2}"#);
    assert!(e.contains("sesion"), "unknown fields are named: {e}");
    assert!(err("\n\n").contains("no events"));
}

#[test]
fn writes_are_detected_and_maps_parse() {
    let t =
        Trace::parse("w.jsonl", r#"{"session": 1, "start_us": 0, "batch": "UPDATE t SET a = 1"}"#).unwrap();
    assert_eq!(t.writing_tags(), vec!["q1"]);
    let m = parse_map(&["shop=shop_copy".into(), " crm = crm2 ".into()]).unwrap();
    assert_eq!(m["shop"], "shop_copy");
    assert_eq!(m["crm"], "crm2");
    assert!(parse_map(&["shop".into()]).unwrap_err().contains("source=target"));
}

/// Each session sends its events in captured (start) order, each at its captured offset divided
/// by the speed factor, exactly (virtual clock); databases and logins are mapped.
#[tokio::test(start_paused = true)]
async fn sessions_keep_captured_order_at_the_speed_factor() {
    let f = fake();
    let mut settings = TraceSettings::new(2.0);
    settings.databases = parse_map(&["shop=shop_copy".into()]).unwrap();
    settings.logins = parse_map(&["app=app_tgt".into()]).unwrap();
    let result = replay(Trace::parse("t.jsonl", TRACE).unwrap(), &settings, &f, None).await;
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
    assert_eq!(*f.logins.lock().unwrap(), vec![Some("app_tgt".to_string()), None]);
    let totals = result.totals();
    assert_eq!(totals.ok, 5);
    assert_eq!((result.on_time, result.started), (5, 5), "every event on schedule");
    assert_eq!(result.elapsed, Duration::from_millis(1501));
    assert_eq!(result.tags, vec!["q1", "q2", "q3", "q4", "q5"]);
}

/// At speed 0.5 a session whose server is slower than the gaps falls behind: it never pauses
/// to catch up in step, and its response time counts from the schedule.
#[tokio::test(start_paused = true)]
async fn a_late_session_sends_at_once_and_counts_from_the_schedule() {
    let text = (0..10)
        .map(|i| format!(r#"{{"session": 1, "start_us": {}, "batch": "SELECT {i}"}}"#, i * 200))
        .collect::<Vec<_>>()
        .join("\n");
    let f = fake();
    let result = replay(Trace::parse("t.jsonl", &text).unwrap(), &TraceSettings::new(0.5), &f, None).await;
    // Due every 400 µs, served in 1 ms each: the k-th event is sent at k ms.
    let sends: Vec<Duration> = f.log.lock().unwrap().iter().map(|l| l.3).collect();
    assert_eq!(sends, (0..10).map(|k| k * MS).collect::<Vec<_>>());
    assert_eq!(result.totals().ok, 10);
    let mut response = crate::recorder::histogram();
    for h in &result.totals {
        response.add(&h.response).unwrap();
    }
    // Last event: due at 3.6 ms, done at 10 ms.
    assert_eq!(response.max(), response.highest_equivalent(6_400));
}

#[tokio::test(start_paused = true)]
async fn shards_split_sessions_and_add_up() {
    let text = (0..9)
        .map(|i| {
            format!(r#"{{"session": {}, "start_us": {}, "batch": "SELECT {}"}}"#, i % 5, i * 1000, i % 3)
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut sum = 0;
    let mut seen = Vec::new();
    for index in 0..2 {
        let f = fake();
        let mut settings = TraceSettings::new(1.0);
        settings.shard = Shard { index, count: 2 };
        let result = replay(Trace::parse("t.jsonl", &text).unwrap(), &settings, &f, None).await;
        sum += result.totals().ok;
        seen.extend(f.log.lock().unwrap().iter().map(|l| (l.2.clone(), l.3)));
    }
    assert_eq!(sum, 9);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 9, "disjoint shards cover every event once");
}

#[tokio::test(start_paused = true)]
async fn an_error_names_the_captured_event() {
    let dir = std::env::temp_dir().join(format!("cutover-trace-unit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = "{\"session\": 1, \"start_us\": 0, \"batch\": \"SELECT 1\"}\n\
                {\"session\": 1, \"start_us\": 10, \"batch\": \"SELECT * FROM missing\"}\n";
    let f = fake();
    let result =
        replay(Trace::parse("cap.jsonl", text).unwrap(), &TraceSettings::new(1.0), &f, Some(&dir)).await;
    assert_eq!(result.totals().errors, 1);
    assert_eq!(result.counts[1].errors_by_number["208"], 1);
    let errors = std::fs::read_to_string(dir.join(crate::report::ERRORS)).unwrap();
    let event: serde_json::Value = serde_json::from_str(errors.lines().next().unwrap()).unwrap();
    assert_eq!(event["unit"], "cap.jsonl:2");
    assert_eq!(event["tag"], "q2");
    let _ = std::fs::remove_dir_all(&dir);
}
