//! `cutover capture`: record what the application really runs on the source, as a trace for
//! `cutover replay --trace` (Extended Events) or as a workload file (Query Store).

use super::Outcome;
use super::server_arg::resolve_server;
use anyhow::Context;
use cutover_common::duration::parse as parse_duration;
use cutover_mssql::ServerSpec;
use cutover_workloads::capture::query_store::{read_recent, workload_toml};
use cutover_workloads::capture::writer::Rotation;
use cutover_workloads::capture::{
    CaptureFailure, CaptureOptions, CaptureSummary, Cleanup, Filters, Stopped, TargetLocation, capture,
};
use cutover_workloads::units::parse_size;
use std::path::PathBuf;
use std::time::Duration;

/// Capture a workload from a server: Extended Events into a trace, or Query Store into a workload.
///
/// With Extended Events, an event session (sql_batch_completed, rpc_completed) is created and
/// started, read once per --poll with sys.fn_xe_file_target_read_file, and each event is written
/// as it arrives into the folder --out (JSON Lines, docs/trace-format.md: part-000001.jsonl,
/// part-000002.jsonl, … a new part at --max-file-size or every --rotate-every, zstd-compressed
/// with --compress zstd): RPC parameters keep their SQL types, prepared handles are resolved.
/// The session is stopped and dropped when the capture
/// ends — after --duration, on Ctrl-C or after an error; if that fails, the T-SQL to remove it
/// is printed. The capture's own connections are never captured. On Managed Instance, event
/// files go to Azure Blob Storage: give --blob-url and create the credential first
/// (docs/capture.md). Needs ALTER ANY EVENT SESSION and VIEW SERVER STATE.
///
/// --from-query-store builds a workload file (docs/workload-format.md) from Query Store's
/// queries, compiled parameter values and execution rates, where tracing is not allowed.
///
/// Examples:
///   cutover capture --server src --duration 30m --out captures/src --database shop
///   cutover capture --server src --duration 24h --out captures/day1 --compress zstd \
///     --max-file-size 1GB --rotate-every 1h
///   cutover capture --server mi --blob-url https://acct.blob.core.windows.net/xe --duration 1h \
///     --out captures/mi --app orders-api --min-duration 1ms
///   cutover capture --server src --from-query-store --since 7d --database shop --out shop.toml
///   cutover replay --server tgt --trace captures/src --out runs/tgt
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct CaptureArgs {
    /// A connection string (ADO.NET or JDBC) or a server name from cutover.toml.
    #[arg(long, value_name = "CONN")]
    server: ServerSpec,

    /// The capture's folder (Extended Events; it must not hold a capture already), or the
    /// workload file to write (--from-query-store).
    #[arg(long, value_name = "DIR|FILE")]
    out: PathBuf,

    /// Start a new file when the current one reaches this size on disk (500MB, 1GB).
    #[arg(long, value_name = "SIZE", default_value = "1GB", conflicts_with = "from_query_store")]
    max_file_size: String,

    /// Also start a new file this often (1h, 15m).
    #[arg(long, value_name = "DURATION", conflicts_with = "from_query_store")]
    rotate_every: Option<String>,

    /// Compress the files: none or zstd (.jsonl.zst, read by zstdcat and by cutover replay).
    #[arg(long, value_name = "KIND", default_value = "none", conflicts_with = "from_query_store")]
    compress: String,

    /// How long to capture (30s, 30m, 2h).
    #[arg(long, value_name = "DURATION", default_value = "30m", conflicts_with = "from_query_store")]
    duration: String,

    /// Only these databases (repeatable; with --from-query-store, the database to read).
    #[arg(long, value_name = "NAME")]
    database: Vec<String>,

    /// Only these client application names (repeatable).
    #[arg(long, value_name = "NAME")]
    app: Vec<String>,

    /// Only these logins (repeatable).
    #[arg(long, value_name = "NAME")]
    login: Vec<String>,

    /// Only batches and RPCs that ran at least this long (e.g. 1ms).
    #[arg(long, value_name = "DURATION")]
    min_duration: Option<String>,

    /// How often to read the event files (one read query each time).
    #[arg(long, value_name = "DURATION", default_value = "1s")]
    poll: String,

    /// SQL Server: the server-side directory for the event files (default: the instance's LOG
    /// directory).
    #[arg(long, value_name = "DIR", conflicts_with = "blob_url")]
    xe_path: Option<String>,

    /// Managed Instance: the blob container URL for the event files
    /// (https://<account>.blob.core.windows.net/<container>), with a credential named for it.
    #[arg(long, value_name = "URL")]
    blob_url: Option<String>,

    /// Build a workload from Query Store instead of tracing.
    #[arg(long)]
    from_query_store: bool,

    /// Query Store: the window to read (7d, 12h).
    #[arg(long, value_name = "DURATION", default_value = "7d", requires = "from_query_store")]
    since: String,

    /// Query Store: leave out queries run fewer times than this in the window (one-off setup).
    #[arg(long, value_name = "N", default_value_t = 1, requires = "from_query_store")]
    min_executions: u64,

    /// The cutover.toml to read server names from (default: ./cutover.toml if present).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

pub async fn run(args: CaptureArgs) -> anyhow::Result<Outcome> {
    // Listen for Ctrl-C before anything touches the server.
    let interrupted = super::interrupt::ctrl_c()?;
    if args.from_query_store {
        return from_query_store(args).await;
    }
    let duration = flag_duration("--duration", &args.duration)?;
    let poll = flag_duration("--poll", &args.poll)?;
    if poll.is_zero() {
        anyhow::bail!("--poll must be above 0 (e.g. 1s)");
    }
    let min_duration_us = match &args.min_duration {
        Some(d) => flag_duration("--min-duration", d)?.as_micros() as u64,
        None => 0,
    };
    let location = match (&args.xe_path, &args.blob_url) {
        (_, Some(url)) => {
            if !url.to_ascii_lowercase().starts_with("https://") {
                anyhow::bail!(
                    "--blob-url {url}: give the container URL, https://<account>.blob.core.windows.net/<container>"
                );
            }
            Some(TargetLocation::Blob(url.clone()))
        }
        (Some(dir), None) => Some(TargetLocation::ServerPath(dir.clone())),
        (None, None) => None,
    };
    let options = CaptureOptions {
        target: resolve_server(&args.server, args.config.as_deref())?,
        out: args.out.clone(),
        rotation: rotation(&args)?,
        duration,
        poll,
        filters: Filters {
            databases: args.database.clone(),
            apps: args.app.clone(),
            logins: args.login.clone(),
            min_duration_us,
            own_session: None,
        },
        location,
        now_unix: chrono_now_unix(),
    };
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        interrupted.await;
        eprintln!("stopping: reading what is left, then stopping and dropping the event session");
        let _ = stop_tx.send(true);
    });
    eprintln!("capturing from {} for {} into {}", options.target, args.duration, args.out.display());
    match capture(&options, stop_rx).await {
        Ok(summary) => {
            print_summary(&summary, &args.out);
            cleanup_verdict(&summary)?;
            Ok(Outcome::Pass)
        }
        Err(CaptureFailure { error, summary }) => {
            if let Some(s) = &summary {
                print_summary(s, &args.out);
                if let Err(e) = cleanup_verdict(s) {
                    eprintln!("{e}");
                }
            }
            Err(anyhow::Error::new(error).context("the capture did not complete"))
        }
    }
}

