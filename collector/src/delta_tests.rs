use super::*;
use chrono::{Duration, NaiveDate};
use proptest::prelude::*;

fn t0() -> NaiveDateTime {
    NaiveDate::from_ymd_opt(2026, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap()
}

fn stamp(secs: i64, start: i64) -> Stamp {
    Stamp { at: t0() + Duration::seconds(secs), start_time: Some(t0() + Duration::seconds(start)) }
}

fn rows(pairs: &[(&str, i64)]) -> HashMap<String, Vec<i64>> {
    pairs.iter().map(|(k, v)| (k.to_string(), vec![*v])).collect()
}

#[test]
fn a_sound_interval_gives_seconds() {
    assert_eq!(check_interval(&stamp(0, -100), &stamp(15, -100), 15.0, Tolerance::default()), Ok(15.0));
}

#[test]
fn a_restart_drops_the_interval() {
    let err = check_interval(&stamp(0, -100), &stamp(15, 10), 15.0, Tolerance::default()).unwrap_err();
    assert_eq!(err.label(), "restart");
}

#[test]
fn a_far_gap_and_a_backwards_clock_drop_the_interval() {
    let tol = Tolerance::default();
    assert_eq!(check_interval(&stamp(0, 0), &stamp(120, 0), 15.0, tol).unwrap_err().label(), "interval_off");
    assert_eq!(check_interval(&stamp(0, 0), &stamp(2, 0), 15.0, tol).unwrap_err().label(), "interval_off");
    assert_eq!(
        check_interval(&stamp(10, 0), &stamp(5, 0), 15.0, tol).unwrap_err().label(),
        "clock_backwards"
    );
}

#[test]
fn tracker_gives_deltas_and_drops_a_batch_with_one_decrease() {
    let mut t = Tracker::default();
    let tol = Tolerance::default();
    assert_eq!(t.advance(stamp(0, 0), rows(&[("a", 10), ("b", 5)]), 15.0, tol), Ok(None));
    let d = t.advance(stamp(15, 0), rows(&[("a", 40), ("b", 5), ("new", 7)]), 15.0, tol).unwrap().unwrap();
    let mut got = d.rows.clone();
    got.sort();
    assert_eq!(
        got,
        vec![("a".to_string(), vec![30]), ("b".to_string(), vec![0])],
        "new series have no delta"
    );
    let err = t.advance(stamp(30, 0), rows(&[("a", 50), ("b", 1)]), 15.0, tol).unwrap_err();
    assert_eq!(err.label(), "reset");
    // The next interval starts from the reset values.
    let d = t.advance(stamp(45, 0), rows(&[("a", 51), ("b", 2)]), 15.0, tol).unwrap().unwrap();
    assert_eq!(d.rows.len(), 2);
}

proptest! {
    /// Whatever the sequence of snapshots (restarts, resets, jittered clocks), the tracker never
    /// emits a negative delta, and every emitted interval is within the tolerance.
    #[test]
    fn never_negative_never_absurd(
        steps in proptest::collection::vec((0i64..40, any::<bool>(), proptest::collection::vec(-50i64..1000, 3)), 1..30)
    ) {
        let mut t = Tracker::default();
        let (mut now, mut start) = (0i64, 0i64);
        let mut values = [0i64; 3];
        for (advance, restart, changes) in steps {
            now += advance;
            if restart { start = now; }
            for (v, c) in values.iter_mut().zip(&changes) { *v = (*v + c).max(0); }
            let snap: HashMap<String, Vec<i64>> = values.iter().enumerate().map(|(i, v)| (format!("s{i}"), vec![*v])).collect();
            if let Ok(Some(d)) = t.advance(stamp(now, start), snap, 15.0, Tolerance::default()) {
                prop_assert!(d.seconds >= 7.5 && d.seconds <= 30.0);
                prop_assert!(d.rows.iter().all(|(_, ds)| ds.iter().all(|x| *x >= 0)));
            }
        }
    }
}
