use super::*;
use proptest::prelude::*;

fn raw(object: &str, counter: &str, instance: &str, value: i64, cntr_type: i64) -> RawCounter {
    RawCounter {
        object: format!("{object:<128}"),
        counter: format!("{counter:<128}"),
        instance: format!("{instance:<128}"),
        value,
        cntr_type,
    }
}

fn snap(rows: &[RawCounter]) -> CounterSnapshot {
    snapshot(rows, &HashMap::new())
}

fn value_of(values: &[CounterValue], counter: &str) -> Option<f64> {
    values.iter().find(|v| v.key.counter == counter).map(|v| v.value)
}

#[test]
fn prefixes_are_stripped_whatever_the_instance_name() {
    assert_eq!(normalise_object("SQLServer:Buffer Manager   "), "Buffer Manager");
    assert_eq!(normalise_object("MSSQL$SALES:Buffer Manager"), "Buffer Manager");
    assert_eq!(normalise_object("Buffer Manager"), "Buffer Manager");
}

#[test]
fn managed_instance_guids_become_database_names() {
    let mut names = HashMap::new();
    names.insert("8A3E6F2C-1111-2222-3333-444455556666".to_string(), "shop".to_string());
    let rows = [raw(
        "SQLServer:Databases",
        "Log Flushes/sec",
        "8a3e6f2c-1111-2222-3333-444455556666",
        5,
        PER_SECOND,
    )];
    let s = snapshot(&rows, &names);
    assert_eq!(s.rows.keys().next().unwrap().instance, "shop");
}

#[test]
fn duplicates_are_removed_on_object_counter_instance() {
    let rows = [
        raw("SQLServer:General Statistics", "User Connections", "", 3, RAW),
        raw("SQLServer:General Statistics", "User Connections", "", 99, RAW),
    ];
    let s = snap(&rows);
    assert_eq!(s.rows.len(), 1);
    assert_eq!(value_of(&evaluate(None, &s), "User Connections"), Some(3.0));
}

#[test]
fn raw_is_a_gauge_and_per_second_needs_two_samples() {
    let a = snap(&[
        raw("SQLServer:SQL Statistics", "Batch Requests/sec", "", 1000, PER_SECOND),
        raw("SQLServer:Buffer Manager", "Page life expectancy", "", 300, RAW),
    ]);
    let b = snap(&[
        raw("SQLServer:SQL Statistics", "Batch Requests/sec", "", 1150, PER_SECOND),
        raw("SQLServer:Buffer Manager", "Page life expectancy", "", 315, RAW),
    ]);
    let first = evaluate(None, &a);
    assert_eq!(value_of(&first, "Batch Requests/sec"), None);
    assert_eq!(value_of(&first, "Page life expectancy"), Some(300.0));
    let second = evaluate(Some((&a, 15.0)), &b);
    assert_eq!(value_of(&second, "Batch Requests/sec"), Some(10.0));
}

#[test]
fn fraction_uses_its_base_and_base_zero_gives_nothing() {
    let s = snap(&[
        raw("SQLServer:Buffer Manager", "Buffer cache hit ratio", "", 45, FRACTION),
        raw("SQLServer:Buffer Manager", "Buffer cache hit ratio base", "", 50, BASE),
        raw("SQLServer:Resource Pool Stats", "CPU usage %", "default", 1, FRACTION),
        raw("SQLServer:Resource Pool Stats", "CPU usage % base", "default", 0, BASE),
    ]);
    let v = evaluate(None, &s);
    assert_eq!(value_of(&v, "Buffer cache hit ratio"), Some(90.0));
    assert_eq!(value_of(&v, "CPU usage %"), None);
    assert!(value_of(&v, "Buffer cache hit ratio base").is_none(), "bases are only denominators");
}

#[test]
fn every_base_naming_rule_pairs() {
    assert!(base_candidates("Average Wait Time (ms)").contains(&"average wait time base".to_string()));
    assert!(base_candidates("Avg Disk Read IO (ms)").contains(&"avg disk read io (ms) base".to_string()));
    assert!(base_candidates("Avg Latch Wait Time").contains(&"latch wait time base".to_string()));
    let s = snap(&[
        raw("SQLServer:Locks", "Average Wait Time (ms)", "_Total", 500, AVERAGE),
        raw("SQLServer:Locks", "Average Wait Time Base", "_Total", 10, BASE),
        raw("SQLServer:Locks", "Average Wait Time Base", "Object", 99, BASE),
    ]);
    let key = s.rows.keys().find(|k| k.counter.starts_with("Average Wait Time (")).unwrap().clone();
    assert_eq!(find_base(&s, &key).map(|(_, v)| v), Some(10), "same object and instance only");
}

