//! Live Prometheus `/metrics` for `cutover replay --listen ADDR`.
//!
//! The [`crate::report::Reporter`] publishes into [`LiveMetrics`] once per interval (after it
//! drains the recorder), so a scrape reads atomics and never waits on the workers or the
//! recorder's lock. Names (also in docs/replay-output.md) come from the one table [`COUNTERS`]
//! plus the latency gauges; labels are bounded: the template (or trace fingerprint) name, the
//! error key (SQL error number or kind) and the quantile, never SQL text. The quantile label is
//! `run_quantile`, not `quantile`: Prometheus keeps `quantile` for summaries, and these are gauges
//! of the whole run so far (`promtool check metrics` refuses `quantile` on a gauge).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hdrhistogram::Histogram;
use prometheus::{Encoder, Gauge, GaugeVec, IntCounterVec, Opts, Registry, TextEncoder};

use crate::error::{Error, Result};
use crate::recorder::{Counts, TagHistograms};

/// Quantiles exposed for response time, service time and schedule lag (1 = the maximum).
pub const QUANTILES: [(f64, &str); 6] =
    [(0.5, "0.5"), (0.9, "0.9"), (0.95, "0.95"), (0.99, "0.99"), (0.999, "0.999"), (1.0, "1")];

/// Per-template counters: (name, help, how to read it from [`Counts`]).
type CounterRow = (&'static str, &'static str, fn(&Counts) -> u64);

/// The per-template counters, one row each.
pub const COUNTERS: [CounterRow; 6] = [
    ("cutover_replay_completed_total", "Units that completed without error", |c| c.ok),
    ("cutover_replay_late_total", "Units started later than the tolerance after their schedule", |c| c.late),
    ("cutover_replay_skipped_total", "Units skipped because they could only start beyond --max-lag", |c| {
        c.skipped
    }),
    ("cutover_replay_cancelled_total", "Units cancelled by Ctrl-C before they were sent", |c| c.cancelled),
    ("cutover_replay_warmup_total", "Units run during the warm-up (not in the latency figures)", |c| {
        c.warmup
    }),
    ("cutover_replay_retries_total", "Attempts sent again after a transient error", |c| c.retries),
];

/// The metrics one replay publishes.
pub struct LiveMetrics {
    registry: Registry,
    counters: Vec<IntCounterVec>,
    errors: IntCounterVec,
    response: GaugeVec,
    service: GaugeVec,
    lag: GaugeVec,
    elapsed: Gauge,
    fidelity: Gauge,
    /// What was last published, so counters only ever go up by the difference.
    last: Mutex<Vec<Counts>>,
}

fn reg<C: prometheus::core::Collector + Clone + 'static>(r: &Registry, c: C) -> C {
    // Names are unique constants: registration cannot collide.
    let _ = r.register(Box::new(c.clone()));
    c
}

