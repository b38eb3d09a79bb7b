//! Typed parameter generators: integer ranges and keys (uniform or Zipf), sequences, decimals,
//! floats, lists (optionally weighted), dates, date-times, strings, bits and values from a CSV
//! file. All draws come from one seeded `StdRng`, so a seed reproduces the same values.
//!
//! [`parse`] reads one generator from its TOML table (`{ type = "int", min = 1, max = 100 }`);
//! its errors name the sub-field.

use std::path::Path;

use chrono::{NaiveDate, NaiveDateTime};
use rand::Rng;
use rand::rngs::StdRng;
use rust_decimal::Decimal;

use crate::value::{IntType, ParamValue};
use crate::zipf::Zipf;

/// How integer keys are distributed.
#[derive(Clone, Debug, PartialEq)]
pub enum KeyDist {
    /// Every key equally likely.
    Uniform,
    /// Key `min` hottest, P(min + k − 1) ∝ 1/k^s.
    Zipf(Zipf),
}

/// A parameter generator.
#[derive(Clone, Debug, PartialEq)]
pub enum Generator {
    /// Integers in `min..=max`.
    Int { min: i64, max: i64, dist: KeyDist, ty: IntType },
    /// `start + step × item index`: unique across items and shards.
    Sequence { start: i64, step: i64, ty: IntType },
    /// Decimals in `min..=max` (as integers scaled by 10^scale).
    Decimal { min: i64, max: i64, scale: u32 },
    /// Floats in `min..max`.
    Float { min: f64, max: f64 },
    /// One of `values`; `cumulative` weights when weighted.
    List { values: Vec<ParamValue>, cumulative: Option<Vec<u64>> },
    /// Dates in `min..=min+days`.
    Date { min: NaiveDate, days: i64 },
    /// Date-times in `min..=min+seconds`.
    DateTime { min: NaiveDateTime, seconds: i64 },
    /// `prefix` + random characters of `alphabet`, length in `min_len..=max_len`.
    String { prefix: String, min_len: usize, max_len: usize, alphabet: Vec<char> },
    /// True with probability `p`.
    Bit { p: f64 },
}

impl Generator {
    /// Draws one value for the item with global index `index`.
    pub fn generate(&self, rng: &mut StdRng, index: u64) -> ParamValue {
        match self {
            Generator::Int { min, max, dist, ty } => {
                let v = match dist {
                    KeyDist::Uniform => rng.random_range(*min..=*max),
                    KeyDist::Zipf(z) => min.saturating_add(z.sample(rng) as i64 - 1),
                };
                ty.value(v)
            }
            Generator::Sequence { start, step, ty } => {
                ty.value(start.saturating_add(step.saturating_mul(index as i64)))
            }
            Generator::Decimal { min, max, scale } => {
                ParamValue::Decimal(Decimal::new(rng.random_range(*min..=*max), *scale))
            }
            Generator::Float { min, max } => ParamValue::Float(min + rng.random::<f64>() * (max - min)),
            Generator::List { values, cumulative } => {
                let i = match cumulative {
                    None => rng.random_range(0..values.len()),
                    Some(c) => pick_weighted(c, rng),
                };
                values[i].clone()
            }
            Generator::Date { min, days } => {
                ParamValue::Date(*min + chrono::Duration::days(rng.random_range(0..=*days)))
            }
            Generator::DateTime { min, seconds } => {
                ParamValue::DateTime(*min + chrono::Duration::seconds(rng.random_range(0..=*seconds)))
            }
            Generator::String { prefix, min_len, max_len, alphabet } => {
                let len = rng.random_range(*min_len..=*max_len);
                let mut s = String::with_capacity(prefix.len() + len);
                s.push_str(prefix);
                for _ in 0..len {
                    s.push(alphabet[rng.random_range(0..alphabet.len())]);
                }
                ParamValue::NVarChar(s)
            }
            Generator::Bit { p } => ParamValue::Bit(rng.random::<f64>() < *p),
        }
    }
}