#[test]
fn average_is_delta_value_over_delta_base() {
    let a = snap(&[
        raw("SQLServer:Locks", "Average Wait Time (ms)", "_Total", 500, AVERAGE),
        raw("SQLServer:Locks", "Average Wait Time Base", "_Total", 10, BASE),
    ]);
    let b = snap(&[
        raw("SQLServer:Locks", "Average Wait Time (ms)", "_Total", 800, AVERAGE),
        raw("SQLServer:Locks", "Average Wait Time Base", "_Total", 16, BASE),
    ]);
    assert_eq!(value_of(&evaluate(Some((&a, 15.0)), &b), "Average Wait Time (ms)"), Some(50.0));
    // No operations in the interval: no value rather than a division by zero.
    assert_eq!(value_of(&evaluate(Some((&b, 15.0)), &b), "Average Wait Time (ms)"), None);
}

#[test]
fn decreases_of_cumulative_values_are_found_but_gauges_may_fall() {
    let a = snap(&[
        raw("SQLServer:SQL Statistics", "Batch Requests/sec", "", 1000, PER_SECOND),
        raw("SQLServer:Buffer Manager", "Page life expectancy", "", 300, RAW),
        raw("SQLServer:Buffer Manager", "Buffer cache hit ratio", "", 45, FRACTION),
        raw("SQLServer:Buffer Manager", "Buffer cache hit ratio base", "", 50, BASE),
    ]);
    let mut b = a.clone();
    for (k, v) in b.rows.iter_mut() {
        if k.counter != "Batch Requests/sec" {
            v.0 -= 1;
        }
    }
    assert_eq!(first_decrease(&a, &b), None);
    let reset = snap(&[raw("SQLServer:SQL Statistics", "Batch Requests/sec", "", 3, PER_SECOND)]);
    assert_eq!(first_decrease(&a, &reset).map(|k| k.counter), Some("Batch Requests/sec".into()));
}

proptest! {
    /// Whatever two snapshots hold, a computed value is finite, per-second and average values
    /// are never negative, and percentages come from a positive base.
    #[test]
    fn values_are_finite_and_rates_never_negative(
        before in proptest::collection::vec((0i64..1_000_000, 0usize..5), 1..20),
        after in proptest::collection::vec((0i64..1_000_000, 0usize..5), 1..20),
        secs in 0.0f64..100.0,
    ) {
        const TYPES: [i64; 5] = [RAW, PER_SECOND, FRACTION, AVERAGE, BASE];
        let names = ["A (ms)", "A base", "Avg B", "B base", "C"];
        let build = |rows: &[(i64, usize)]| snap(&rows.iter().enumerate().map(|(i, (v, t))| {
            raw("SQLServer:X", names[i % names.len()], &format!("i{}", i / names.len()), *v, TYPES[*t])
        }).collect::<Vec<_>>());
        let (a, b) = (build(&before), build(&after));
        for v in evaluate(Some((&a, secs)), &b) {
            prop_assert!(v.value.is_finite(), "{v:?}");
            if matches!(v.kind, CounterKind::PerSecond | CounterKind::Average | CounterKind::Percent) {
                prop_assert!(v.value >= 0.0, "{v:?}");
            }
        }
    }

    /// A per-second counter that grows by `d` over `secs` seconds reads `d / secs`.
    #[test]
    fn per_second_is_delta_over_seconds(start in 0i64..i64::MAX / 4, d in 0i64..1_000_000_000, secs in 0.001f64..10_000.0) {
        let a = snap(&[raw("SQLServer:SQL Statistics", "Batch Requests/sec", "", start, PER_SECOND)]);
        let b = snap(&[raw("SQLServer:SQL Statistics", "Batch Requests/sec", "", start + d, PER_SECOND)]);
        let got = value_of(&evaluate(Some((&a, secs)), &b), "Batch Requests/sec").unwrap();
        prop_assert!((got - d as f64 / secs).abs() <= 1e-9 * got.abs().max(1.0));
    }

    /// De-duplication keeps exactly one row per key, whatever the order and padding.
    #[test]
    fn dedup_keeps_one_row_per_key(rows in proptest::collection::vec((0usize..4, 0usize..3, any::<i64>()), 0..40)) {
        let raws: Vec<_> = rows.iter().map(|(c, i, v)| raw("MSSQL$N:Obj", &format!("c{c}"), &format!("i{i}  "), *v, RAW)).collect();
        let s = snap(&raws);
        let distinct: std::collections::HashSet<_> = rows.iter().map(|(c, i, _)| (*c, *i)).collect();
        prop_assert_eq!(s.rows.len(), distinct.len());
        prop_assert!(s.rows.keys().all(|k| k.object == "Obj" && !k.instance.ends_with(' ')));
    }
}
