//! `cutover collect`: DMV baselines from one or many instances, and Prometheus `/metrics`.

use super::Outcome;
use super::server_arg::resolve_server;
use anyhow::{Context, bail};
use cutover_collector::run::{self, Options};
use cutover_collector::sampler::Settings;
use std::net::SocketAddr;
use std::path::PathBuf;
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
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct CollectArgs {
    /// A connection string (ADO.NET or JDBC) or a server name from cutover.toml (repeatable).
    #[arg(long = "server", value_name = "CONN", required = true)]
    servers: Vec<String>,

    /// Sampling interval of counters, waits, IO, CPU, memory, requests (e.g. 15s, 1m).
    #[arg(long, default_value = "15s", value_parser = parse_duration)]
    interval: Duration,

    /// Interval of query stats.
    #[arg(long, default_value = "5m", value_parser = parse_duration)]
    query_interval: Duration,

    /// Interval of the static configuration.
    #[arg(long, default_value = "1h", value_parser = parse_duration)]
    config_interval: Duration,

    /// Stop after this long (default: until Ctrl-C).
    #[arg(long, value_parser = parse_duration)]
    duration: Option<Duration>,

    /// The baseline folder to write.
    #[arg(long, value_name = "DIR", required_unless_present_any = ["once", "listen"])]
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

    /// Per-query timeout.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    query_timeout: Duration,

    /// Query hashes kept per interval, by CPU and by duration.
    #[arg(long, default_value_t = 20)]
    top: usize,

    /// Longest time between flushes to disk.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    flush: Duration,

    /// The cutover.toml to read server names from (default: ./cutover.toml if present).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// `15s`, `500ms`, `2m`, `1h`, or plain seconds.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) =
        s.find(|c: char| !c.is_ascii_digit() && c != '.').map_or((s, "s"), |i| (&s[..i], &s[i..]));
    let n: f64 = num.parse().map_err(|_| format!("`{s}` is not a duration: use e.g. 15s, 500ms, 2m, 1h"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("`{s}`: unknown unit `{unit}` (use ms, s, m or h)")),
    };
    if !(secs.is_finite() && secs > 0.0) {
        return Err(format!("`{s}` must be more than zero"));
    }
    Ok(Duration::from_secs_f64(secs))
}

pub async fn run(args: CollectArgs) -> anyhow::Result<Outcome> {
    let mut servers = Vec::new();
    for arg in &args.servers {
        let target = resolve_server(arg, args.config.as_deref())?;
        let label = target.name.clone().unwrap_or_else(|| format!("{}:{}", target.host, target.port));
        if servers.iter().any(|(l, _)| l == &label) {
            bail!("--server {label} is given twice: name each instance once");
        }
        servers.push((label, target));
    }
    let settings = Settings {
        interval: args.interval,
        query_interval: args.query_interval,
        config_interval: args.config_interval,
        top_n: args.top,
        query_timeout: args.query_timeout,
        ..Settings::default()
    };
    if args.once {
        return once(servers, settings).await;
    }
    let opts = Options {
        servers,
        settings,
        duration: args.duration,
        out: args.out.clone(),
        csv: args.csv,
        listen: args.listen,
        flush_every: args.flush,
    };
    if let Some(addr) = args.listen {
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
    if let Some(out) = &args.out {
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
    Ok(Outcome::Pass)
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
            let labels = cutover_collector::baseline::labels_text(&p.labels);
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
