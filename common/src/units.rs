//! Values for people: seconds as ms, bytes as KB/MB, percentages, rates, by the unit a
//! baseline stores (`docs/baseline-format.md`).

/// `value` in `unit`, short and readable (`7.0 ms`, `12.5%`, `3.1 MB/s`).
pub fn show(value: f64, unit: &str) -> String {
    if !value.is_finite() {
        return format!("{value}");
    }
    match unit {
        "seconds" => ms(value * 1e3),
        "ms" => ms(value),
        "percent" => format!("{value:.1}%"),
        "bytes" => bytes(value),
        "bytes/s" => format!("{}/s", bytes(value)),
        "seconds/s" => format!("{value:.3} s/s"),
        "1/s" => format!("{}/s", number(value)),
        "points" => format!("{value:.2} pp"),
        "1/s units" => format!("{value:.1}/s"),
        "" | "1" | "count" | "per_operation" => number(value),
        other => format!("{} {other}", number(value)),
    }
}

fn ms(v: f64) -> String {
    if v == 0.0 {
        "0 ms".into()
    } else if v.abs() >= 10_000.0 {
        format!("{:.0} s", v / 1e3)
    } else if v.abs() >= 1_000.0 {
        format!("{:.2} s", v / 1e3)
    } else if v.abs() >= 100.0 {
        format!("{v:.0} ms")
    } else if v.abs() >= 1.0 {
        format!("{v:.1} ms")
    } else {
        format!("{v:.3} ms")
    }
}

fn bytes(v: f64) -> String {
    if v == 0.0 {
        return "0 B".into();
    }
    let (n, u) = if v.abs() >= 1e9 {
        (v / 1e9, "GB")
    } else if v.abs() >= 1e6 {
        (v / 1e6, "MB")
    } else if v.abs() >= 1e3 {
        (v / 1e3, "KB")
    } else {
        (v, "B")
    };
    format!("{n:.1} {u}")
}

fn number(v: f64) -> String {
    if (v == v.trunc() && v.abs() < 1e12) || v.abs() >= 100.0 { format!("{v:.0}") } else { format!("{v:.2}") }
}

#[cfg(test)]
mod tests {
    use super::show;

    #[test]
    fn readable() {
        assert_eq!(show(0.007, "seconds"), "7.0 ms");
        assert_eq!(show(0.25, "seconds"), "250 ms");
        assert_eq!(show(1.5, "seconds"), "1.50 s");
        assert_eq!(show(300.0, "seconds"), "300 s");
        assert_eq!(show(85.0, "percent"), "85.0%");
        assert_eq!(show(3_100_000.0, "bytes/s"), "3.1 MB/s");
        assert_eq!(show(15.0, "1"), "15");
        assert_eq!(show(0.0, "seconds"), "0 ms");
        assert_eq!(show(0.0, "bytes/s"), "0 B/s");
        assert_eq!(show(6_291_456.0, "bytes"), "6.3 MB");
    }
}
