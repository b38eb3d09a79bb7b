//! The recorder counts every unit and keeps one sample per started unit after the warm-up,
//! hands them over whole, and wakes the reporter when a batch is waiting.

use std::time::Duration;

use super::*;

fn recorder(warmup: u64) -> Recorder {
    Recorder::new(vec!["a".into(), "b".into()], Duration::from_millis(warmup), Duration::from_millis(10))
}

fn at(intended: u64, sent: u64, done: u64) -> Timing {
    let ms = Duration::from_millis;
    Timing { intended: ms(intended), sent: ms(sent), done: ms(done) }
}

#[test]
fn a_unit_becomes_one_sample_of_lag_response_and_service_time() {
    let mut rec = recorder(0);
    rec.record(1, &7, at(100, 130, 135), Ok(()));
    let failed = ExecError::timeout(Duration::from_secs(1));
    rec.record(0, &8, at(200, 201, 1201), Err(&failed));
    let taken = rec.take(Vec::new());
    assert_eq!(
        taken.samples,
        vec![
            Sample { tag: 1, ok: true, lag: 30_000, response: 35_000, service: 5_000 },
            Sample { tag: 0, ok: false, lag: 1_000, response: 1_001_000, service: 1_000_000 },
        ]
    );
    assert_eq!(taken.errors.len(), 1);
    assert_eq!((taken.errors[0].tag.as_str(), taken.errors[0].unit.as_str()), ("a", "8"));
    assert_eq!(rec.fidelity(), (1, 2), "30 ms late is beyond the 10 ms tolerance");
    assert_eq!((rec.counts()[1].ok, rec.counts()[1].late, rec.counts()[0].errors), (1, 1, 1));
    assert!(rec.take(Vec::new()).samples.is_empty(), "taken samples are gone");
}

#[test]
fn warm_up_units_are_counted_but_not_sampled() {
    let mut rec = recorder(1_000);
    rec.record(0, &1, at(999, 999, 1_500), Ok(()));
    rec.record(0, &2, at(1_000, 1_000, 1_001), Ok(()));
    rec.skip(1, Duration::from_millis(10));
    assert_eq!(rec.take(Vec::new()).samples.len(), 1);
    assert_eq!((rec.counts()[0].warmup, rec.counts()[0].ok, rec.counts()[1].warmup), (1, 1, 1));
    assert_eq!(rec.finished(), 3, "warm-up units count as finished, skipped ones too");
}

#[test]
fn a_full_batch_wakes_the_reporter_once_and_the_buffer_given_back_is_reused() {
    let mut rec = recorder(0);
    let ready = rec.batch_ready();
    for k in 0..SAMPLE_BATCH - 1 {
        rec.record(k % 2, &k, at(0, 0, 1), Ok(()));
    }
    let woken = || futures_now(ready.notified());
    assert!(!woken(), "not before the batch is full");
    rec.record(0, &0, at(0, 0, 1), Ok(()));
    rec.record(0, &0, at(0, 0, 1), Ok(()));
    assert!(woken(), "woken when the batch is full");
    assert!(!woken(), "once per batch");
    let mut taken = rec.take(Vec::new()).samples;
    assert_eq!(taken.len(), SAMPLE_BATCH + 1);
    let (capacity, pointer) = (taken.capacity(), taken.as_ptr());
    taken.clear();
    rec.take(taken);
    rec.record(0, &0, at(0, 0, 1), Ok(()));
    let again = rec.take(Vec::new()).samples;
    assert_eq!((again.capacity(), again.as_ptr()), (capacity, pointer), "the same buffer, not a new one");
}

/// Whether `f` is ready at its first poll.
fn futures_now(f: impl std::future::Future<Output = ()>) -> bool {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    f.as_mut().poll(&mut cx).is_ready()
}
