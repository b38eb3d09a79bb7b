//! The collector's rounds into the baseline format ([`cutover_baseline`], schema in
//! `docs/baseline-format.md`): each round's points become tidy rows, its gaps and errors go
//! into baseline.json, and every point feeds the run summary ([`crate::summary`]) that
//! baseline.json carries.

use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDateTime;
use cutover_baseline::{BaselineDoc, BaselineError, BaselineWriter, Row, labels};

use crate::sample::Round;
use crate::summary::Summaries;

/// Writes one baseline folder from rounds.
pub struct RoundWriter {
    writer: BaselineWriter,
    pub summaries: Summaries,
}

impl RoundWriter {
    /// Creates the folder and writes an initial baseline.json.
    pub fn create(
        dir: &Path,
        settings: serde_json::Value,
        csv: bool,
        started_at: NaiveDateTime,
    ) -> Result<Self, BaselineError> {
        Ok(RoundWriter {
            writer: BaselineWriter::create(dir, settings, csv, started_at)?,
            summaries: Summaries::default(),
        })
    }

    /// baseline.json as the next flush writes it.
    pub fn doc(&self) -> &BaselineDoc {
        &self.writer.doc
    }

    pub fn doc_mut(&mut self) -> &mut BaselineDoc {
        &mut self.writer.doc
    }

    /// Buffers a round's points, gaps and errors.
    pub fn add(&mut self, round: &Round) {
        self.writer.doc.gaps.extend(round.gaps.iter().cloned());
        self.writer.doc.errors.extend(round.errors.iter().cloned());
        let Some(at) = round.at else { return };
        let ts = at.and_utc().timestamp_millis();
        let instance: Arc<str> = Arc::from(round.instance.as_str());
        for p in &round.points {
            self.summaries.record(&round.instance, p);
            self.writer.push(Row {
                timestamp: ts,
                instance: instance.clone(),
                family: p.family,
                metric: p.metric.clone(),
                labels: labels::encode(&p.labels),
                value: p.value,
                unit: p.unit,
            });
        }
    }

    /// Rows waiting for the next flush.
    pub fn buffered(&self) -> usize {
        self.writer.buffered()
    }

    /// Writes the buffered rows and baseline.json with the summary so far.
    pub fn flush(&mut self) -> Result<(), BaselineError> {
        self.writer.doc.summary = self.summaries.summarise();
        self.writer.flush()
    }

    /// The last flush: marks the baseline complete (or not, after an interruption).
    pub fn finish(&mut self, ended_at: NaiveDateTime, complete: bool) -> Result<(), BaselineError> {
        self.writer.doc.summary = self.summaries.summarise();
        self.writer.finish(ended_at, complete)
    }
}
