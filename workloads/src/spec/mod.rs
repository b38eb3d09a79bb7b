//! The declarative workload file (TOML), read into a validated [`Workload`].
//!
//! The format is documented in `docs/workload-format.md`. Every error names the file, the line
//! and column, and the field (`template[2] new_order.weight`), from toml's spans.
//!
//! | file | concern |
//! |---|---|
//! | `mod.rs` | the raw TOML shapes and their validation |
//! | `bind.rs` | `@name` → `@Pk` for typed RPC parameters |
//! | `access.rs` | read/write classification of SQL |

pub mod access;
pub mod bind;

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

pub use access::write_keyword;
pub use bind::{Bound, bind};

use crate::error::{Error, Result};
use crate::generator::{self, Generator};
use crate::units::parse_rate;
use cutover_common::duration::parse as parse_duration;

/// How arrivals are spaced in an open-loop run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Arrival {
    /// Exactly 1/rate apart.
    Fixed,
    /// Exponential gaps with mean 1/rate (a Poisson process).
    Poisson,
}

/// Open loop (a schedule of arrivals) or closed loop (workers that wait for each reply).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "loop")]
pub enum Load {
    /// Arrivals at `rate` per second, served by `connections` connections.
    Open {
        /// Target arrivals per second.
        rate: f64,
        /// Fixed or Poisson spacing.
        arrival: Arrival,
        /// Connections serving the arrivals.
        connections: usize,
    },
    /// `workers` connections, each sending the next unit when the last one returned.
    Closed {
        /// Workers (connections).
        workers: usize,
    },
}

/// When a run stops.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stop {
    /// After this long (measured from the start, warm-up included).
    Duration(#[serde(with = "secs")] Duration),
    /// After this many units (warm-up included).
    Count(u64),
}

/// Whether a template changes data.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Reads only.
    Read,
    /// Writes (refused without `--allow-writes`).
    Write,
}

/// One statement of a template, with positional parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Statement {
    /// SQL with `@P1…`.
    pub sql: String,
    /// Indices into the template's generated values, one per `@Pk`.
    pub args: Vec<usize>,
}

/// A query template: one statement, or several in a transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct Template {
    /// Unique name (letters, digits, `_`, `-`): the histogram tag.
    pub name: String,
    /// Relative weight in the mix.
    pub weight: u64,
    /// Read or write.
    pub access: Access,
    /// The statements, in order.
    pub statements: Vec<Statement>,
    /// Run the statements inside BEGIN TRANSACTION … COMMIT.
    pub transaction: bool,
    /// Per-unit timeout (the workload's default when not set).
    pub timeout: Option<Duration>,
    /// Times a unit is sent again after a transient error (0: never).
    pub retries: u32,
    /// Parameter names, in generation order.
    pub params: Vec<String>,
    /// One generator per parameter.
    pub generators: Vec<Generator>,
}

/// A table the data generator fills.
#[derive(Clone, Debug, PartialEq)]
pub struct SetupTable {
    /// Table name as written.
    pub name: String,
    /// Rows per unit of `--scale`.
    pub rows: u64,
    /// Column names and generators, in order.
    pub columns: Vec<(String, Generator)>,
}

/// Schema and data for `cutover workload init`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Setup {
    /// Batches of DDL (the schema split on `GO` lines).
    pub schema: Vec<String>,
    /// Tables to fill, in order.
    pub tables: Vec<SetupTable>,
}

/// A validated workload.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    /// `[workload] name`.
    pub name: String,
    /// Free text.
    pub description: String,
    /// The file it came from, as given.
    pub file: String,
    /// Database to use (`USE`) on every connection, when set.
    pub database: Option<String>,
    /// Seed for every random draw.
    pub seed: u64,
    /// Open or closed loop.
    pub load: Load,
    /// When to stop.
    pub stop: Stop,
    /// Units whose intended start falls in the warm-up are run but not recorded.
    pub warmup: Duration,
    /// Closed loop: pause between a reply and the next unit.
    pub think_time: Duration,
    /// Default per-unit timeout.
    pub timeout: Option<Duration>,
    /// Open loop: skip units that could only start later than this behind schedule.
    pub max_lag: Option<Duration>,
    /// Fidelity: a unit is on time when it starts within this of its schedule.
    pub tolerance: Duration,
    /// The templates.
    pub templates: Vec<Template>,
    /// Schema and data generator, when the file has `[setup]`.
    pub setup: Option<Setup>,
}

