//! `cutover queries`: every statement cutover can send, from the code that sends it.

use super::Outcome;
use super::output;
use cutover_manifest::{COMMANDS, Edition, manifest, render};

/// Print every statement cutover can send to a server, with its purpose, permission and reads.
///
/// Generated from the same code and tables that send them: the collector's catalog per
/// edition, probe, the capture's event session and reads, Query Store reads, validate's catalog
/// reads and generated checksums for every column type and key shape, the assessment rules and
/// the instance-object reads. Each statement names the permission Microsoft documents for what
/// it reads and the system objects and columns it reads (docs/queries.md). `cutover probe
/// --deep` runs the read-only ones on your server.
///
/// Examples:
///   cutover queries --edition sqlserver-2019 --format sql > cutover-statements.sql
///   cutover queries --edition mi --command collect
///   cutover queries --format json | jq '.[] | select(.access == "write")'
#[derive(clap::Args, Debug)]
#[command(verbatim_doc_comment)]
pub struct QueriesArgs {
    /// Only the statements sent to this kind of server (default: every edition, each statement
    /// listing the editions that send it).
    #[arg(long, value_enum, value_name = "EDITION")]
    edition: Option<EditionArg>,
    /// Only the statements this command sends.
    #[arg(long, value_enum, value_name = "COMMAND")]
    command: Option<CommandArg>,
    /// terminal (a readable list), sql (a T-SQL script: a comment header per statement, each
    /// followed by GO) or json (the structured list). Its own choice of forms: sql is only here.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = QueriesFormat::Terminal)]
    format: QueriesFormat,
    /// Short for --format json.
    #[arg(long, conflicts_with = "format")]
    json: bool,
}

/// `--format` of `cutover queries` (the shared terminal|markdown|json has no T-SQL form).
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueriesFormat {
    Terminal,
    Sql,
    Json,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditionArg {
    #[value(name = "sqlserver-2016")]
    SqlServer2016,
    #[value(name = "sqlserver-2017")]
    SqlServer2017,
    #[value(name = "sqlserver-2019")]
    SqlServer2019,
    #[value(name = "sqlserver-2022")]
    SqlServer2022,
    #[value(name = "mi")]
    Mi,
}

impl EditionArg {
    fn edition(self) -> Edition {
        match self {
            EditionArg::SqlServer2016 => Edition::SqlServer2016,
            EditionArg::SqlServer2017 => Edition::SqlServer2017,
            EditionArg::SqlServer2019 => Edition::SqlServer2019,
            EditionArg::SqlServer2022 => Edition::SqlServer2022,
            EditionArg::Mi => Edition::ManagedInstance,
        }
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommandArg {
    Probe,
    Collect,
    Capture,
    Validate,
    Assess,
    Gate,
    Size,
    Replay,
}

pub fn run(args: QueriesArgs) -> anyhow::Result<Outcome> {
    let editions: Vec<Edition> = match args.edition {
        Some(e) => vec![e.edition()],
        None => Edition::ALL.to_vec(),
    };
    let command = args.command.map(|c| {
        let name =
            clap::ValueEnum::to_possible_value(&c).map(|v| v.get_name().to_string()).unwrap_or_default();
        COMMANDS.iter().find(|(n, _)| *n == name).map_or(name.clone(), |(n, _)| n.to_string())
    });
    let statements = manifest(&editions, command.as_deref());
    if statements.is_empty()
        && let Some(c) = &command
    {
        let what = COMMANDS.iter().find(|(n, _)| n == c).map_or("", |(_, w)| *w);
        eprintln!("cutover {c} sends no statement of its own: {what}");
    }
    let format = if args.json { QueriesFormat::Json } else { args.format };
    output::print(&match format {
        QueriesFormat::Terminal => render::terminal(&statements),
        QueriesFormat::Sql => render::sql(&statements),
        QueriesFormat::Json => render::json(&statements),
    });
    Ok(Outcome::Pass)
}
