//! `cutover replay`: drive a workload against a server and record honest latency.

use super::Outcome;
use super::output::{self, Format, FormatArgs};
use super::server_arg::resolve_server;
use cutover_common::duration::parse as parse_duration;
use cutover_mssql::ServerSpec;
use cutover_workloads::run::{Overrides, ReplayOptions, check_writes, replay};
use cutover_workloads::trace::data_point::{DataPoint, capture_began, read as read_data_points, utc};
use cutover_workloads::trace::engine::{TraceSettings, parse_map};
use cutover_workloads::trace::replay::{TraceRun, check_writes as check_trace_writes, replay_trace};
use cutover_workloads::trace::{ReadOptions, Source, precheck};
use cutover_workloads::units::Shard;
use std::io::IsTerminal;
use std::path::PathBuf;

/// Replay a workload against a server at a set rate (open loop) or concurrency (closed loop).
///
/// Response time is measured from each unit's intended start and service time from the actual
/// send, into per-template HdrHistograms, with a schedule-lag histogram. The output directory
/// gets run.json, summary.json, latency.hlog (HdrHistogram interval log) and errors.jsonl
/// (docs/replay-output.md). Ctrl-C stops the run and still writes everything. A workload that
/// writes is refused unless --allow-writes is given. --workload takes a file
/// (docs/workload-format.md) or a bundled workload name (orders, reporting).
///
/// --trace replays a capture instead (JSON Lines, docs/trace-format.md): a file, several, a
/// folder or a glob, plain or zstd-compressed, read as a stream (memory does not grow with the
/// capture). One connection per captured session, its events in captured order, each due at
/// its captured offset divided by --speed, with --map-database and --map-login renaming what
/// was captured. Without --allow-writes the whole capture is first read once to prove it does
/// not write (progress shown); with it (or --no-precheck) the replay starts at once and each
/// event is checked just before it is sent. summary.json reconciles the replay with the
/// capture per statement and per captured session.
///
/// Examples:
///   cutover replay --server tgt --workload workloads/orders.toml --rate 500/s --duration 10m \
///     --allow-writes --out runs/tgt
///   cutover replay --server tgt --workload reporting --concurrency 16 --out runs/rep \
///     --listen 127.0.0.1:9400
///   cutover replay --server tgt --workload orders --allow-writes --shard 0/4 --out runs/a0
///   cutover replay --server tgt --trace captures/src --speed 2.0 --map-database shop=shop_mi \
///     --out runs/trace
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct ReplayArgs {
    /// A connection string (ADO.NET or JDBC) or a server name from cutover.toml.
    #[arg(long, value_name = "CONN")]
    server: ServerSpec,

    /// The workload: a .toml file, or a bundled name (orders, reporting).
    #[arg(long, value_name = "FILE|NAME", required_unless_present = "trace")]
    workload: Option<String>,

    /// Replay a capture instead of a workload: its folder, files or a glob (*.jsonl,
    /// *.jsonl.zst; docs/trace-format.md).
    #[arg(
        long,
        value_name = "PATH",
        num_args = 1..,
        conflicts_with_all = ["workload", "rate", "concurrency", "connections", "arrival", "duration",
            "count", "warmup", "think_time", "seed", "database"]
    )]
    trace: Vec<PathBuf>,

    /// Trace: read the whole capture once before sending anything (counts, writes, invalid
    /// lines), even with --allow-writes.
    #[arg(long, requires = "trace", conflicts_with = "no_precheck")]
    precheck: bool,

    /// Trace: start at once without the first pass; events that may write are then skipped
    /// (and counted) unless --allow-writes, and invalid lines are skipped and counted.
    #[arg(long, requires = "trace")]
    no_precheck: bool,

    /// Trace: events that started up to this much before events already read still replay in
    /// start order (Extended Events writes events when they complete).
    #[arg(long, value_name = "DURATION", default_value = "10s", requires = "trace")]
    reorder_window: String,

    /// Trace: speed factor against the captured schedule (2.0 = twice as fast).
    #[arg(long, value_name = "FACTOR", default_value_t = 1.0, requires = "trace")]
    speed: f64,

    /// Trace: run events captured in database SRC in TGT instead (repeatable).
    #[arg(long, value_name = "SRC=TGT", requires = "trace")]
    map_database: Vec<String>,

    /// Trace: open sessions captured under login SRC as login TGT, with the target's password
    /// (repeatable).
    #[arg(long, value_name = "SRC=TGT", requires = "trace")]
    map_login: Vec<String>,

    /// Trace: per-event timeout (30s).
    #[arg(long, value_name = "DURATION", requires = "trace")]
    timeout: Option<String>,

    /// Where to write run.json, summary.json, latency.hlog and errors.jsonl.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,

    /// Open loop at this rate (500/s, 30000/m); overrides the file.
    #[arg(long, value_name = "RATE", conflicts_with = "concurrency")]
    rate: Option<String>,

    /// Closed loop with N workers; overrides the file.
    #[arg(long, value_name = "N")]
    concurrency: Option<usize>,

    /// Open loop: connections serving the arrivals.
    #[arg(long, value_name = "N")]
    connections: Option<usize>,

    /// Open loop: fixed or poisson arrivals.
    #[arg(long, value_name = "KIND")]
    arrival: Option<String>,

    /// Stop after this long (30s, 10m).
    #[arg(long, value_name = "DURATION", conflicts_with = "count")]
    duration: Option<String>,

    /// Stop after this many units (warm-up included).
    #[arg(long, value_name = "N")]
    count: Option<u64>,

    /// Run but do not record units scheduled in this first stretch.
    #[arg(long, value_name = "DURATION")]
    warmup: Option<String>,

    /// Closed loop: pause between a reply and the next unit.
    #[arg(long, value_name = "DURATION")]
    think_time: Option<String>,

    /// Open loop: skip (and count) units that could only start this late behind schedule.
    #[arg(long, value_name = "DURATION")]
    max_lag: Option<String>,

    /// Seed for the template mix, parameters and arrivals.
    #[arg(long)]
    seed: Option<u64>,

    /// USE this database on every connection.
    #[arg(long, value_name = "NAME")]
    database: Option<String>,

    /// This agent's share of a load driven from N machines: i/N (0-based).
    #[arg(long, value_name = "i/N", default_value = "0/1")]
    shard: String,

    /// Allow a workload that writes (only against a disposable copy, never a production source).
    #[arg(long)]
    allow_writes: bool,

    /// Interval of the histogram log.
    #[arg(long, value_name = "DURATION", default_value = "1s")]
    interval: String,

    /// Serve live Prometheus metrics at http://ADDR/metrics during the run (throughput, errors,
    /// latency and lag per template; names in docs/replay-output.md).
    #[arg(long, value_name = "ADDR")]
    listen: Option<std::net::SocketAddr>,

    #[command(flatten)]
    output: FormatArgs,

    /// The cutover.toml to read server names from (default: ./cutover.toml if present).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