impl Workload {
    /// Reads and validates a workload file.
    pub fn load(path: &Path) -> Result<Workload> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| Error::Read { path: path.to_path_buf(), source })?;
        let base = path.parent().unwrap_or(Path::new("."));
        Workload::parse(&path.display().to_string(), &text, base)
    }

    /// Validates workload text; `file` names it in errors, `base` resolves CSV paths.
    pub fn parse(file: &str, text: &str, base: &Path) -> Result<Workload> {
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let offset = e.span().map(|s| s.start).unwrap_or(0);
            Error::at(file, text, offset, "syntax", e.message().trim().to_string())
        })?;
        Checker { file, text, base }.workload(raw)
    }

    /// The templates that write.
    pub fn writing_templates(&self) -> Vec<&str> {
        self.templates.iter().filter(|t| t.access == Access::Write).map(|t| t.name.as_str()).collect()
    }
}

mod secs {
    pub fn serialize<S: serde::Serializer>(d: &std::time::Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(d.as_secs_f64())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    workload: Spanned<RawWorkload>,
    #[serde(default)]
    params: BTreeMap<String, Spanned<toml::Table>>,
    #[serde(default)]
    template: Vec<Spanned<RawTemplate>>,
    setup: Option<Spanned<RawSetup>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWorkload {
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    database: Option<Spanned<String>>,
    seed: Option<Spanned<i64>>,
    rate: Option<Spanned<toml::Value>>,
    arrival: Option<Spanned<String>>,
    connections: Option<Spanned<i64>>,
    concurrency: Option<Spanned<i64>>,
    think_time: Option<Spanned<String>>,
    duration: Option<Spanned<String>>,
    count: Option<Spanned<i64>>,
    warmup: Option<Spanned<String>>,
    timeout: Option<Spanned<String>>,
    max_lag: Option<Spanned<String>>,
    tolerance: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTemplate {
    name: Spanned<String>,
    weight: Option<Spanned<i64>>,
    access: Option<Spanned<String>>,
    sql: Option<Spanned<String>>,
    statements: Option<Spanned<Vec<String>>>,
    transaction: Option<bool>,
    timeout: Option<Spanned<String>>,
    retries: Option<Spanned<i64>>,
    #[serde(default)]
    params: BTreeMap<String, Spanned<toml::Table>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSetup {
    #[serde(default)]
    schema: String,
    #[serde(default)]
    table: Vec<Spanned<RawTable>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    name: Spanned<String>,
    rows: Spanned<i64>,
    columns: Vec<Spanned<toml::Table>>,
}

/// Default open-loop connections.
pub const DEFAULT_CONNECTIONS: usize = 16;
/// The most retries a template may ask for.
pub const MAX_RETRIES: i64 = 10;
/// Default fidelity tolerance.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_millis(10);

struct Checker<'a> {
    file: &'a str,
    text: &'a str,
    base: &'a Path,
}

impl Checker<'_> {
    fn err(&self, span: Range<usize>, field: impl Into<String>, message: impl Into<String>) -> Error {
        Error::at(self.file, self.text, span.start, field, message)
    }

    fn duration(&self, v: &Option<Spanned<String>>, field: &str) -> Result<Option<Duration>> {
        match v {
            None => Ok(None),
            Some(s) => parse_duration(s.get_ref()).map(Some).map_err(|m| self.err(s.span(), field, m)),
        }
    }

    fn positive(&self, v: &Option<Spanned<i64>>, field: &str) -> Result<Option<u64>> {
        match v {
            None => Ok(None),
            Some(s) if *s.get_ref() > 0 => Ok(Some(*s.get_ref() as u64)),
            Some(s) => Err(self.err(s.span(), field, "must be a whole number above 0")),
        }
    }

    fn workload(&self, raw: RawFile) -> Result<Workload> {
        let w = raw.workload.get_ref();
        let name = w.name.get_ref().trim().to_string();
        if name.is_empty() {
            return Err(self.err(w.name.span(), "workload.name", "must not be empty"));
        }
        let seed = match &w.seed {
            Some(s) => *s.get_ref() as u64,
            None => 1,
        };
        let rate = match &w.rate {
            None => None,
            Some(v) => {
                let text = match v.get_ref() {
                    toml::Value::String(s) => s.clone(),
                    toml::Value::Integer(i) => i.to_string(),
                    toml::Value::Float(f) => f.to_string(),
                    _ => String::new(),
                };
                Some(parse_rate(&text).map_err(|m| self.err(v.span(), "workload.rate", m))?)
            }
        };
        let arrival = match w.arrival.as_ref().map(|a| (a.get_ref().as_str(), a.span())) {
            None | Some(("poisson", _)) => Arrival::Poisson,
            Some(("fixed", _)) => Arrival::Fixed,
            Some((other, span)) => {
                return Err(self.err(
                    span,
                    "workload.arrival",
                    format!("`{other}`: use \"poisson\" or \"fixed\""),
                ));
            }
        };
        let connections = self.positive(&w.connections, "workload.connections")?;
        let concurrency = self.positive(&w.concurrency, "workload.concurrency")?;
        let load = match (rate, concurrency) {
            (Some(rate), _) => Load::Open {
                rate,
                arrival,
                connections: connections.or(concurrency).map(|c| c as usize).unwrap_or(DEFAULT_CONNECTIONS),
            },
            (None, Some(workers)) => Load::Closed { workers: workers as usize },
            (None, None) => {
                return Err(self.err(
                    raw.workload.span(),
                    "workload",
                    "neither rate nor concurrency is set: add rate = \"100/s\" (open loop) or concurrency = 8 (closed loop)",
                ));
            }
        };
        let duration = self.duration(&w.duration, "workload.duration")?;
        let count = self.positive(&w.count, "workload.count")?;
        let stop = match (duration, count) {
            (Some(_), Some(_)) => {
                let span = w.count.as_ref().map(|c| c.span()).unwrap_or(0..0);
                return Err(self.err(span, "workload.count", "set duration or count, not both"));
            }
            (Some(d), None) => Stop::Duration(d),
            (None, Some(c)) => Stop::Count(c),
            (None, None) => Stop::Duration(Duration::from_secs(60)),
        };
        let database = w.database.as_ref().map(|d| d.get_ref().clone());
        let mut templates = Vec::new();
        if raw.template.is_empty() {
            return Err(self.err(
                raw.workload.span(),
                "template",
                "the workload has no [[template]]: add at least one",
            ));
        }
        for (i, t) in raw.template.iter().enumerate() {
            let template = self.template(i, t, &raw.params)?;
            if templates.iter().any(|other: &Template| other.name == template.name) {
                return Err(self.err(
                    t.get_ref().name.span(),
                    format!("template[{i}].name"),
                    format!("`{}` is used twice: names must be unique", template.name),
                ));
            }
            templates.push(template);
        }
        if templates.iter().all(|t| t.weight == 0) {
            return Err(self.err(
                raw.template[0].span(),
                "template.weight",
                "every weight is 0: give at least one template a weight above 0",
            ));
        }
        let setup = match &raw.setup {
            None => None,
            Some(s) => Some(self.setup(s.get_ref())?),
        };
        Ok(Workload {
            name,
            description: w.description.clone(),
            file: self.file.to_string(),
            database,
            seed,
            load,
            stop,
            warmup: self.duration(&w.warmup, "workload.warmup")?.unwrap_or_default(),
            think_time: self.duration(&w.think_time, "workload.think_time")?.unwrap_or_default(),
            timeout: self.duration(&w.timeout, "workload.timeout")?,
            max_lag: self.duration(&w.max_lag, "workload.max_lag")?,
            tolerance: self.duration(&w.tolerance, "workload.tolerance")?.unwrap_or(DEFAULT_TOLERANCE),
            templates,
            setup,
        })
    }

    fn template(
        &self,
        i: usize,
        spanned: &Spanned<RawTemplate>,
        globals: &BTreeMap<String, Spanned<toml::Table>>,
    ) -> Result<Template> {
        let t = spanned.get_ref();
        let name = t.name.get_ref().clone();
        let at = |field: &str| format!("template[{i}] {name}.{field}");
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(self.err(
                t.name.span(),
                at("name"),
                "use letters, digits, `_` and `-` only (it tags histograms)",
            ));
        }
        let weight = match &t.weight {
            None => 1,
            Some(w) if *w.get_ref() >= 0 => *w.get_ref() as u64,
            Some(w) => return Err(self.err(w.span(), at("weight"), "must be a whole number ≥ 0")),
        };
        let (texts, span): (Vec<String>, Range<usize>) = match (&t.sql, &t.statements) {
            (Some(sql), None) => (vec![sql.get_ref().clone()], sql.span()),
            (None, Some(list)) if !list.get_ref().is_empty() => (list.get_ref().clone(), list.span()),
            (Some(_), Some(list)) => {
                return Err(self.err(list.span(), at("statements"), "give sql or statements, not both"));
            }
            _ => {
                return Err(self.err(
                    spanned.span(),
                    at("sql"),
                    "missing: add sql = \"SELECT …\" or statements = [\"…\", \"…\"]",
                ));
            }
        };
        // Parameters: the template's own, then the workload's [params].
        let lookup = |n: &str| -> Option<(&String, &Spanned<toml::Table>)> {
            let key = n.to_ascii_lowercase();
            t.params.iter().chain(globals.iter()).find(|(k, _)| k.to_ascii_lowercase() == key)
        };
        let mut params: Vec<String> = Vec::new();
        let mut generators = Vec::new();
        let mut statements = Vec::new();
        let mut detected_write = None;
        for (s, sql) in texts.iter().enumerate() {
            if sql.trim().is_empty() {
                return Err(self.err(span.clone(), at(&format!("statements[{s}]")), "is empty"));
            }
            detected_write = detected_write.or(write_keyword(sql));
            let bound =
                bind(sql, |n| lookup(n).is_some()).map_err(|m| self.err(span.clone(), at("sql"), m))?;
            let mut args = Vec::new();
            for n in &bound.names {
                let (key, table) = lookup(n)
                    .ok_or_else(|| self.err(span.clone(), at("sql"), format!("@{n} is not defined")))?;
                let slot = match params.iter().position(|p| p == key) {
                    Some(p) => p,
                    None => {
                        let g = generator::parse(table.get_ref(), self.base).map_err(|(sub, m)| {
                            let scope = if t.params.contains_key(key) {
                                at(&format!("params.{key}"))
                            } else {
                                format!("params.{key}")
                            };
                            self.err(table.span(), format!("{scope}.{sub}"), m)
                        })?;
                        params.push(key.clone());
                        generators.push(g);
                        params.len() - 1
                    }
                };
                args.push(slot);
            }
            statements.push(Statement { sql: bound.sql, args });
        }
        if let Some(unused) = t.params.keys().find(|k| !params.contains(k)) {
            let span = t.params.get(unused).map(|p| p.span()).unwrap_or(spanned.span());
            return Err(self.err(
                span,
                at(&format!("params.{unused}")),
                format!("is not used: no statement mentions @{unused}"),
            ));
        }
        let access = match t.access.as_ref().map(|a| (a.get_ref().as_str(), a.span())) {
            None => {
                if detected_write.is_some() {
                    Access::Write
                } else {
                    Access::Read
                }
            }
            Some(("write", _)) => Access::Write,
            Some(("read", s)) => match detected_write {
                Some(word) => {
                    return Err(self.err(
                        s,
                        at("access"),
                        format!("is \"read\" but the SQL contains {word}: mark it access = \"write\""),
                    ));
                }
                None => Access::Read,
            },
            Some((other, s)) => {
                return Err(self.err(s, at("access"), format!("`{other}`: use \"read\" or \"write\"")));
            }
        };
        let timeout = self.duration(&t.timeout, &at("timeout"))?;
        let retries = match &t.retries {
            None => 0,
            Some(r) if (0..=MAX_RETRIES).contains(r.get_ref()) => *r.get_ref() as u32,
            Some(r) => {
                return Err(self.err(
                    r.span(),
                    at("retries"),
                    format!("must be a whole number from 0 to {MAX_RETRIES}"),
                ));
            }
        };
        Ok(Template {
            retries,
            name,
            weight,
            access,
            transaction: t.transaction.unwrap_or(statements.len() > 1),
            statements,
            timeout,
            params,
            generators,
        })
    }

    fn setup(&self, raw: &RawSetup) -> Result<Setup> {
        let schema = split_batches(&raw.schema);
        let mut tables = Vec::new();
        for (i, t) in raw.table.iter().enumerate() {
            let table = t.get_ref();
            let at = |field: &str| format!("setup.table[{i}].{field}");
            if *table.rows.get_ref() < 0 {
                return Err(self.err(table.rows.span(), at("rows"), "must be ≥ 0"));
            }
            let mut columns = Vec::new();
            for (c, col) in table.columns.iter().enumerate() {
                let mut spec = col.get_ref().clone();
                let name = match spec.remove("name") {
                    Some(toml::Value::String(n)) => n,
                    _ => {
                        return Err(self.err(
                            col.span(),
                            at(&format!("columns[{c}].name")),
                            "missing: add name = \"column\"",
                        ));
                    }
                };
                let g = generator::parse(&spec, self.base)
                    .map_err(|(sub, m)| self.err(col.span(), at(&format!("columns[{c}] {name}.{sub}")), m))?;
                columns.push((name, g));
            }
            if columns.is_empty() {
                return Err(self.err(t.span(), at("columns"), "must list at least one column"));
            }
            tables.push(SetupTable {
                name: table.name.get_ref().clone(),
                rows: *table.rows.get_ref() as u64,
                columns,
            });
        }
        Ok(Setup { schema, tables })
    }
}

/// Splits a script into batches on lines that hold only `GO`.
pub fn split_batches(script: &str) -> Vec<String> {
    let mut batches = Vec::new();
    let mut current = String::new();
    for line in script.lines() {
        if line.trim().eq_ignore_ascii_case("go") {
            if !current.trim().is_empty() {
                batches.push(std::mem::take(&mut current));
            }
            current.clear();
        } else {
            current.push_str(line);
            current.push('\n');
        }
    }
    if !current.trim().is_empty() {
        batches.push(current);
    }
    batches
}

#[cfg(test)]
mod tests;