/// Index drawn from cumulative weights (the last entry is the total, > 0).
pub fn pick_weighted(cumulative: &[u64], rng: &mut StdRng) -> usize {
    let total = cumulative.last().copied().unwrap_or(0);
    if total == 0 {
        return 0;
    }
    let r = rng.random_range(0..total);
    cumulative.partition_point(|&c| c <= r)
}

/// A problem in a generator table: the sub-field and the message.
pub type FieldError = (String, String);

fn err(field: &str, message: impl Into<String>) -> FieldError {
    (field.to_string(), message.into())
}

/// The generator types, for messages.
pub const TYPES: &str = "int, key, sequence, decimal, float, list, date, datetime, string, bit, csv";

/// Reads a generator from its TOML table. `base` is the workload file's folder (for `csv`).
pub fn parse(table: &toml::Table, base: &Path) -> Result<Generator, FieldError> {
    let ty = match table.get("type") {
        Some(toml::Value::String(s)) => s.as_str(),
        Some(_) => return Err(err("type", format!("must be a string, one of: {TYPES}"))),
        None => return Err(err("type", format!("missing: add type = \"…\", one of: {TYPES}"))),
    };
    let allowed: &[&str] = match ty {
        "int" | "key" => &["min", "max", "distribution", "s", "sql_type"],
        "sequence" => &["start", "step", "sql_type"],
        "decimal" => &["min", "max", "scale"],
        "float" => &["min", "max"],
        "list" => &["values", "weights"],
        "date" | "datetime" => &["min", "max"],
        "string" => &["prefix", "length", "min_length", "max_length", "alphabet"],
        "bit" => &["p"],
        "csv" => &["file", "column", "sql_type"],
        other => return Err(err("type", format!("unknown generator `{other}`; use one of: {TYPES}"))),
    };
    if let Some(key) = table.keys().find(|k| *k != "type" && !allowed.contains(&k.as_str())) {
        return Err(err(
            key,
            format!("not a field of a `{ty}` generator; its fields are: {}", allowed.join(", ")),
        ));
    }
    match ty {
        "int" | "key" => parse_int(table),
        "sequence" => Ok(Generator::Sequence {
            start: opt_int(table, "start")?.unwrap_or(1),
            step: opt_int(table, "step")?.unwrap_or(1),
            ty: sql_int_type(table)?,
        }),
        "decimal" => parse_decimal(table),
        "float" => {
            let (min, max) = (req_float(table, "min")?, req_float(table, "max")?);
            if min > max {
                return Err(err("max", "must be at least min"));
            }
            Ok(Generator::Float { min, max })
        }
        "list" => parse_list(table),
        "date" => {
            let (min, max) = (req_date(table, "min")?, req_date(table, "max")?);
            let days = (max - min).num_days();
            if days < 0 {
                return Err(err("max", "must not be before min"));
            }
            Ok(Generator::Date { min, days })
        }
        "datetime" => {
            let (min, max) = (req_datetime(table, "min")?, req_datetime(table, "max")?);
            let seconds = (max - min).num_seconds();
            if seconds < 0 {
                return Err(err("max", "must not be before min"));
            }
            Ok(Generator::DateTime { min, seconds })
        }
        "string" => parse_string(table),
        "bit" => {
            let p = opt_float(table, "p")?.unwrap_or(0.5);
            if !(0.0..=1.0).contains(&p) {
                return Err(err("p", "must be between 0 and 1"));
            }
            Ok(Generator::Bit { p })
        }
        _ => parse_csv(table, base),
    }
}

fn parse_int(table: &toml::Table) -> Result<Generator, FieldError> {
    let ty = sql_int_type(table)?;
    let (min, max) = (req_int(table, "min")?, req_int(table, "max")?);
    if min > max {
        return Err(err("max", format!("{max} is below min {min}")));
    }
    let (lo, hi) = ty.range();
    if min < lo || max > hi {
        return Err(err(
            "max",
            format!("min..max must fit the SQL type ({lo}..{hi}); set sql_type = \"bigint\""),
        ));
    }
    let dist = match opt_str(table, "distribution")?.unwrap_or("uniform") {
        "uniform" => KeyDist::Uniform,
        "zipf" => {
            let s = opt_float(table, "s")?.unwrap_or(1.0);
            let n = (max as i128 - min as i128 + 1).min(u64::MAX as i128) as u64;
            KeyDist::Zipf(Zipf::new(n, s).ok_or_else(|| err("s", "the Zipf exponent must be above 0"))?)
        }
        other => return Err(err("distribution", format!("`{other}`: use \"uniform\" or \"zipf\""))),
    };
    Ok(Generator::Int { min, max, dist, ty })
}

