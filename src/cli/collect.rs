//! `cutover collect`: DMV baselines from one or many instances, and Prometheus `/metrics`.

use super::Outcome;
use super::server_arg::resolve_server;
use anyhow::{Context, bail};
use cutover_collector::config::CollectConfig;
use cutover_collector::run::{self, Options};
use cutover_collector::sampler::Settings;
use cutover_mssql::ServerSpec;
use cutover_mssql::config::DEFAULT_CONFIG_FILE;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Sample DMVs on one or many instances into a baseline, and optionally serve /metrics.
///
/// Every --server is sampled concurrently on one kept connection (DEADLOCK_PRIORITY LOW,
/// READ UNCOMMITTED, per-query timeouts), staggered across the interval. The baseline folder
/// holds baseline.json (identity, settings, gaps, errors, summary) and tidy Parquet series
/// (docs/baseline-format.md), flushed at least once a minute: Ctrl-C loses at most one flush.
///
/// Examples:
///   CUTOVER_PASSWORD=… cutover collect --server src --interval 15s --duration 2h --out baselines/src
///   cutover collect --server src --listen 127.0.0.1:9399          # Prometheus scrapes /metrics
///   cutover collect --server src --once                           # one sample, printed
///   cutover collect                                  # servers, intervals, out from [collect] in cutover.toml
///
/// Flags win over the [collect] section of cutover.toml, which wins over the defaults shown.
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct CollectArgs {
    /// A connection string (ADO.NET or JDBC) or a server name from cutover.toml (repeatable;
    /// default: `servers` of [collect]).
    #[arg(long = "server", value_name = "CONN")]
    servers: Vec<ServerSpec>,

    /// Sampling interval of counters, waits, IO, CPU, memory, requests (e.g. 15s, 1m) [default: 15s].
    #[arg(long, value_parser = parse_duration)]
    interval: Option<Duration>,

    /// Interval of query stats [default: 5m].
    #[arg(long, value_parser = parse_duration)]
    query_interval: Option<Duration>,

    /// Interval of the static configuration [default: 1h].
    #[arg(long, value_parser = parse_duration)]
    config_interval: Option<Duration>,

    /// Stop after this long (default: until Ctrl-C).
    #[arg(long, value_parser = parse_duration)]
    duration: Option<Duration>,

    /// The baseline folder to write (required unless --once or --listen).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,

    /// Also write the series as CSV (series.csv).
    #[arg(long)]
    csv: bool,

    /// Serve Prometheus /metrics on this address (e.g. 127.0.0.1:9399).
    #[arg(long, value_name = "ADDR")]
    listen: Option<SocketAddr>,

    /// Take one sample of every instance, print it and exit.
    #[arg(long, conflicts_with_all = ["duration", "listen"])]
    once: bool,

    /// Per-query timeout [default: 10s].
    #[arg(long, value_parser = parse_duration)]
    query_timeout: Option<Duration>,

    /// Query hashes kept per interval, by CPU and by duration [default: 20].
    #[arg(long)]
    top: Option<usize>,

    /// Longest time between flushes to disk [default: 60s].
    #[arg(long, value_parser = parse_duration)]
    flush: Option<Duration>,

    /// The cutover.toml to read server names and [collect] from (default: ./cutover.toml if present).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// The workspace's one duration grammar (`500ms`, `15s`, `2m` or `2min`, `1h`), more than zero.
fn parse_duration(s: &str) -> Result<Duration, String> {
    cutover_common::duration::parse_positive(s)
}

/// The `[collect]` section of `--config` or of `./cutover.toml` if present.
fn file_config(path: Option<&Path>) -> anyhow::Result<CollectConfig> {
    let path = match path {
        Some(p) => p,
        None if Path::new(DEFAULT_CONFIG_FILE).is_file() => Path::new(DEFAULT_CONFIG_FILE),
        None => return Ok(CollectConfig::default()),
    };
    Ok(CollectConfig::load(path)?.unwrap_or_default())
}

pub async fn run(args: CollectArgs) -> anyhow::Result<Outcome> {
    let file = file_config(args.config.as_deref())?;
    let server_args = if args.servers.is_empty() { &file.servers } else { &args.servers };
    if server_args.is_empty() {
        bail!("name at least one --server (or list `servers` under [collect] in cutover.toml)");
    }
    let out = args.out.clone().or(file.out.clone());
    let listen = args.listen.or(if args.once { None } else { file.listen });
    if out.is_none() && listen.is_none() && !args.once {
        bail!(
            "say where the baseline goes with --out DIR (or `out` under [collect]), or use --listen or --once"
        );
    }
    let mut servers = Vec::new();
    for arg in server_args {
        let target = resolve_server(arg, args.config.as_deref())?;
        let label = target.name.clone().unwrap_or_else(|| format!("{}:{}", target.host, target.port));
        if servers.iter().any(|(l, _)| l == &label) {
            bail!("--server {label} is given twice: name each instance once");
        }
        servers.push((label, target));
    }
    let defaults = Settings::default();
    let settings = Settings {
        interval: args.interval.or(file.interval).unwrap_or(defaults.interval),
        query_interval: args.query_interval.or(file.query_interval).unwrap_or(defaults.query_interval),
        config_interval: args.config_interval.or(file.config_interval).unwrap_or(defaults.config_interval),
        top_n: args.top.or(file.top).unwrap_or(defaults.top_n),
        query_timeout: args.query_timeout.or(file.query_timeout).unwrap_or(defaults.query_timeout),
        ..defaults
    };
    if args.once {
        return once(servers, settings).await;
    }
    let opts = Options {
        servers,
        settings,
        duration: args.duration.or(file.duration),
        out: out.clone(),
        csv: args.csv || file.csv.unwrap_or(false),
        listen,
        flush_every: args.flush.or(file.flush).unwrap_or(Duration::from_secs(60)),
    };
    if let Some(addr) = listen {
        eprintln!("serving Prometheus metrics on http://{addr}/metrics");
    }
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let report = run::run(opts, ctrl_c).await.context("the collector stopped")?;
    for (instance, family, message) in &report.refused {
        eprintln!("warning: {instance}: family {family} not collected: {message}");
    }
    print!("{}", cutover_collector::summary::render(&report.summary));
    if let Some(out) = &out {
        println!(
            "baseline written to {} ({} rounds, {} late, {} gaps, {} errors){}",
            out.display(),
            report.rounds,
            report.late,
            report.gaps,
            report.errors,
            if report.interrupted { "; interrupted by Ctrl-C" } else { "" }
        );
    }
    let never: Vec<String> =
        report.never_reached.iter().map(|(name, why)| format!("{name} ({why})")).collect();
    Ok(Outcome::judge(0, never.len(), || {
        format!("never reached in the whole run, so the baseline has no samples of: {}", never.join("; "))
    }))
}

async fn once(
    servers: Vec<(String, cutover_mssql::ServerTarget)>,
    settings: Settings,
) -> anyhow::Result<Outcome> {
    let rounds = run::once(servers, settings).await;
    let mut reached = 0;
    let mut text = String::new();
    for r in &rounds {
        for e in &r.errors {
            eprintln!("warning: {}: {}: {}", r.instance, e.family, e.message);
        }
        if !r.up {
            continue;
        }
        reached += 1;
        for p in &r.points {
            let labels = cutover_baseline::labels::encode(&p.labels);
            text.push_str(&format!(
                "{}\t{}\t{}\t{}\t{}\t{}\n",
                r.instance, p.family, p.metric, labels, p.value, p.unit
            ));
        }
    }
    // A closed pipe (`| head`) is not an error worth a message.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
    if reached == 0 {
        bail!("no instance could be sampled (see the warnings above)");
    }
    Ok(Outcome::Pass)
}