pub async fn run(args: ReplayArgs) -> anyhow::Result<Outcome> {
    args.output.for_command("replay", &[Format::Terminal, Format::Json])?;
    if !args.trace.is_empty() {
        return run_trace(args).await;
    }
    let Some(name) = args.workload.as_deref() else {
        anyhow::bail!("give --workload FILE|NAME or --trace PATH");
    };
    let mut workload = cutover_workloads::bundled::load(name)?;
    let overrides = Overrides {
        rate: args.rate,
        concurrency: args.concurrency,
        connections: args.connections,
        arrival: args.arrival,
        duration: args.duration,
        count: args.count,
        warmup: args.warmup,
        think_time: args.think_time,
        max_lag: args.max_lag,
        seed: args.seed,
        database: args.database,
    };
    overrides.apply(&mut workload)?;
    check_writes(&workload, args.allow_writes)?;
    let shard = Shard::parse(&args.shard).map_err(|m| anyhow::anyhow!("--shard {m}"))?;
    let interval = parse_duration(&args.interval).map_err(|m| anyhow::anyhow!("--interval {m}"))?;
    let target = resolve_server(&args.server, args.config.as_deref())?;
    let options = ReplayOptions {
        target,
        out: args.out.clone(),
        shard,
        interval,
        progress: std::io::stderr().is_terminal(),
        listen: args.listen,
    };
    let summary = replay(&workload, &options, ctrl_c()).await?;
    print_summary(&summary, &args.output, &args.out)
}