fn parse_decimal(table: &toml::Table) -> Result<Generator, FieldError> {
    let min = req_decimal(table, "min")?;
    let max = req_decimal(table, "max")?;
    let scale = match opt_int(table, "scale")? {
        Some(s) if (0..=18).contains(&s) => s as u32,
        Some(_) => return Err(err("scale", "must be between 0 and 18")),
        None => min.scale().max(max.scale()).max(2),
    };
    let scaled = |d: Decimal, field: &str| -> Result<i64, FieldError> {
        let factor = Decimal::from(10i64.pow(scale));
        (d * factor)
            .round()
            .try_into()
            .map_err(|_| err(field, "too large for the scale; lower it or the value"))
    };
    let (lo, hi) = (scaled(min, "min")?, scaled(max, "max")?);
    if lo > hi {
        return Err(err("max", "must be at least min"));
    }
    Ok(Generator::Decimal { min: lo, max: hi, scale })
}

fn parse_list(table: &toml::Table) -> Result<Generator, FieldError> {
    let Some(toml::Value::Array(items)) = table.get("values") else {
        return Err(err("values", "missing: add values = [ … ] (numbers, strings, booleans or dates)"));
    };
    if items.is_empty() {
        return Err(err("values", "must not be empty"));
    }
    let values = items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            toml_value(v)
                .ok_or_else(|| err(&format!("values[{i}]"), "must be a number, string, boolean or date"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let cumulative = match table.get("weights") {
        None => None,
        Some(toml::Value::Array(ws)) => {
            if ws.len() != values.len() {
                return Err(err(
                    "weights",
                    format!(
                        "has {} entries for {} values; give one weight per value",
                        ws.len(),
                        values.len()
                    ),
                ));
            }
            let mut total = 0u64;
            let mut c = Vec::with_capacity(ws.len());
            for (i, w) in ws.iter().enumerate() {
                match w.as_integer() {
                    Some(w) if w >= 0 => total += w as u64,
                    _ => return Err(err(&format!("weights[{i}]"), "must be a whole number ≥ 0")),
                }
                c.push(total);
            }
            if total == 0 {
                return Err(err("weights", "at least one weight must be above 0"));
            }
            Some(c)
        }
        Some(_) => return Err(err("weights", "must be an array of whole numbers")),
    };
    Ok(Generator::List { values, cumulative })
}

fn parse_string(table: &toml::Table) -> Result<Generator, FieldError> {
    let prefix = opt_str(table, "prefix")?.unwrap_or("").to_string();
    let length = opt_int(table, "length")?;
    let min_len = opt_int(table, "min_length")?.or(length).unwrap_or(8);
    let max_len = opt_int(table, "max_length")?.or(length).unwrap_or(min_len.max(8));
    if min_len < 0 || max_len < min_len || max_len > 4000 {
        return Err(err("max_length", "lengths must satisfy 0 <= min_length <= max_length <= 4000"));
    }
    let alphabet: Vec<char> = match opt_str(table, "alphabet")?.unwrap_or("alnum") {
        "alnum" => ('a'..='z').chain('A'..='Z').chain('0'..='9').collect(),
        "alpha" => ('a'..='z').chain('A'..='Z').collect(),
        "lower" => ('a'..='z').collect(),
        "digits" => ('0'..='9').collect(),
        "hex" => ('0'..='9').chain('a'..='f').collect(),
        custom => custom.chars().collect(),
    };
    if alphabet.is_empty() {
        return Err(err("alphabet", "must not be empty"));
    }
    Ok(Generator::String { prefix, min_len: min_len as usize, max_len: max_len as usize, alphabet })
}

fn parse_csv(table: &toml::Table, base: &Path) -> Result<Generator, FieldError> {
    let file = opt_str(table, "file")?
        .ok_or_else(|| err("file", "missing: add file = \"values.csv\" (relative to the workload file)"))?;
    let path = base.join(file);
    let sql_type = opt_str(table, "sql_type")?.unwrap_or("nvarchar");
    let mut reader = csv::Reader::from_path(&path)
        .map_err(|e| err("file", format!("cannot read {}: {e}", path.display())))?;
    let headers = reader.headers().map_err(|e| err("file", format!("{}: {e}", path.display())))?.clone();
    let column = match table.get("column") {
        None => 0,
        Some(toml::Value::Integer(i)) if *i >= 0 && (*i as usize) < headers.len() => *i as usize,
        Some(toml::Value::String(name)) => headers.iter().position(|h| h == name).ok_or_else(|| {
            err(
                "column",
                format!(
                    "{} has no column `{name}`; its columns are: {}",
                    path.display(),
                    headers.iter().collect::<Vec<_>>().join(", ")
                ),
            )
        })?,
        Some(_) => {
            return Err(err(
                "column",
                format!("must be a column name or a 0-based index below {}", headers.len()),
            ));
        }
    };
    let mut values = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| err("file", format!("{}: {e}", path.display())))?;
        let cell = record.get(column).unwrap_or("");
        let value = typed_cell(cell, sql_type)
            .map_err(|m| err("file", format!("{} line {}: `{cell}` {m}", path.display(), row + 2)))?;
        values.push(value);
    }
    if values.is_empty() {
        return Err(err("file", format!("{} has no data rows", path.display())));
    }
    Ok(Generator::List { values, cumulative: None })
}

