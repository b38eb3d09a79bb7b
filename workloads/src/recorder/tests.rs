//! The recorder's double buffer must be invisible in the output: every drained histogram
//! serialises (V2, header included) exactly as the clone the single-buffer recorder took, and
//! the histograms left behind are in the same state as the cleared originals, across intervals
//! in which histograms grow and spares go stale.

use std::time::Duration;

use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Serializer, V2Serializer};

use super::*;

fn bytes(h: &Histogram<u64>) -> Vec<u8> {
    let mut out = Vec::new();
    V2Serializer::new().serialize(h, &mut out).expect("serialises");
    out
}

/// What the recorder did before the double buffer: one histogram per tag, cloned then reset.
struct Model {
    response: Vec<Histogram<u64>>,
    service: Vec<Histogram<u64>>,
    lag: Histogram<u64>,
}

/// Units per interval: (tag, lag µs, service µs), with values that make histograms grow in
/// later intervals (so spares emptied earlier no longer fit) and a tag idle now and then.
fn intervals() -> Vec<Vec<(usize, u64, u64)>> {
    vec![
        vec![(0, 3, 40), (0, 5, 900), (1, 10, 50_000)],
        vec![(0, 2, 10_000_000), (1, 1, 70), (2, 8, 300)],
        vec![(0, 4, 20), (1, 2_000_000, 400_000_000)],
        vec![(1, 1, 5), (2, 3, 6)],
        vec![(0, 1, 7), (1, 1, 8), (2, 9_000, 123_456_789)],
        // Many units on two tags, growing as they go.
        (0..19).map(|k| (k as usize % 2, k, 10 + k * k * 997)).collect(),
    ]
}

#[test]
fn drained_histograms_serialise_byte_for_byte_as_the_clones_did() {
    let tags = vec!["a".to_string(), "b".to_string(), "c".to_string()];
    let mut rec = Recorder::new(tags, Duration::ZERO, Duration::from_millis(10));
    let mut model = Model {
        response: (0..3).map(|_| histogram()).collect(),
        service: (0..3).map(|_| histogram()).collect(),
        lag: histogram(),
    };
    for (n, units) in intervals().into_iter().enumerate() {
        for (k, &(tag, lag, service)) in units.iter().enumerate() {
            let sent = Duration::from_micros(lag);
            let t = Timing { intended: Duration::ZERO, sent, done: sent + Duration::from_micros(service) };
            rec.record(tag, &k, t, Ok(()));
            record(&mut model.response[tag], micros(t.done));
            record(&mut model.service[tag], micros(t.done - t.sent));
            record(&mut model.lag, micros(sent));
        }
        let drained = rec.drain();
        let mut active: Vec<usize> = units.iter().map(|u| u.0).collect();
        active.sort_unstable();
        active.dedup();
        let drained_tags: Vec<usize> = drained.histograms.iter().map(|(i, _)| *i).collect();
        assert_eq!(drained_tags, active, "interval {n}: only tags with data are drained");
        for (i, h) in &drained.histograms {
            assert_eq!(bytes(&h.response), bytes(&model.response[*i]), "interval {n} tag {i} response");
            assert_eq!(bytes(&h.service), bytes(&model.service[*i]), "interval {n} tag {i} service");
            model.response[*i].reset();
            model.service[*i].reset();
        }
        assert_eq!(bytes(&drained.lag), bytes(&model.lag), "interval {n} lag");
        model.lag.reset();
        rec.recycle(drained.into_spares());
        for i in 0..3 {
            assert_eq!(format!("{:?}", rec.interval[i].response), format!("{:?}", model.response[i]));
            assert_eq!(format!("{:?}", rec.interval[i].service), format!("{:?}", model.service[i]));
        }
        assert_eq!(format!("{:?}", rec.lag), format!("{:?}", model.lag), "interval {n} lag left behind");
    }
}

#[test]
fn a_spare_of_the_right_shape_is_swapped_in_and_a_stale_one_is_not() {
    let mut grown = histogram();
    record(&mut grown, 5_000_000);
    let mut cleared = grown.clone();
    cleared.reset();
    assert_eq!(format!("{:?}", blank_like(&grown)), format!("{cleared:?}"));
    assert!(same_shape(&blank_like(&grown), &grown));
    assert!(!same_shape(&histogram(), &grown), "a spare emptied before the histogram grew is stale");
    assert!(!same_shape(&grown.clone(), &grown), "a spare must be empty");
}

#[test]
fn spares_fitted_outside_the_lock_stand_in_exactly_as_the_cleared_originals_would() {
    let tags = vec!["a".to_string(), "b".to_string(), "c".to_string()];
    let mut rec = Recorder::new(tags, Duration::ZERO, Duration::from_millis(10));
    let mut model: Vec<Histogram<u64>> = (0..3).map(|_| histogram()).collect();
    let mut spares = None;
    let at = |service: u64| Timing {
        intended: Duration::ZERO,
        sent: Duration::ZERO,
        done: Duration::from_micros(service),
    };
    // Interval 1: no spares yet; tag 0 stays in the initial range, tag 1 grows, tag 2 is idle.
    // Interval 2: tag 0 grows after the shapes were read (the drain makes that blank itself).
    for (n, (before, after)) in
        [(vec![(0, 40), (0, 900), (1, 30_000_000)], vec![]), (vec![(1, 5)], vec![(0, 7_000_000)])]
            .into_iter()
            .enumerate()
    {
        for &(tag, service) in &before {
            rec.record(tag, &n, at(service), Ok(()));
            record(&mut model[tag], service);
        }
        let shapes = rec.shapes();
        let fitted = Spares::fit(spares.take(), &shapes);
        for (i, h) in &fitted.histograms {
            if let Some((response, service)) = shapes.tags[*i] {
                assert_eq!((Shape::of(&h.response), Shape::of(&h.service)), (response, service), "tag {i}");
                assert!(h.response.is_empty() && h.service.is_empty());
            }
        }
        let with_data = shapes.tags.iter().filter(|t| t.is_some()).count();
        assert!(fitted.histograms.len() >= with_data, "a spare for every tag with data");
        for &(tag, service) in &after {
            rec.record(tag, &n, at(service), Ok(()));
            record(&mut model[tag], service);
        }
        rec.recycle(fitted);
        let drained = rec.drain();
        let active: Vec<usize> = (0..3).filter(|&i| !model[i].is_empty()).collect();
        assert_eq!(drained.histograms.iter().map(|(i, _)| *i).collect::<Vec<_>>(), active);
        for (i, h) in &drained.histograms {
            assert_eq!(bytes(&h.response), bytes(&model[*i]), "interval {n} tag {i}");
            model[*i].reset();
            assert_eq!(format!("{:?}", rec.interval[*i].response), format!("{:?}", model[*i]), "left behind");
        }
        spares = Some(drained.into_spares());
    }
}