/// `--trace`: replay a capture.
async fn run_trace(args: ReplayArgs) -> anyhow::Result<Outcome> {
    if !(args.speed.is_finite() && args.speed > 0.0) {
        anyhow::bail!("--speed {}: must be a number above 0 (0.5 = half speed, 2 = double)", args.speed);
    }
    let source = std::sync::Arc::new(Source::open(&args.trace)?);
    for w in &source.warnings {
        eprintln!("warning: {w}");
    }
    let mut settings = TraceSettings::new(args.speed);
    settings.databases = parse_map(&args.map_database).map_err(|m| anyhow::anyhow!("--map-database {m}"))?;
    settings.logins = parse_map(&args.map_login).map_err(|m| anyhow::anyhow!("--map-login {m}"))?;
    settings.shard = Shard::parse(&args.shard).map_err(|m| anyhow::anyhow!("--shard {m}"))?;
    if let Some(t) = &args.timeout {
        settings.timeout = Some(parse_duration(t).map_err(|m| anyhow::anyhow!("--timeout {m}"))?);
    }
    if let Some(m) = &args.max_lag {
        settings.max_lag = Some(parse_duration(m).map_err(|m| anyhow::anyhow!("--max-lag {m}"))?);
    }
    let read = ReadOptions {
        window: parse_duration(&args.reorder_window).map_err(|m| anyhow::anyhow!("--reorder-window {m}"))?,
        shard: settings.shard,
        refuse_writes: !args.allow_writes,
        ..ReadOptions::default()
    };
    let interval = parse_duration(&args.interval).map_err(|m| anyhow::anyhow!("--interval {m}"))?;
    let target = resolve_server(&args.server, args.config.as_deref())?;
    let show = std::io::stderr().is_terminal();
    let inventory = if args.precheck || !(args.no_precheck || args.allow_writes) {
        Some(first_pass(&source, &read, args.allow_writes, show)?)
    } else {
        None
    };
    let (data_points, data_warnings) = if args.allow_writes {
        data_points(&target, &source, inventory.as_ref(), &settings).await?
    } else {
        (Vec::new(), Vec::new())
    };
    let options = ReplayOptions {
        target,
        out: args.out.clone(),
        shard: settings.shard,
        interval,
        progress: show,
        listen: args.listen,
    };
    let run = TraceRun { source, inventory, settings, read, data_points, data_warnings };
    let summary = replay_trace(run, &options, ctrl_c()).await?;
    print_summary(&summary, &args.output, &args.out)
}

/// Before a replay that may write: what the target databases' data is as of, against when the
/// capture began; prints each and warns naming both times. The databases are those the first
/// pass saw (mapped), else the mapped targets and the connection's database.
async fn data_points(
    target: &cutover_mssql::ServerTarget,
    source: &Source,
    inventory: Option<&cutover_workloads::trace::Inventory>,
    settings: &TraceSettings,
) -> anyhow::Result<(Vec<DataPoint>, Vec<String>)> {
    let mut databases: Vec<String> = match inventory {
        Some(inv) => inv.databases.iter().map(|d| settings.database(d).to_string()).collect(),
        None => settings.databases.values().cloned().collect(),
    };
    databases.extend(target.database.clone());
    databases.sort();
    databases.dedup();
    if databases.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let Some(began) = capture_began(source.started_at.as_deref(), inventory.and_then(|i| i.origin_us)) else {
        let note = "the capture's start is unknown (no header, and its start_us is not a time): the target \
                    databases' restore points were not compared with it"
            .to_string();
        eprintln!("note: {note}");
        return Ok((Vec::new(), vec![note]));
    };
    let points = read_data_points(target, &databases).await?;
    let now = utc(std::time::SystemTime::now());
    let mut warnings = Vec::new();
    for p in &points {
        eprintln!("data point: {}", p.describe());
        if let Some(why) = &p.unreadable {
            eprintln!("note: {}: {why}", p.database);
        }
        if let Some(w) = p.warning(began, now) {
            eprintln!("warning: {w}");
            warnings.push(w);
        }
    }
    Ok((points, warnings))
}