impl LiveMetrics {
    /// Empty metrics.
    pub fn new() -> std::result::Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let mut counters = Vec::new();
        for (name, help, _) in COUNTERS {
            counters.push(reg(&registry, IntCounterVec::new(Opts::new(name, help), &["template"])?));
        }
        let errors = IntCounterVec::new(
            Opts::new("cutover_replay_errors_total", "Units that failed, by SQL error number or kind"),
            &["template", "error"],
        )?;
        let quantile = |name: &str, help: &str, labels: &[&str]| GaugeVec::new(Opts::new(name, help), labels);
        let metrics = LiveMetrics {
            errors: reg(&registry, errors),
            response: reg(
                &registry,
                quantile(
                    "cutover_replay_response_time_seconds",
                    "Response time from the intended start, run so far",
                    &["template", "run_quantile"],
                )?,
            ),
            service: reg(
                &registry,
                quantile(
                    "cutover_replay_service_time_seconds",
                    "Service time from the actual send, run so far",
                    &["template", "run_quantile"],
                )?,
            ),
            lag: reg(
                &registry,
                quantile(
                    "cutover_replay_schedule_lag_seconds",
                    "Actual send minus intended start, run so far",
                    &["run_quantile"],
                )?,
            ),
            elapsed: reg(
                &registry,
                Gauge::with_opts(Opts::new("cutover_replay_elapsed_seconds", "Time since the run started"))?,
            ),
            fidelity: reg(
                &registry,
                Gauge::with_opts(Opts::new(
                    "cutover_replay_fidelity_ratio",
                    "Share of units started within the tolerance of their schedule",
                ))?,
            ),
            counters,
            registry,
            last: Mutex::new(Vec::new()),
        };
        Ok(metrics)
    }

    /// Publishes the run so far: per-tag counts, whole-run histograms (µs), lag, fidelity.
    pub fn publish(
        &self,
        tags: &[String],
        counts: &[Counts],
        totals: &[TagHistograms],
        lag: &Histogram<u64>,
        (on_time, started): (u64, u64),
        elapsed: Duration,
    ) {
        let mut last = crate::sync::lock(&self.last);
        last.resize_with(counts.len(), Counts::default);
        for (i, (now, before)) in counts.iter().zip(last.iter()).enumerate() {
            let tag = tags[i].as_str();
            for ((_, _, read), vec) in COUNTERS.iter().zip(&self.counters) {
                vec.with_label_values(&[tag]).inc_by(read(now).saturating_sub(read(before)));
            }
            for (key, n) in &now.errors_by_number {
                let was = before.errors_by_number.get(key).copied().unwrap_or(0);
                self.errors.with_label_values(&[tag, key.as_str()]).inc_by(n.saturating_sub(was));
            }
            if let Some(h) = totals.get(i).filter(|h| !h.response.is_empty()) {
                set_quantiles(&self.response, Some(tag), &h.response);
                set_quantiles(&self.service, Some(tag), &h.service);
            }
        }
        last.clone_from_slice(counts);
        if !lag.is_empty() {
            set_quantiles(&self.lag, None, lag);
        }
        self.elapsed.set(elapsed.as_secs_f64());
        if started > 0 {
            self.fidelity.set(on_time as f64 / started as f64);
        }
    }

    /// The text exposition format.
    pub fn render(&self) -> std::result::Result<String, prometheus::Error> {
        let mut buf = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buf)?;
        Ok(String::from_utf8_lossy(&buf).into_owned())
    }
}

fn set_quantiles(vec: &GaugeVec, tag: Option<&str>, h: &Histogram<u64>) {
    for (q, label) in QUANTILES {
        let micros = if q >= 1.0 { h.max() } else { h.value_at_quantile(q) };
        let labels: Vec<&str> = tag.into_iter().chain([label]).collect();
        vec.with_label_values(&labels).set(micros as f64 / 1e6);
    }
}

/// Serves `/metrics` on `addr` until the process ends; fails at once when the address is taken.
pub async fn serve(addr: SocketAddr, metrics: Arc<LiveMetrics>) -> Result<()> {
    cutover_common::metrics::serve(addr, move || metrics.render().map_err(|e| e.to_string())).await.map_err(
        |e| {
            Error::setting("--listen", format!("cannot listen on {addr}: {e} (pick another address or port)"))
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recorder::{histogram, record};

    #[test]
    fn counters_grow_by_the_difference_and_quantiles_are_in_seconds() {
        let m = LiveMetrics::new().unwrap();
        let tags = vec!["point_read".to_string()];
        let mut counts = vec![Counts { ok: 5, ..Counts::default() }];
        counts[0].errors_by_number.insert("1205".into(), 2);
        let mut h = TagHistograms::new();
        record(&mut h.response, 2_000);
        record(&mut h.service, 1_000);
        let mut lag = histogram();
        record(&mut lag, 300);
        m.publish(&tags, &counts, std::slice::from_ref(&h), &lag, (4, 5), Duration::from_secs(2));
        counts[0].ok = 7;
        m.publish(&tags, &counts, std::slice::from_ref(&h), &lag, (6, 7), Duration::from_secs(3));
        let text = m.render().unwrap();
        assert!(text.contains("# TYPE cutover_replay_completed_total counter"), "{text}");
        assert!(text.contains("cutover_replay_completed_total{template=\"point_read\"} 7"), "{text}");
        assert!(
            text.contains("cutover_replay_errors_total{error=\"1205\",template=\"point_read\"} 2"),
            "{text}"
        );
        assert!(
            text.contains(
                "cutover_replay_response_time_seconds{run_quantile=\"0.99\",template=\"point_read\"} 0.002"
            ),
            "{text}"
        );
        assert!(text.contains("cutover_replay_schedule_lag_seconds{run_quantile=\"1\"} 0.0003"), "{text}");
        assert!(text.contains("cutover_replay_elapsed_seconds 3"), "{text}");
    }
}