fn print_summary(s: &CaptureSummary, out: &std::path::Path) {
    let why = match s.stopped {
        Stopped::Duration => "duration reached",
        Stopped::Interrupted => "interrupted",
    };
    println!(
        "captured {} events ({} filtered out, {} not captured) in {:.1} s with {} reads ({why}); event session {}",
        s.events_written,
        s.events_filtered,
        s.reports_total,
        s.elapsed.as_secs_f64(),
        s.polls,
        s.session
    );
    for r in &s.reports {
        eprintln!("not captured: {r}");
    }
    println!(
        "capture: {} ({} file{}, {})",
        out.display(),
        s.files.len(),
        if s.files.len() == 1 { "" } else { "s" },
        cutover_common::units::show(s.bytes_on_disk as f64, "bytes")
    );
}

/// `--max-file-size`, `--rotate-every`, `--compress`; `--out` must be a folder.
fn rotation(args: &CaptureArgs) -> anyhow::Result<Rotation> {
    let name = args.out.to_string_lossy();
    if name.ends_with(".jsonl") || name.ends_with(".zst") {
        anyhow::bail!(
            "--out {name}: a capture is a folder of files now (it rotates at --max-file-size); give a folder, \
             e.g. --out {}",
            name.trim_end_matches(".zst").trim_end_matches(".jsonl")
        );
    }
    let max_bytes = parse_size(&args.max_file_size).map_err(|m| anyhow::anyhow!("--max-file-size {m}"))?;
    let max_age = match &args.rotate_every {
        Some(d) => Some(flag_duration("--rotate-every", d)?).filter(|d| !d.is_zero()),
        None => None,
    };
    let compress = match args.compress.as_str() {
        "none" => false,
        "zstd" => true,
        other => anyhow::bail!("--compress {other}: use none or zstd"),
    };
    Ok(Rotation { max_bytes, max_age, compress })
}

