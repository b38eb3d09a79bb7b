//! `cutover collect` (and the performance phase of `cutover gate`): the collector's catalog.

use cutover_collector::catalog::{
    CLOCK_ONLY_SQL, CLOCK_SQL, CONFIG_QUERIES, MI_CONFIG_QUERIES, PHYSICAL_NAMES_SQL, QUERY_TEXT_SQL,
    SESSION_SQL, Tier, marked, plan,
};
use cutover_mssql::EditionFamily;

use crate::edition::Edition;
use crate::statement::{Access, Statement};

const COLLECT: &[&str] = &["collect", "gate"];

pub fn statements(edition: Edition) -> Vec<Statement> {
    let (family, major) = (edition.family(), Some(edition.reported_major()));
    let mut out = vec![
        Statement::read(
            "collect.session",
            COLLECT,
            "Session settings of a polite guest: no row counts, lowest deadlock priority, no locks taken, 5 s lock timeout",
            SESSION_SQL,
        )
        .access(Access::Session),
        Statement::read("collect.clock", COLLECT, "The server's clock and start time, first in every batch", CLOCK_SQL),
        Statement::read(
            "collect.clock_only",
            COLLECT,
            "The server's clock alone, for a login that may not read sys.dm_os_sys_info",
            CLOCK_ONLY_SQL,
        ),
    ];
    for tier in [Tier::Fast, Tier::Queries] {
        for (f, sql) in plan(tier, family, major) {
            let purpose = match tier {
                Tier::Fast => {
                    format!("Metric family {} (every --interval, in one batch with the others)", f.name)
                }
                Tier::Queries => format!("Metric family {} (every --query-interval)", f.name),
            };
            out.push(Statement::read(format!("collect.family.{}", f.name), COLLECT, purpose, marked(sql)));
        }
    }
    out.push(Statement::read(
        "collect.query_text",
        COLLECT,
        "The text of query hashes seen for the first time",
        QUERY_TEXT_SQL,
    ));
    let mi_only = if family == EditionFamily::ManagedInstance { MI_CONFIG_QUERIES } else { &[] };
    for (name, sql) in CONFIG_QUERIES.iter().chain(mi_only) {
        out.push(Statement::read(
            format!("collect.config.{name}"),
            COLLECT,
            format!("Configuration ({name}), at start and hourly, into baseline.json"),
            marked(sql),
        ));
    }
    if family == EditionFamily::ManagedInstance {
        out.push(Statement::read(
            "collect.physical_names",
            COLLECT,
            "Database names for Managed Instance's GUID counter instance names",
            PHYSICAL_NAMES_SQL,
        ));
    }
    out
}
