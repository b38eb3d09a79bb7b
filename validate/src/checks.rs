//! A table's checks as the stages build them: a bare [`check`] by name and status, and the
//! `checksum` check from a comparison's outcome ([`checksum_check`], [`finish_checksum`]).
//! Shared by `table`, `incremental` and `schedule`, below all three.

use crate::compare::Sides;
use crate::report::{Check, Status, TableReport};

/// A check with no values or details yet.
pub(crate) fn check(name: &str, status: Status) -> Check {
    Check { check: name.into(), status, source: None, target: None, details: vec![] }
}

/// The `checksum` check of a table compared in one piece, its outcome moved into `tr`.
pub(crate) fn checksum_check(
    sides: &mut Sides<'_>,
    tr: &mut TableReport,
    same: bool,
    matched: Status,
) -> Check {
    let out = std::mem::take(&mut sides.out);
    sides.out.queries = out.queries;
    sides.out.rows_received = out.rows_received;
    tr.segments_compared += out.segments;
    tr.rows_merged += out.rows_merged;
    tr.differences = out.differences;
    tr.differences_total = out.total;
    let mut c = check("checksum", if same && out.total == 0 { matched } else { Status::Fail });
    if !same && out.total == 0 {
        c.details.push("segment checksums differ but no row difference was isolated".into());
    }
    c
}

/// Appends the columns left out of the hash to `c` and pushes it.
pub(crate) fn finish_checksum(tr: &mut TableReport, mut c: Check) {
    c.details.extend(tr.not_compared.iter().map(|n| format!("not compared: {n}")));
    tr.checks.push(c);
}