/// Converts a CSV cell to the requested SQL type.
fn typed_cell(cell: &str, sql_type: &str) -> Result<ParamValue, String> {
    let t = cell.trim();
    match sql_type {
        "nvarchar" | "varchar" => Ok(ParamValue::NVarChar(cell.to_string())),
        "decimal" => t.parse::<Decimal>().map(ParamValue::Decimal).map_err(|_| "is not a decimal".into()),
        "float" => t.parse::<f64>().map(ParamValue::Float).map_err(|_| "is not a number".into()),
        "date" => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(ParamValue::Date)
            .map_err(|_| "is not a date (YYYY-MM-DD)".into()),
        other => match IntType::parse(other) {
            Some(ty) => {
                let v: i64 = t.parse().map_err(|_| "is not an integer".to_string())?;
                let (lo, hi) = ty.range();
                if v < lo || v > hi {
                    return Err(format!("does not fit {other}"));
                }
                Ok(ty.value(v))
            }
            None => Err(format!(
                "cannot be read as sql_type `{other}`: use nvarchar, int, bigint, smallint, tinyint, decimal, float or date"
            )),
        },
    }
}

/// A TOML scalar as a parameter value (integers become `int` when they fit, else `bigint`).
pub fn toml_value(v: &toml::Value) -> Option<ParamValue> {
    Some(match v {
        toml::Value::Integer(i) => match i32::try_from(*i) {
            Ok(i) => ParamValue::Int(i),
            Err(_) => ParamValue::BigInt(*i),
        },
        toml::Value::Float(f) => ParamValue::Float(*f),
        toml::Value::String(s) => ParamValue::NVarChar(s.clone()),
        toml::Value::Boolean(b) => ParamValue::Bit(*b),
        toml::Value::Datetime(d) => match (d.date, d.time) {
            (Some(date), None) => ParamValue::Date(NaiveDate::from_ymd_opt(
                date.year.into(),
                date.month.into(),
                date.day.into(),
            )?),
            _ => ParamValue::DateTime(
                NaiveDateTime::parse_from_str(&d.to_string().replace('T', " "), "%Y-%m-%d %H:%M:%S%.f")
                    .ok()?,
            ),
        },
        _ => return None,
    })
}

