//! The performance phase when results must be produced: on one side, replay the workload while
//! the collector samples the server, and write the baseline and the replay where `compare`
//! reads them (`<out>/baselines/<side>`, `<out>/runs/<side>`).

use crate::check::{Check, Status};
use crate::file::RunSection;
use cutover_collector::run::Options as CollectOptions;
use cutover_collector::sampler::Settings;
use cutover_mssql::ServerTarget;
use cutover_workloads::run::{Overrides, ReplayOptions, check_writes, replay};
use cutover_workloads::units::Shard;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What one side produced: a baseline and a replay folder (each only if it was written).
#[derive(Debug, Default)]
pub struct Produced {
    pub checks: Vec<Check>,
    pub baseline: Option<PathBuf>,
    pub replay: Option<PathBuf>,
}

/// Collects a baseline on `side` while the workload is replayed there.
pub async fn produce(side: &str, run: &RunSection, server: &ServerTarget, out: &Path) -> Produced {
    let mut produced = Produced::default();
    let fail = |name: &str, status: Status, summary: String| {
        Check::new(name, format!("{side} {name}"), status, summary)
    };
    let workload = match workload(run) {
        Ok(w) => w,
        Err(message) => {
            produced.checks.push(fail("replay", Status::Error, message));
            return produced;
        }
    };
    if let Err(e) = cutover_mssql::connect(server).await.map(drop) {
        let why = format!("could not connect to the {side} {server}: {}", cutover_mssql::one_line(&e));
        produced.checks.push(fail("collect", Status::Error, why.clone()));
        produced.checks.push(fail("replay", Status::Skipped, format!("not run: {why}")));
        return produced;
    }
    let (interval, duration) =
        (run.interval().unwrap_or(Duration::from_secs(1)), run.duration().unwrap_or_default());
    let baseline_dir = out.join("baselines").join(side);
    let replay_dir = out.join("runs").join(side);
    let (stop_collect, collect_stopped) = tokio::sync::oneshot::channel::<()>();
    let collector = tokio::spawn(cutover_collector::run::run(
        collect_options(side, server, &baseline_dir, interval, duration + interval * 2),
        async move {
            let _ = collect_stopped.await;
        },
    ));
    let (_keep_running, stop_replay) = tokio::sync::watch::channel(false);
    let options = ReplayOptions {
        target: server.clone(),
        out: replay_dir.clone(),
        shard: Shard::ALL,
        interval: Duration::from_secs(1),
        progress: false,
        listen: None,
    };
    let replayed = replay(&workload, &options, stop_replay).await;
    if replayed.is_err() {
        // The collection is cut short (and says so in its baseline); otherwise it runs to its
        // planned end, one interval past the replay's, and is complete.
        let _ = stop_collect.send(());
    }
    match replayed {
        Ok(summary) => {
            let t = &summary.totals;
            let status = if t.ok == 0 { Status::Error } else { Status::Pass };
            let summary = format!(
                "{} ok, {} errors, {} late in {:?} ({})",
                t.ok,
                t.errors,
                t.late,
                duration,
                replay_dir.display()
            );
            produced.checks.push(fail("replay", status, summary));
            if status == Status::Pass {
                produced.replay = Some(replay_dir);
            }
        }
        Err(e) => produced.checks.push(fail("replay", Status::Error, cutover_mssql::one_line(&e))),
    }
    match collector.await {
        Ok(Ok(report)) if report.rounds > 0 => {
            let summary = format!(
                "{} rounds, {} gaps, {} errors ({})",
                report.rounds,
                report.gaps,
                report.errors,
                baseline_dir.display()
            );
            produced.checks.push(fail("collect", Status::Pass, summary));
            produced.baseline = Some(baseline_dir);
        }
        Ok(Ok(_)) => {
            produced.checks.push(fail("collect", Status::Error, "the collector completed no round".into()))
        }
        Ok(Err(e)) => produced.checks.push(fail("collect", Status::Error, cutover_mssql::one_line(&e))),
        Err(e) => produced.checks.push(fail("collect", Status::Error, format!("the collector stopped: {e}"))),
    }
    produced
}

fn workload(run: &RunSection) -> Result<cutover_workloads::spec::Workload, String> {
    let mut w = cutover_workloads::bundled::load(&run.workload).map_err(|e| cutover_mssql::one_line(&e))?;
    let overrides = Overrides {
        rate: run.rate.clone(),
        concurrency: run.concurrency,
        duration: Some(run.duration.clone()),
        seed: run.seed,
        warmup: Some("0s".into()),
        ..Overrides::default()
    };
    overrides.apply(&mut w).map_err(|e| cutover_mssql::one_line(&e))?;
    check_writes(&w, run.allow_writes)
        .map_err(|e| format!("{e} (in the gate file: allow_writes = true under [performance.run])"))?;
    Ok(w)
}

/// Query stats often enough that a short run still has several intervals of them; the
/// collection ends by itself after `duration`.
fn collect_options(
    side: &str,
    server: &ServerTarget,
    dir: &Path,
    interval: Duration,
    duration: Duration,
) -> CollectOptions {
    let query_interval = (duration / 6).clamp(interval, Duration::from_secs(300));
    CollectOptions {
        servers: vec![(side.to_string(), server.clone())],
        settings: Settings { interval, query_interval, ..Settings::default() },
        duration: Some(duration),
        out: Some(dir.to_path_buf()),
        csv: false,
        listen: None,
        flush_every: Duration::from_secs(10),
    }
}