/// Loud when the event session could not be removed.
fn cleanup_verdict(s: &CaptureSummary) -> anyhow::Result<()> {
    match &s.cleanup {
        Cleanup::Done => {
            eprintln!("event session {} stopped and dropped", s.session);
            Ok(())
        }
        Cleanup::Failed { sql, error } => Err(anyhow::anyhow!(
            "\n!!! the event session {} could NOT be removed from the server ({error}).\n\
             !!! It may still be running and writing event files. Run this T-SQL on the server now:\n\n{sql}\n",
            s.session
        )),
    }
}

async fn from_query_store(args: CaptureArgs) -> anyhow::Result<Outcome> {
    let since = flag_duration("--since", &args.since)?;
    let target = resolve_server(&args.server, args.config.as_deref())?;
    let mut conn =
        cutover_mssql::connect(&target).await.with_context(|| format!("cannot connect to {target}"))?;
    let database = args.database.first().cloned();
    if let Some(db) = &database {
        conn.execute(&cutover_workloads::capture::query_store::use_database_sql(db), &[])
            .await
            .with_context(|| format!("--database {db}: cannot use it"))?;
    }
    let mut queries = read_recent(&mut conn, since).await?;
    queries.retain(|q| q.executions >= args.min_executions);
    if queries.is_empty() {
        anyhow::bail!(
            "Query Store of {} has no executions in the last {}: check that Query Store is on for the database \
             (ALTER DATABASE … SET QUERY_STORE = ON) and widen --since",
            database.as_deref().unwrap_or("the login's default database"),
            args.since
        );
    }
    let name =
        args.out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "captured".into());
    let toml = workload_toml(&name, database.as_deref(), &queries);
    if let Some(dir) = args.out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    std::fs::write(&args.out, toml).with_context(|| format!("cannot write {}", args.out.display()))?;
    let total: u64 = queries.iter().map(|q| q.executions).sum();
    println!("workload of {} queries ({total} executions) written to {}", queries.len(), args.out.display());
    Ok(Outcome::Pass)
}

/// A duration flag: 500ms, 30s, 10m, 1h, 7d (the workspace's one grammar).
fn flag_duration(flag: &str, text: &str) -> anyhow::Result<Duration> {
    parse_duration(text).map_err(|m| anyhow::anyhow!("{flag} {m}"))
}

/// Names the event session; the only wall-clock read, at the top.
fn chrono_now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