fn sql_int_type(table: &toml::Table) -> Result<IntType, FieldError> {
    match opt_str(table, "sql_type")? {
        None => Ok(IntType::Int),
        Some(name) => IntType::parse(name)
            .ok_or_else(|| err("sql_type", format!("`{name}`: use int, bigint, smallint or tinyint"))),
    }
}

fn opt_str<'a>(table: &'a toml::Table, key: &str) -> Result<Option<&'a str>, FieldError> {
    match table.get(key) {
        None => Ok(None),
        Some(toml::Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(err(key, "must be a string")),
    }
}

fn opt_int(table: &toml::Table, key: &str) -> Result<Option<i64>, FieldError> {
    match table.get(key) {
        None => Ok(None),
        Some(toml::Value::Integer(i)) => Ok(Some(*i)),
        Some(_) => Err(err(key, "must be a whole number")),
    }
}

fn req_int(table: &toml::Table, key: &str) -> Result<i64, FieldError> {
    opt_int(table, key)?.ok_or_else(|| err(key, "missing: add it (a whole number)"))
}

fn opt_float(table: &toml::Table, key: &str) -> Result<Option<f64>, FieldError> {
    match table.get(key) {
        None => Ok(None),
        Some(toml::Value::Integer(i)) => Ok(Some(*i as f64)),
        Some(toml::Value::Float(f)) if f.is_finite() => Ok(Some(*f)),
        Some(_) => Err(err(key, "must be a number")),
    }
}

fn req_float(table: &toml::Table, key: &str) -> Result<f64, FieldError> {
    opt_float(table, key)?.ok_or_else(|| err(key, "missing: add it (a number)"))
}

fn req_decimal(table: &toml::Table, key: &str) -> Result<Decimal, FieldError> {
    match table.get(key) {
        Some(toml::Value::Integer(i)) => Ok(Decimal::from(*i)),
        Some(toml::Value::String(s)) => {
            s.trim().parse().map_err(|_| err(key, format!("`{s}` is not a decimal")))
        }
        Some(toml::Value::Float(f)) => Decimal::try_from(*f).map_err(|_| err(key, "is not a usable decimal")),
        Some(_) => Err(err(key, "must be a number or a string such as \"19.99\"")),
        None => Err(err(key, "missing: add it (e.g. \"19.99\")")),
    }
}

