//! A session's SET options: read from the `options_text` of the `login` and
//! `existing_connection` events (the same lines SQL Server shows in an Audit Login event:
//! `set quoted_identifier on`, `set dateformat mdy`, `set transaction isolation level read
//! committed`, …) and replayed as one `SET` batch before the session's first event.
//!
//! Only the options in [`OPTIONS`] are replayed, each value checked against its kind, so a
//! capture file can never smuggle other statements into the batch.

use std::collections::BTreeMap;

/// What values an option takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `ON` / `OFF`.
    OnOff,
    /// An integer (`DATEFIRST 7`, `LOCK_TIMEOUT -1`).
    Number,
    /// A name (`LANGUAGE us_english`, `DEADLOCK_PRIORITY LOW`).
    Word,
    /// `mdy`, `dmy`, `ymd`, `ydm`, `myd`, `dym`.
    DateFormat,
    /// `READ UNCOMMITTED`, `READ COMMITTED`, `REPEATABLE READ`, `SNAPSHOT`, `SERIALIZABLE`.
    Isolation,
}

/// The session options a replay restores (SET statement documentation: Transact-SQL SET
/// statements), in the order they are set: LANGUAGE first, since it also sets DATEFORMAT and
/// DATEFIRST, which then override it as captured.
const OPTIONS: &[(&str, Kind)] = &[
    ("LANGUAGE", Kind::Word),
    ("DATEFORMAT", Kind::DateFormat),
    ("DATEFIRST", Kind::Number),
    ("ANSI_NULLS", Kind::OnOff),
    ("ANSI_NULL_DFLT_ON", Kind::OnOff),
    ("ANSI_NULL_DFLT_OFF", Kind::OnOff),
    ("ANSI_PADDING", Kind::OnOff),
    ("ANSI_WARNINGS", Kind::OnOff),
    ("ARITHABORT", Kind::OnOff),
    ("ARITHIGNORE", Kind::OnOff),
    ("CONCAT_NULL_YIELDS_NULL", Kind::OnOff),
    ("CURSOR_CLOSE_ON_COMMIT", Kind::OnOff),
    ("IMPLICIT_TRANSACTIONS", Kind::OnOff),
    ("NOCOUNT", Kind::OnOff),
    ("NUMERIC_ROUNDABORT", Kind::OnOff),
    ("QUOTED_IDENTIFIER", Kind::OnOff),
    ("XACT_ABORT", Kind::OnOff),
    ("LOCK_TIMEOUT", Kind::Number),
    ("DEADLOCK_PRIORITY", Kind::Word),
    ("TEXTSIZE", Kind::Number),
    ("TRANSACTION ISOLATION LEVEL", Kind::Isolation),
];

fn kind_of(name: &str) -> Option<(&'static str, Kind)> {
    OPTIONS.iter().copied().find(|(n, _)| n.eq_ignore_ascii_case(name))
}

/// The value in the form it is sent, or None when it is not one the option takes.
fn checked(kind: Kind, value: &str) -> Option<String> {
    let v = value.trim();
    let word = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    match kind {
        Kind::OnOff => ["ON", "OFF"].iter().find(|x| x.eq_ignore_ascii_case(v)).map(|x| x.to_string()),
        Kind::Number => v.parse::<i64>().ok().map(|n| n.to_string()),
        Kind::Word => word(v).then(|| v.to_string()),
        Kind::DateFormat => ["mdy", "dmy", "ymd", "ydm", "myd", "dym"]
            .iter()
            .find(|x| x.eq_ignore_ascii_case(v))
            .map(|x| x.to_string()),
        Kind::Isolation => {
            ["READ UNCOMMITTED", "READ COMMITTED", "REPEATABLE READ", "SNAPSHOT", "SERIALIZABLE"]
                .iter()
                .find(|x| x.eq_ignore_ascii_case(&v.split_whitespace().collect::<Vec<_>>().join(" ")))
                .map(|x| x.to_string())
        }
    }
}

/// The options of an `options_text` (`set ansi_nulls on` lines; comment lines such as
/// `-- network protocol: TCP/IP` and unknown options are left out), by upper-case name.
pub fn parse_options_text(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let Some(rest) = line.trim().strip_prefix("set ").or_else(|| line.trim().strip_prefix("SET ")) else {
            continue;
        };
        let rest = rest.trim();
        let found = OPTIONS.iter().find(|(name, _)| {
            rest.len() > name.len()
                && rest[..name.len()].eq_ignore_ascii_case(name)
                && rest.as_bytes()[name.len()] == b' '
        });
        if let Some((name, kind)) = found
            && let Some(value) = checked(*kind, &rest[name.len()..])
        {
            out.insert(name.to_string(), value);
        }
    }
    out
}

/// The batch that restores `set` (`SET LANGUAGE us_english; SET QUOTED_IDENTIFIER ON; …`);
/// Err names an option or value that is not one a session can have.
pub fn set_batch(set: &BTreeMap<String, String>) -> Result<String, String> {
    let mut known = Vec::with_capacity(set.len());
    for (name, value) in set {
        let (canonical, kind) =
            kind_of(name).ok_or_else(|| format!("`{name}` is not a SET option replay restores"))?;
        let value =
            checked(kind, value).ok_or_else(|| format!("`{value}` is not a value of SET {canonical}"))?;
        known.push((OPTIONS.iter().position(|(n, _)| *n == canonical).unwrap_or(0), canonical, value));
    }
    known.sort();
    Ok(known.iter().map(|(_, n, v)| format!("SET {n} {v}")).collect::<Vec<_>>().join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The options text of a login as SQL Server shows it (Audit Login / `login` event).
    const LOGIN: &str = "-- network protocol: TCP/IP\nset quoted_identifier on\nset arithabort off\n\
        set numeric_roundabort off\nset ansi_warnings on\nset ansi_padding on\nset ansi_nulls on\n\
        set concat_null_yields_null on\nset cursor_close_on_commit off\nset implicit_transactions off\n\
        set language us_english\nset dateformat mdy\nset datefirst 7\nset transaction isolation level read committed";

    #[test]
    fn login_options_become_one_checked_set_batch() {
        let set = parse_options_text(LOGIN);
        assert_eq!(set.len(), 13);
        assert_eq!(set["TRANSACTION ISOLATION LEVEL"], "READ COMMITTED");
        assert_eq!(set["DATEFORMAT"], "mdy");
        let batch = set_batch(&set).unwrap();
        assert!(
            batch.starts_with(
                "SET LANGUAGE us_english; SET DATEFORMAT mdy; SET DATEFIRST 7; SET ANSI_NULLS ON"
            ),
            "{batch}"
        );
        assert!(batch.ends_with("SET TRANSACTION ISOLATION LEVEL READ COMMITTED"), "{batch}");
    }

    #[test]
    fn anything_but_a_session_option_is_refused() {
        let bad =
            |k: &str, v: &str| set_batch(&BTreeMap::from([(k.to_string(), v.to_string())])).unwrap_err();
        assert!(bad("QUOTED_IDENTIFIER", "ON; DROP TABLE t").contains("not a value"));
        assert!(bad("SHOWPLAN_XML", "ON").contains("not a SET option"));
        assert!(bad("LANGUAGE", "x y").contains("not a value"));
    }
}
