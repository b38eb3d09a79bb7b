//! The manifest: every statement of every edition, with its reads and the documented permission
//! it needs, the same statement on several editions listed once with all of them.

use crate::edition::Edition;
use crate::objects::{Denied, Objects};
use crate::reads::reads;
use crate::sources;
use crate::statement::{Access, Statement};

/// The commands `--command` accepts, and what each sends.
pub const COMMANDS: &[(&str, &str)] = &[
    ("probe", "identity, latency and permission checks"),
    ("collect", "the DMV baseline: the collector's catalog per edition"),
    ("capture", "the Extended Events session and its reads; Query Store reads"),
    ("validate", "catalog reads and generated checksums; --instance-objects reads"),
    ("assess", "the bundled assessment rules"),
    ("gate", "collect's and validate's statements, as its phases send them"),
    ("size", "nothing: it reads a baseline (collect's statements gathered it)"),
    ("replay", "the target database's data point; otherwise only the workload's own statements"),
];

/// The statements for `edition`, annotated: reads and permission.
pub fn for_edition(edition: Edition, table: &Objects) -> Vec<Statement> {
    sources::statements(edition)
        .into_iter()
        .map(|mut s| {
            if s.access == Access::Read {
                s.reads = reads(&s.sql, table);
            }
            s.permission = permission(&s, edition, table);
            s.editions = vec![edition];
            s
        })
        .collect()
}

/// Every statement for `editions`, filtered to those `command` sends (all when `None`).
pub fn manifest(editions: &[Edition], command: Option<&str>) -> Vec<Statement> {
    let table = Objects::bundled();
    let mut out: Vec<Statement> = Vec::new();
    for &edition in editions {
        for s in for_edition(edition, &table) {
            if command.is_some_and(|c| !s.commands.contains(&c)) {
                continue;
            }
            match out.iter_mut().find(|o| o.id == s.id && o.sql == s.sql && o.permission == s.permission) {
                Some(o) => o.editions.push(edition),
                None => out.push(s),
            }
        }
    }
    out
}

/// The permission `s` needs on `edition`: each object's documented permission (those that only
/// filter rows said so), then the statement's own.
pub fn permission(s: &Statement, edition: Edition, table: &Objects) -> String {
    let mut required: Vec<String> = Vec::new();
    let mut filtered: Vec<String> = Vec::new();
    for read in &s.reads {
        let Some(o) = table.get(&read.object) else { continue };
        let p = o.permission_on(edition).to_string();
        let list = if o.denied == Denied::Rows { &mut filtered } else { &mut required };
        if p != "public" && !list.contains(&p) {
            list.push(p);
        }
    }
    if let Some(p) = s.statement_permission {
        required.push(p.to_string());
    }
    filtered.retain(|p| !required.contains(p));
    let mut text = if required.is_empty() {
        "none beyond connecting (public)".to_string()
    } else {
        required.join(" and ")
    };
    if !filtered.is_empty() {
        text.push_str(&format!("; without {} fewer rows are shown", filtered.join(" or ")));
    }
    text
}

/// What is wrong with `s` against the documented table on each of its editions: an object or
/// column the table does not document, or one the edition does not have.
pub fn problems(s: &Statement, table: &Objects) -> Vec<String> {
    let mut out = Vec::new();
    for read in &s.reads {
        let Some(o) = table.get(&read.object) else {
            out.push(format!(
                "{}: reads {} ({}), which manifest/data/system-objects.toml does not document",
                s.id,
                read.object,
                read.columns.join(", ")
            ));
            continue;
        };
        for &e in &s.editions {
            if !o.exists_on(e) {
                out.push(format!("{}: {} does not exist on {e}", s.id, o.name));
            }
            for c in &read.columns {
                match o.has_column(c, e) {
                    None => out.push(format!("{}: {}.{c} is not a documented column", s.id, o.name)),
                    Some(false) => out.push(format!("{}: {}.{c} does not exist on {e}", s.id, o.name)),
                    Some(true) => {}
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_statement_of_every_edition_is_read_by_sqlparsers_tokenizer() {
        let unreadable: Vec<String> = manifest(&Edition::ALL, None)
            .into_iter()
            .filter(|s| s.reads.iter().any(|r| r.columns.iter().any(|c| c.starts_with("(unreadable"))))
            .map(|s| format!("{}: {:?}", s.id, s.reads))
            .collect();
        assert!(unreadable.is_empty(), "{unreadable:#?}");
    }
}