fn req_date(table: &toml::Table, key: &str) -> Result<NaiveDate, FieldError> {
    match table.get(key).and_then(|v| match v {
        toml::Value::String(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok().map(ParamValue::Date),
        other => toml_value(other),
    }) {
        Some(ParamValue::Date(d)) => Ok(d),
        _ => Err(err(key, "must be a date: 2024-01-31")),
    }
}

fn req_datetime(table: &toml::Table, key: &str) -> Result<NaiveDateTime, FieldError> {
    let parsed = table.get(key).and_then(|v| match v {
        toml::Value::String(s) => NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%d %H:%M:%S").ok(),
        other => match toml_value(other)? {
            ParamValue::DateTime(d) => Some(d),
            ParamValue::Date(d) => d.and_hms_opt(0, 0, 0),
            _ => None,
        },
    });
    parsed.ok_or_else(|| err(key, "must be a date-time: 2024-01-31T08:00:00"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn gen_of(text: &str) -> Result<Generator, FieldError> {
        let table: toml::Table = toml::from_str(text).unwrap();
        parse(&table, Path::new("."))
    }

    fn draws(g: &Generator, seed: u64, n: u64) -> Vec<ParamValue> {
        let mut rng = StdRng::seed_from_u64(seed);
        (0..n).map(|i| g.generate(&mut rng, i)).collect()
    }

    #[test]
    fn every_generator_is_reproducible_per_seed_and_in_range() {
        let specs = [
            "type='int'\nmin=5\nmax=9",
            "type='key'\nmin=1\nmax=1000\ndistribution='zipf'\ns=1.1",
            "type='sequence'\nstart=100",
            "type='decimal'\nmin='1.50'\nmax='99.99'",
            "type='float'\nmin=0\nmax=1",
            "type='list'\nvalues=['a','b','c']\nweights=[1,0,3]",
            "type='date'\nmin=2024-01-01\nmax=2024-12-31",
            "type='datetime'\nmin='2024-01-01 00:00:00'\nmax='2024-01-02 00:00:00'",
            "type='string'\nprefix='C-'\nmin_length=3\nmax_length=6",
            "type='bit'\np=0.3",
        ];
        for spec in specs {
            let g = gen_of(spec).unwrap_or_else(|e| panic!("{spec}: {e:?}"));
            assert_eq!(draws(&g, 42, 200), draws(&g, 42, 200), "{spec}");
            assert_ne!(
                draws(&g, 42, 200),
                draws(&g, 43, 200).into_iter().rev().collect::<Vec<_>>(),
                "{spec}"
            );
        }
        for v in draws(&gen_of("type='int'\nmin=5\nmax=9").unwrap(), 1, 500) {
            assert!(matches!(v, ParamValue::Int(5..=9)), "{v:?}");
        }
        for v in draws(&gen_of("type='list'\nvalues=['a','b','c']\nweights=[1,0,3]").unwrap(), 1, 500) {
            assert_ne!(v, ParamValue::NVarChar("b".into()), "weight 0 never drawn");
        }
        for v in draws(&gen_of("type='decimal'\nmin='1.50'\nmax='99.99'").unwrap(), 1, 500) {
            let ParamValue::Decimal(d) = v else { panic!() };
            assert!(d >= Decimal::new(150, 2) && d <= Decimal::new(9999, 2) && d.scale() == 2, "{d}");
        }
        for v in draws(&gen_of("type='string'\nprefix='C-'\nmin_length=3\nmax_length=6").unwrap(), 1, 100) {
            let ParamValue::NVarChar(s) = v else { panic!() };
            assert!(s.starts_with("C-") && (5..=8).contains(&s.len()), "{s}");
        }
        assert_eq!(
            draws(&gen_of("type='sequence'\nstart=100").unwrap(), 9, 3),
            vec![ParamValue::Int(100), ParamValue::Int(101), ParamValue::Int(102)]
        );
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(gen_of("type='int'\nmin=9\nmax=1").unwrap_err().0, "max");
        assert_eq!(gen_of("type='int'\nmin=1").unwrap_err().0, "max");
        assert_eq!(gen_of("type='nope'").unwrap_err().0, "type");
        assert_eq!(gen_of("type='int'\nmin=1\nmax=2\nmaxx=3").unwrap_err().0, "maxx");
        assert_eq!(gen_of("type='list'\nvalues=[1,2]\nweights=[1]").unwrap_err().0, "weights");
        assert_eq!(gen_of("type='int'\nmin=1\nmax=2\ndistribution='zipf'\ns=0").unwrap_err().0, "s");
        assert_eq!(gen_of("type='int'\nmin=0\nmax=300\nsql_type='tinyint'").unwrap_err().0, "max");
    }

    #[test]
    fn csv_values_are_typed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        std::fs::write(dir.join("c.csv"), "id,email\n7,a@x\n9,b@x\n").unwrap();
        let table: toml::Table =
            toml::from_str("type='csv'\nfile='c.csv'\ncolumn='id'\nsql_type='bigint'").unwrap();
        let g = parse(&table, &dir).unwrap();
        for v in draws(&g, 3, 50) {
            assert!(matches!(v, ParamValue::BigInt(7 | 9)), "{v:?}");
        }
        let table: toml::Table =
            toml::from_str("type='csv'\nfile='c.csv'\ncolumn='email'\nsql_type='int'").unwrap();
        let e = parse(&table, &dir).unwrap_err();
        assert!(e.1.contains("line 2") && e.1.contains("a@x"), "{e:?}");
        let table: toml::Table = toml::from_str("type='csv'\nfile='c.csv'\ncolumn='nope'").unwrap();
        assert!(parse(&table, &dir).unwrap_err().1.contains("id, email"));
    }
}