/// Reads the whole capture once (progress on stderr): refuses invalid lines and, without
/// --allow-writes, statements that may write, before anything is sent.
fn first_pass(
    source: &std::sync::Arc<Source>,
    read: &ReadOptions,
    allow_writes: bool,
    show: bool,
) -> anyhow::Result<cutover_workloads::trace::Inventory> {
    eprintln!(
        "checking {} ({}) before sending anything",
        source.describe(),
        cutover_common::units::show(source.bytes as f64, "bytes")
    );
    let bar = if show { indicatif::ProgressBar::new(source.bytes) } else { indicatif::ProgressBar::hidden() };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} {elapsed_precise} [{bar:30}] {bytes}/{total_bytes} ({msg})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> "),
    );
    let started = std::time::Instant::now();
    let inv = precheck(source.clone(), read, &bar);
    eprintln!(
        "checked {} events in {} sessions ({} in this shard) in {:.1} s",
        inv.events_all,
        inv.sessions_all,
        inv.events,
        started.elapsed().as_secs_f64()
    );
    if let Some(e) = inv.first_invalid(source) {
        return Err(e.into());
    }
    check_trace_writes(source, &inv, allow_writes)?;
    Ok(inv)
}

/// A stop signal that turns true on the first Ctrl-C; a second one exits at once.
fn ctrl_c() -> tokio::sync::watch::Receiver<bool> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let mut interrupts = Interrupts::new();
    tokio::spawn(async move {
        if interrupts.next().await {
            eprintln!("stopping: finishing in-flight work, then writing the results (Ctrl-C again to abort)");
            let _ = stop_tx.send(true);
            if interrupts.next().await {
                std::process::exit(130);
            }
        }
    });
    stop_rx
}

/// Ctrl-C, listened for from the moment this is created (on Unix), so a Ctrl-C that comes
/// before the listening task first runs still stops the replay cleanly instead of killing it.
struct Interrupts {
    #[cfg(unix)]
    unix: Option<tokio::signal::unix::Signal>,
}

impl Interrupts {
    fn new() -> Self {
        Interrupts {
            #[cfg(unix)]
            unix: tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt()).ok(),
        }
    }

    /// Waits for the next Ctrl-C; false when signals cannot be received.
    async fn next(&mut self) -> bool {
        #[cfg(unix)]
        if let Some(signal) = &mut self.unix {
            return signal.recv().await.is_some();
        }
        tokio::signal::ctrl_c().await.is_ok()
    }
}

fn print_summary(
    summary: &cutover_workloads::output::Summary,
    format: &FormatArgs,
    out: &std::path::Path,
) -> anyhow::Result<Outcome> {
    output::print(&match format.get() {
        Format::Json => output::json(summary)?,
        _ => render(summary),
    });
    eprintln!("results: {}", out.display());
    Ok(Outcome::Pass)
}

/// A terminal table: one line per template, milliseconds (a trace replay: its reconciliation).
fn render(s: &cutover_workloads::output::Summary) -> String {
    if let Some(r) = &s.reconciliation {
        return render_trace(s, r);
    }
    let ms = |us: u64| format!("{:.2}", us as f64 / 1000.0);
    let mut out = format!(
        "{:<24} {:>8} {:>7} {:>6} {:>10} {:>10} {:>10} {:>10}\n",
        "template", "ok", "errors", "late", "resp p50", "resp p99", "svc p50", "svc p99"
    );
    for t in &s.templates {
        out.push_str(&format!(
            "{:<24} {:>8} {:>7} {:>6} {:>10} {:>10} {:>10} {:>10}\n",
            t.name,
            t.counts.ok,
            t.counts.errors,
            t.counts.late,
            ms(t.response_us.p50),
            ms(t.response_us.p99),
            ms(t.service_us.p50),
            ms(t.service_us.p99)
        ));
    }
    let tot = &s.totals;
    out.push_str(&format!(
        "total: {} ok, {} errors, {} late, {} skipped, {} cancelled, {} in the warm-up (not measured); \
         schedule lag p99 {} ms (times in ms)\n",
        tot.ok,
        tot.errors,
        tot.late,
        tot.skipped,
        tot.cancelled,
        tot.warmup,
        ms(s.lag_us.p99)
    ));
    out
}

