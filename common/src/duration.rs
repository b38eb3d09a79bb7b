//! The one duration grammar of every flag and file (`collect --duration`, `replay --duration`,
//! `[collect]` in cutover.toml, workload files, gate files): a number, then a unit.
//!
//! | unit | means |
//! |---|---|
//! | `us`, `µs` | microseconds |
//! | `ms` | milliseconds |
//! | `s`, `sec`, `secs`, none | seconds |
//! | `m`, `min`, `mins` | minutes |
//! | `h`, `hr`, `hour`, `hours` | hours |
//! | `d`, `day`, `days` | days |
//!
//! Decimals are fine (`1.5h`), a space between number and unit too (`2 min`).

use std::time::Duration;

/// What the grammar accepts, for error messages.
pub const EXAMPLES: &str = "500ms, 15s, 2m (or 2min), 1.5h, 1d";

/// The longest duration accepted (about 31 years): beyond it a value is surely a typo.
const MAX_SECONDS: f64 = 1e9;

/// `(unit spellings, seconds per unit)`.
const UNITS: &[(&[&str], f64)] = &[
    (&["us", "µs"], 1e-6),
    (&["ms"], 1e-3),
    (&["", "s", "sec", "secs"], 1.0),
    (&["m", "min", "mins"], 60.0),
    (&["h", "hr", "hour", "hours"], 3600.0),
    (&["d", "day", "days"], 86_400.0),
];

/// Parses a duration; zero is allowed (a think time of `0s`).
pub fn parse(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration: write a number and a unit, e.g. {EXAMPLES}"))?;
    let unit = unit.trim();
    let Some((_, scale)) = UNITS.iter().find(|(names, _)| names.contains(&unit)) else {
        return Err(format!("`{text}`: unknown unit `{unit}` (use us, ms, s, m or min, h, d)"));
    };
    let seconds = value * scale;
    if !seconds.is_finite() || !(0.0..=MAX_SECONDS).contains(&seconds) {
        return Err(format!("`{text}` is out of range"));
    }
    Ok(Duration::from_secs_f64(seconds))
}

/// Parses a duration that must be more than zero (an interval, a run's length).
pub fn parse_positive(text: &str) -> Result<Duration, String> {
    let d = parse(text)?;
    if d.is_zero() {
        return Err(format!("`{}` must be more than zero", text.trim()));
    }
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spelling_the_commands_accepted_before_is_accepted() {
        // collect's old grammar (ms, s, m, h, bare seconds) and replay's (us, sec, min).
        for (text, want) in [
            ("500ms", Duration::from_millis(500)),
            ("15s", Duration::from_secs(15)),
            ("30", Duration::from_secs(30)),
            ("2m", Duration::from_secs(120)),
            ("2min", Duration::from_secs(120)),
            ("2 min", Duration::from_secs(120)),
            ("1.5h", Duration::from_secs(5400)),
            ("250us", Duration::from_micros(250)),
            ("250µs", Duration::from_micros(250)),
            ("10sec", Duration::from_secs(10)),
            ("1d", Duration::from_secs(86_400)),
            ("0s", Duration::ZERO),
        ] {
            assert_eq!(parse(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn mistakes_name_the_fix() {
        assert!(parse("15 parsecs").unwrap_err().contains("unknown unit `parsecs`"));
        assert!(parse("soon").unwrap_err().contains("e.g. 500ms"));
        assert!(parse("-5s").is_err());
        assert!(parse("1e12h").is_err() || parse("99999999999h").is_err());
        assert!(parse_positive("0s").unwrap_err().contains("more than zero"));
        assert_eq!(parse_positive("2min"), Ok(Duration::from_secs(120)));
    }
}
