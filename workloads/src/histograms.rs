//! [`Histograms`]: per tag response and service time plus schedule lag, in microseconds. The
//! reporter keeps two: this interval's, built from the recorder's [`Sample`]s outside the
//! recorder's lock, and the run's totals, to which each interval is added before it is emptied.
//! An emptied histogram keeps the range it grew to, so it is reused without allocating.

use hdrhistogram::Histogram;

use crate::recorder::{Sample, TagHistograms, histogram, record};

/// Histograms for every tag, and the schedule lag.
#[derive(Clone, Debug)]
pub struct Histograms {
    /// Per tag, in tag order.
    pub tags: Vec<TagHistograms>,
    /// Schedule lag of every started unit (failed ones too).
    pub lag: Histogram<u64>,
}

impl Histograms {
    /// Empty histograms for `tags` tags.
    pub fn new(tags: usize) -> Self {
        Histograms { tags: (0..tags).map(|_| TagHistograms::new()).collect(), lag: histogram() }
    }

    /// Records the samples: lag for each, response and service time for those that succeeded.
    pub fn absorb(&mut self, samples: &[Sample]) {
        for s in samples {
            record(&mut self.lag, s.lag);
            if s.ok {
                let i = s.tag as usize;
                if i >= self.tags.len() {
                    // Trace replays add tags as they meet new statements.
                    self.tags.resize_with(i + 1, TagHistograms::new);
                }
                let h = &mut self.tags[i];
                record(&mut h.response, s.response);
                record(&mut h.service, s.service);
            }
        }
    }

    /// The tags with data, in tag order.
    pub fn active(&self) -> impl Iterator<Item = (usize, &TagHistograms)> {
        self.tags.iter().enumerate().filter(|(_, h)| !(h.response.is_empty() && h.service.is_empty()))
    }

    /// Adds `other` in (histograms of the same configuration always add).
    pub fn add(&mut self, other: &Histograms) {
        if other.tags.len() > self.tags.len() {
            self.tags.resize_with(other.tags.len(), TagHistograms::new);
        }
        for (i, h) in other.active() {
            let _ = self.tags[i].response.add(&h.response);
            let _ = self.tags[i].service.add(&h.service);
        }
        let _ = self.lag.add(&other.lag);
    }

    /// Empties every histogram that has data, keeping its range.
    pub fn clear(&mut self) {
        for h in &mut self.tags {
            for hist in [&mut h.response, &mut h.service] {
                if !hist.is_empty() {
                    hist.reset();
                }
            }
        }
        self.lag.reset();
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use hdrhistogram::serialization::{Serializer, V2Serializer};

    use super::*;
    use crate::executor::ExecError;
    use crate::recorder::{Recorder, Timing, micros};

    fn bytes(h: &Histogram<u64>) -> Vec<u8> {
        let mut out = Vec::new();
        V2Serializer::new().serialize(h, &mut out).expect("serialises");
        out
    }

    /// Units per interval: (tag, lag µs, service µs, ok), with values that make histograms grow
    /// in later intervals and a tag idle now and then.
    fn intervals() -> Vec<Vec<(usize, u64, u64, bool)>> {
        vec![
            vec![(0, 3, 40, true), (0, 5, 900, true), (1, 10, 50_000, true)],
            vec![(0, 2, 10_000_000, true), (1, 1, 70, false), (2, 8, 300, true)],
            vec![(0, 4, 20, true), (1, 2_000_000, 400_000_000, true)],
            vec![(1, 1, 5, true), (2, 3, 6, false)],
            vec![(0, 1, 7, true), (1, 1, 8, true), (2, 9_000, 123_456_789, true)],
            (0..19).map(|k| (k as usize % 2, k, 10 + k * k * 997, true)).collect(),
        ]
    }

    /// Histograms built from the samples, interval by interval and with the run's totals, are
    /// byte for byte what recording each unit straight into per-tag histograms (emptied after
    /// each interval) gives, however the interval's samples were taken (at once or in pieces).
    #[test]
    fn histograms_from_samples_are_the_histograms_of_direct_recording() {
        let tags = vec!["a".to_string(), "b".to_string(), "c".to_string()];
        let mut rec = Recorder::new(tags, Duration::ZERO, Duration::from_millis(10));
        let (mut interval, mut totals) = (Histograms::new(3), Histograms::new(3));
        let (mut direct, mut direct_totals, mut spare) = (Histograms::new(3), Histograms::new(3), Vec::new());
        let failed = ExecError::timeout(Duration::from_secs(1));
        for (n, units) in intervals().into_iter().enumerate() {
            for (k, &(tag, lag, service, ok)) in units.iter().enumerate() {
                let sent = Duration::from_micros(lag);
                let t =
                    Timing { intended: Duration::ZERO, sent, done: sent + Duration::from_micros(service) };
                rec.record(tag, &k, t, if ok { Ok(()) } else { Err(&failed) });
                record(&mut direct.lag, micros(sent));
                if ok {
                    record(&mut direct.tags[tag].response, micros(t.done));
                    record(&mut direct.tags[tag].service, micros(t.done - t.sent));
                }
                if k % 2 == 1 {
                    let taken = rec.take(std::mem::take(&mut spare));
                    interval.absorb(&taken.samples);
                    spare = taken.samples;
                    spare.clear();
                }
            }
            interval.absorb(&rec.take(Vec::new()).samples);
            let active: Vec<usize> = interval.active().map(|(i, _)| i).collect();
            let expected: Vec<usize> = direct.active().map(|(i, _)| i).collect();
            assert_eq!(active, expected, "interval {n}: the tags with data");
            for (i, h) in interval.active() {
                assert_eq!(
                    bytes(&h.response),
                    bytes(&direct.tags[i].response),
                    "interval {n} tag {i} response"
                );
                assert_eq!(bytes(&h.service), bytes(&direct.tags[i].service), "interval {n} tag {i} service");
            }
            assert_eq!(bytes(&interval.lag), bytes(&direct.lag), "interval {n} lag");
            totals.add(&interval);
            direct_totals.add(&direct);
            interval.clear();
            direct.clear();
            assert_eq!(interval.active().count(), 0, "interval {n}: emptied");
            assert!(interval.lag.is_empty());
        }
        for i in 0..3 {
            assert_eq!(bytes(&totals.tags[i].response), bytes(&direct_totals.tags[i].response), "total {i}");
            assert_eq!(bytes(&totals.tags[i].service), bytes(&direct_totals.tags[i].service), "total {i}");
        }
        assert_eq!(bytes(&totals.lag), bytes(&direct_totals.lag));
    }
}