/// Sessions listed one per line in the terminal (all of them are in summary.json).
const SESSIONS_SHOWN: usize = 10;

/// A trace replay on the terminal: per query and per captured session, how many were captured,
/// sent, ok, failed, skipped, late and cancelled, then the reconciliation and the first
/// failures with their captured event.
fn render_trace(
    s: &cutover_workloads::output::Summary,
    r: &cutover_workloads::output::Reconciliation,
) -> String {
    use cutover_workloads::recorder::Counts;
    let ms = |us: u64| format!("{:.2}", us as f64 / 1000.0);
    let head = |first: &str| {
        format!(
            "{first:<10} {:>9} {:>9} {:>9} {:>7} {:>7} {:>6} {:>9}",
            "captured", "sent", "ok", "failed", "skipped", "late", "cancelled"
        )
    };
    let row = |name: &str, c: &Counts| {
        format!(
            "{name:<10} {:>9} {:>9} {:>9} {:>7} {:>7} {:>6} {:>9}",
            c.captured, c.sent, c.ok, c.errors, c.skipped, c.late, c.cancelled
        )
    };
    let mut out = format!("{} {:>9} {:>9}  statement\n", head("query"), "resp p50", "resp p99");
    for t in &s.templates {
        let text: String = t.info.text.as_deref().unwrap_or("").chars().take(60).collect();
        out.push_str(&format!(
            "{} {:>9} {:>9}  {text}\n",
            row(&t.name, &t.counts),
            ms(t.response_us.p50),
            ms(t.response_us.p99)
        ));
    }
    out.push_str(&format!("\n{}  login\n", head("session")));
    // The sessions with the most failures and skips first; the rest in summary.json.
    let mut sessions: Vec<_> = s.sessions.iter().collect();
    sessions.sort_by_key(|x| std::cmp::Reverse(x.counts.errors + x.counts.skipped + x.counts.cancelled));
    for x in sessions.iter().take(SESSIONS_SHOWN) {
        out.push_str(&format!("{}  {}\n", row(&x.session, &x.counts), x.login.as_deref().unwrap_or("")));
    }
    if sessions.len() > SESSIONS_SHOWN {
        out.push_str(&format!("… {} more sessions in summary.json\n", sessions.len() - SESSIONS_SHOWN));
    }
    let t = &s.totals;
    out.push_str(&format!("\n{}; schedule lag p99 {} ms\n", r.text, ms(s.lag_us.p99)));
    let by = |m: &std::collections::BTreeMap<String, u64>| {
        m.iter().map(|(k, v)| format!("{k} × {v}")).collect::<Vec<_>>().join(", ")
    };
    if t.errors > 0 {
        out.push_str(&format!("failed by error number: {}\n", by(&t.errors_by_number)));
    }
    if t.skipped > 0 {
        out.push_str(&format!("skipped by why: {}\n", by(&t.skipped_by_reason)));
    }
    for e in r.failed_examples.iter().take(5) {
        let number = e.number.map(|n| format!("error {n}")).unwrap_or_else(|| e.kind.clone());
        out.push_str(&format!("  failed: {} ({}): {number}: {}\n", e.unit, e.tag, e.message));
    }
    for x in r.skipped_examples.iter().take(5) {
        out.push_str(&format!("  skipped: {x}\n"));
    }
    if r.state_not_restored > 0 {
        out.push_str(&format!(
            "session state not restored {} time(s), e.g. {}\n",
            r.state_not_restored,
            r.state_examples.first().map(String::as_str).unwrap_or("")
        ));
    }
    if r.not_captured > 0 {
        out.push_str(&format!(
            "the capture saw {} more events it could not write (its notes; see summary.json)\n",
            r.not_captured
        ));
    }
    out
}
