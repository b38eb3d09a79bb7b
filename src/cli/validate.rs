//! `cutover validate`: compare schema, row counts and contents of source and target.

use super::Outcome;
use super::output::{self, Format, FormatArgs};
use super::server_arg::resolve_server;
use super::validate_progress::Bars;
use anyhow::{Context, bail};
use cutover_mssql::ServerSpec;
use cutover_validate::Since;
use cutover_validate::budget::{Budget, Priority};
use cutover_validate::encoding::Relax;
use cutover_validate::objects::DefinitionMatch;
use cutover_validate::sample::Sample;
use cutover_validate::{Mode, Options};
use cutover_workloads::units::Shard;
use std::io::IsTerminal;
use std::path::PathBuf;

/// Compare schema, row counts and contents of a source and a target database.
///
/// Checksums are computed on the servers (SHA2_256 over an unambiguous row encoding, summed per
/// key segment); differing segments are split until the exact keys are named: missing in target,
/// extra in target, changed (and which columns, in --mode rows). Tables without a key are
/// compared as bags of rows. Every lossy option is named in the report.
///
/// Large tables are cut into segments sized from the measured query time, and --parallel
/// workers compare segments of one table at once; --time-budget stops starting new work when
/// it ends and the report names the key ranges covered (the rest is never a pass). A full run
/// records watermarks per table and side (rowversion, Change Tracking), so a later run with
/// --since checks only what changed since. --shard i/N validates one agent's share.
///
/// Exit codes: 0 identical, 1 differences, 2 could not validate (a table that could not be
/// checked, or was not covered, is never a pass). Reports go to --out: report.json, report.md,
/// junit.xml.
///
/// Examples:
///   CUTOVER_PASSWORD=… cutover validate --source src --target mi --tables 'dbo.*' --out report/
///   cutover validate --source src --target mi --since report/ --out report-window/
///   cutover validate --source src --target mi --time-budget 45m --priority largest-first --out r/
///   cutover validate --source src --target mi --shard "$JOB_COMPLETION_INDEX/8" --out out/shard-0
///   cutover validate --source "Server=…" --target "Server=…" --dry-run
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct ValidateArgs {
    /// Source: a connection string (ADO.NET or JDBC) or a server name from cutover.toml.
    #[arg(long, value_name = "CONN")]
    source: ServerSpec,
    /// Target: a connection string or a server name from cutover.toml.
    #[arg(long, value_name = "CONN")]
    target: ServerSpec,
    /// Database to compare on both sides (overrides the connection strings').
    #[arg(long)]
    database: Option<String>,
    /// Tables to compare, as globs (`dbo.*`, `orders`); repeatable; default all.
    #[arg(long, value_name = "GLOB", value_delimiter = ',')]
    tables: Vec<String>,
    /// Tables to leave out, as globs; repeatable.
    #[arg(long, value_name = "GLOB", value_delimiter = ',')]
    exclude: Vec<String>,
    /// counts: schema and row counts; checksum: plus contents down to keys; rows: plus columns.
    #[arg(long, default_value = "rows", value_parser = ["counts", "checksum", "rows"])]
    mode: String,
    /// Folder for report.json, report.md and junit.xml.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Print the SQL that would run, and run nothing else.
    #[arg(long)]
    dry_run: bool,
    /// Compare instance-level objects instead of data: logins and server roles, credentials,
    /// SQL Agent jobs/steps/schedules/operators, server triggers, linked servers, sys.configurations.
    #[arg(long)]
    instance_objects: bool,
    /// With --instance-objects: write the T-SQL that creates what the target misses (no secrets).
    #[arg(long, value_name = "FILE", requires = "instance_objects")]
    script: Option<PathBuf>,
    /// Relaxation: ignore trailing spaces in text.
    #[arg(long)]
    trim_trailing_spaces: bool,
    /// Relaxation: compare text case-insensitively.
    #[arg(long)]
    case_insensitive: bool,
    /// Relaxation: round floats to this power of ten before comparing (e.g. 1e-6).
    #[arg(long, value_name = "TOL")]
    float_tolerance: Option<String>,
    /// Relaxation: leave a column out (`col`, `table.col`, `schema.table.col`); repeatable.
    #[arg(long, value_name = "COLUMN")]
    ignore_column: Vec<String>,
    /// Relaxation: compare only rows matching this T-SQL predicate on both sides.
    #[arg(long = "where", value_name = "PREDICATE")]
    filter: Option<String>,
    /// Segments at or below this many rows are merged row by row.
    #[arg(long, default_value_t = 10_000)]
    leaf_rows: u64,
    /// Differences listed per table (all are counted).
    #[arg(long, default_value_t = 1000)]
    max_diffs: usize,
    /// Continue a run that stopped part-way: tables already in DIR/checkpoint.json (written as
    /// each table finishes) are taken from it; the others are checked. Needs the same --out
    /// and the same options as the interrupted run.
    #[arg(long, requires = "out")]
    resume: bool,
    /// Workers, each with one connection per side: they compare segments of the same large
    /// table at once, and different tables.
    #[arg(long, value_name = "N", default_value_t = 4)]
    parallel: usize,
    /// Size segments so one checksum query takes about this long (from the rows/s measured on
    /// the table so far).
    #[arg(long, value_name = "SECS", default_value_t = 5.0)]
    segment_seconds: f64,
    /// Stop starting new work after this long (`45m`, `2h`, `90s`); segments running finish.
    /// The report names the tables and key ranges covered; the rest is `not covered` (exit 2).
    #[arg(long, value_name = "DURATION")]
    time_budget: Option<String>,
    /// The order tables are taken in: largest-first, name (default), or a comma-separated
    /// list of table globs to take first.
    #[arg(long, value_name = "ORDER")]
    priority: Option<String>,
    /// Validate only this agent's share: i/N (0 ≤ i < N); tables are dealt largest first to
    /// balance the shards. Merge the shard reports with `cutover compare --validate DIR`.
    #[arg(long, value_name = "i/N")]
    shard: Option<String>,
    /// Check only what changed since the run whose report is in DIR (its `--out`, or a folder
    /// of shard folders): rows above each side's rowversion watermark row by row, deletions
    /// through Change Tracking or per-segment key sums; tables with neither are validated whole.
    #[arg(long, value_name = "DIR")]
    since: Option<PathBuf>,
    /// How long one query may take before it is abandoned (and retried): `90s`, `5m` (a bare
    /// number is seconds); default the connection string's command timeout (30 s).
    #[arg(long, value_name = "DURATION", value_parser = cutover_common::duration::parse_positive)]
    query_timeout: Option<std::time::Duration>,
    /// Attempts per table when its queries fail with a transient error (deadlock, failover,
    /// throttling, dropped connection, timeout); 1 = no retry.
    #[arg(long, value_name = "N", default_value_t = 3)]
    attempts: u32,
    /// Custom validation queries (TOML: `[[query]]` with `name` and `sql`), run on both sides
    /// and compared as bags of typed rows; see docs/validate-report.md.
    #[arg(long, value_name = "FILE")]
    queries: Option<PathBuf>,
    /// Compare only a seeded sample of each keyed table's key ranges (e.g. 1%): the source's keys
    /// are cut into ranges and --seed picks which; both sides compare the same ranges. A match is
    /// reported as `sampled` (verdict `sample_identical`, exit 0), never as a full pass.
    #[arg(long, value_name = "PCT")]
    sample: Option<String>,
    /// Seed for --sample: the same seed over the same source picks the same key ranges.
    #[arg(long, value_name = "N", default_value_t = 0, requires = "sample")]
    seed: u64,
    /// How view, procedure, function and trigger definitions are compared: exact,
    /// whitespace (runs of whitespace outside string literals count as one space), or
    /// ignore-case (whitespace, and case outside string literals).
    #[arg(long, value_name = "HOW", default_value = "whitespace", value_parser = ["exact", "whitespace", "ignore-case"])]
    definitions: String,
    #[command(flatten)]
    output: FormatArgs,
    /// The cutover.toml to read server names from (default: ./cutover.toml if present).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

fn float_decimals(tol: &str) -> anyhow::Result<u8> {
    let v: f64 = tol
        .trim()
        .parse()
        .map_err(|_| cutover_validate::ValidateError::FloatTolerance { value: tol.into() })?;
    let d = -v.log10();
    if !(v > 0.0 && v < 1.0 && (d - d.round()).abs() < 1e-9) {
        bail!(cutover_validate::ValidateError::FloatTolerance { value: tol.into() });
    }
    Ok(d.round() as u8)
}

pub async fn run(args: ValidateArgs) -> anyhow::Result<Outcome> {
    let mut source = resolve_server(&args.source, args.config.as_deref())?;
    let mut target = resolve_server(&args.target, args.config.as_deref())?;
    if let Some(db) = &args.database {
        source.database = Some(db.clone());
        target.database = Some(db.clone());
    }
    if let Some(timeout) = args.query_timeout {
        let limit = Some(timeout);
        source.command_timeout = limit;
        target.command_timeout = limit;
    }
    if args.instance_objects {
        let format =
            args.output.for_command("validate --instance-objects", &[Format::Terminal, Format::Json])?;
        return super::assess::instance_objects(&source, &target, args.script.as_deref(), format).await;
    }
    let defaults = Options::default();
    let queries = match &args.queries {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("could not read --queries {}", path.display()))?;
            cutover_validate::queries::parse(&text, &path.display().to_string())?
        }
        None => vec![],
    };
    let opts = Options {
        tables: args.tables,
        exclude: args.exclude,
        mode: match args.mode.as_str() {
            "counts" => Mode::Counts,
            "checksum" => Mode::Checksum,
            _ => Mode::Rows,
        },
        relax: Relax {
            trim_trailing_spaces: args.trim_trailing_spaces,
            case_insensitive: args.case_insensitive,
            float_decimals: args.float_tolerance.as_deref().map(float_decimals).transpose()?,
        },
        ignore_columns: args.ignore_column,
        filter: args.filter,
        leaf_rows: args.leaf_rows.max(1),
        max_diffs: args.max_diffs,
        parallel: args.parallel.max(1),
        retry: cutover_mssql::RetryPolicy { max_attempts: args.attempts.max(1), ..defaults.retry },
        checkpoint: args.out.as_ref().map(|d| d.join(cutover_validate::checkpoint::FILE)),
        resume: args.resume,
        queries,
        definitions: DefinitionMatch::parse(&args.definitions).unwrap_or_default(),
        sample: args.sample.as_deref().map(|p| Sample::parse(p, args.seed)).transpose()?,
        budget: args
            .time_budget
            .as_deref()
            .map(|t| {
                cutover_common::duration::parse_positive(t)
                    .map(Budget::wall)
                    .map_err(|m| anyhow::anyhow!("--time-budget {m}"))
            })
            .transpose()?,
        priority: args.priority.as_deref().map(Priority::parse).transpose()?.unwrap_or_default(),
        shard: args
            .shard
            .as_deref()
            .map(|t| {
                let s = Shard::parse(t).map_err(|m| anyhow::anyhow!("--shard {m}"))?;
                anyhow::Ok(cutover_validate::shard::Shard { index: s.index, count: s.count })
            })
            .transpose()?,
        segment_seconds: args.segment_seconds.max(0.1),
        since: args
            .since
            .as_ref()
            .map(|dir| {
                let report = cutover_validate::merge::merge_dir(dir)?;
                anyhow::Ok(Since { label: dir.display().to_string(), report })
            })
            .transpose()?,
        ..defaults
    };
    let mut src = cutover_mssql::connect(&source)
        .await
        .with_context(|| format!("could not connect to the source {source}"))?;
    if args.dry_run {
        print!("{}", cutover_validate::dry_run(&mut src, &opts).await?);
        return Ok(Outcome::Pass);
    }
    let mut tgt = cutover_mssql::connect(&target)
        .await
        .with_context(|| format!("could not connect to the target {target}"))?;
    let quiet = args.output.is_json() || !std::io::stderr().is_terminal();
    let report = if quiet {
        cutover_validate::validate(&mut src, &mut tgt, &opts, &mut |_| {}).await?
    } else {
        let mut bars = Bars::new();
        let report = cutover_validate::validate_with(&mut src, &mut tgt, &opts, &mut bars).await;
        bars.finish();
        report?
    };
    if let Some(dir) = &args.out {
        for path in report.write_to(dir)? {
            if !args.output.is_json() {
                eprintln!("wrote {}", path.display());
            }
        }
    }
    output::print(&match args.output.get() {
        Format::Json => output::json(&report)?,
        Format::Markdown => report.render_markdown(),
        Format::Terminal => report.render_text(),
    });
    match report.verdict {
        cutover_validate::report::Verdict::Identical => Ok(Outcome::Pass),
        // A sample with no difference: exit 0, but the report and verdict say "sampled".
        cutover_validate::report::Verdict::SampleIdentical => Ok(Outcome::Pass),
        cutover_validate::report::Verdict::Differences => Ok(Outcome::Fail),
        cutover_validate::report::Verdict::Incomplete => {
            use cutover_validate::report::Status;
            let count = |s: Status| report.tables.iter().filter(|t| t.status() == s).count();
            let failed = count(Status::Fail);
            let (errors, uncovered) = (count(Status::Error), count(Status::NotCovered));
            Ok(Outcome::judge(failed, (errors + uncovered).max(1), || {
                let mut why = Vec::new();
                if errors > 0 {
                    why.push(format!("{errors} table(s) could not be validated"));
                }
                if uncovered > 0 {
                    why.push(format!("{uncovered} table(s) were not (fully) covered"));
                }
                if why.is_empty() {
                    why.push("a database-level check could not run".into());
                }
                format!("{}; the report names each", why.join(", "))
            }))
        }
    }
}
