//! Server-level statements that are not procedures: CREATE TRIGGER … ON ALL SERVER, ALTER
//! DATABASE (the options and files the assessment rules read), DBCC TRACEON/TRACEOFF/TRACESTATUS.

use super::commands::{options, send};
use super::store::{Kind, Store};
use super::tokens::Tok;
use crate::engine::ResultSink;
use crate::error::SqlError;
use crate::types::SqlType;

/// `CREATE TRIGGER name ON ALL SERVER [WITH …] {FOR|AFTER} events AS body`: the whole text is
/// the definition.
pub(crate) fn create_trigger(store: &Store<'_>, toks: &[Tok], text: &str) -> Result<(), SqlError> {
    let name = toks.get(2).and_then(Tok::value).unwrap_or_default();
    if store.find(Kind::ServerTrigger, "", &name)?.is_some() {
        return Err(SqlError::new(
            2714,
            16,
            format!("There is already an object named '{name}' in the database."),
        ));
    }
    let start = toks.iter().position(|t| t.is("FOR") || t.is("AFTER")).map_or(toks.len(), |i| i + 1);
    let end = toks.iter().position(|t| t.is("AS")).unwrap_or(toks.len());
    let events: Vec<String> = toks[start.min(end)..end].iter().filter_map(Tok::value).collect();
    let created = crate::types::storage::format_datetime(&store.session().instance().now_utc());
    store.put(
        Kind::ServerTrigger,
        "",
        &name,
        &[("definition", &as_written(text)), ("events", &events.join(",")), ("created", &created)],
    )?;
    Ok(())
}

/// The statement without the `;` the batch pre-pass puts before `BEGIN`, `PRINT`, … (a
/// semicolon right before such a word is optional in T-SQL, so dropping one is harmless).
fn as_written(text: &str) -> String {
    const WORDS: &[&str] =
        &["BEGIN", "COMMIT", "ROLLBACK", "PRINT", "DECLARE", "USE", "SAVE", "RAISERROR", "THROW", "WHILE"];
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.char_indices() {
        let rest = &text[i + c.len_utf8()..];
        let before_word = WORDS.iter().any(|w| {
            rest.len() >= w.len()
                && rest.is_char_boundary(w.len())
                && rest[..w.len()].eq_ignore_ascii_case(w)
                && !rest[w.len()..].starts_with(|n: char| n.is_alphanumeric() || n == '_')
        });
        if !(c == ';' && before_word) {
            out.push(c);
        }
    }
    out.trim().to_string()
}

/// `ALTER DATABASE db SET COMPATIBILITY_LEVEL = n | SET ENCRYPTION ON|OFF | ADD FILEGROUP fg
/// [CONTAINS FILESTREAM] | ADD [LOG] FILE (NAME = …, FILENAME = …) [TO FILEGROUP fg]`.
pub(crate) fn alter_database(store: &Store<'_>, toks: &[Tok]) -> Result<(), SqlError> {
    let db = toks.first().and_then(Tok::value).unwrap_or_default();
    let db = store.session().instance().database(&db).map(|d| d.name.clone()).ok_or_else(|| {
        SqlError::new(
            911,
            16,
            format!("Database '{db}' does not exist. Make sure that the name is entered correctly."),
        )
    })?;
    let word = |i: usize| toks.get(i).and_then(Tok::value).unwrap_or_default().to_ascii_uppercase();
    let mut option = store.find(Kind::DatabaseOption, "", &db)?.map(|o| o.attrs).unwrap_or_default();
    match (word(1).as_str(), word(2).as_str()) {
        ("SET", "COMPATIBILITY_LEVEL") => {
            let level = word(4);
            if !matches!(
                level.as_str(),
                "80" | "90" | "100" | "110" | "120" | "130" | "140" | "150" | "160" | "170"
            ) {
                return Err(SqlError::new(
                    15048,
                    16,
                    format!(
                        "Valid values of the database compatibility level are 100, 110, 120, 130, 140, 150, 160 or 170 (got {level})."
                    ),
                ));
            }
            option.insert("compatibility_level".into(), level);
        }
        ("SET", "CHANGE_TRACKING") => {
            return crate::engine::runtime::change_tracking::alter_database(store.session(), &db, &toks[3..]);
        }
        ("SET", "ENCRYPTION") => {
            option.insert("encrypted".into(), if word(3) == "ON" { "1" } else { "0" }.into());
        }
        ("ADD", "FILEGROUP") => {
            let fg = toks.get(3).and_then(Tok::value).unwrap_or_default();
            let filestream = toks.iter().any(|t| t.is("FILESTREAM"));
            store.put(Kind::Filegroup, &db, &fg, &[("filestream", if filestream { "1" } else { "0" })])?;
            return Ok(());
        }
        ("ADD", "FILE" | "LOG") => return add_files(store, &db, toks),
        _ => {
            return Err(SqlError::unsupported(&format!("ALTER DATABASE … {} {}", word(1), word(2))));
        }
    }
    let attrs: Vec<(&str, &str)> = option.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    store.put(Kind::DatabaseOption, "", &db, &attrs)?;
    Ok(())
}

fn add_files(store: &Store<'_>, db: &str, toks: &[Tok]) -> Result<(), SqlError> {
    let log = toks.get(2).is_some_and(|t| t.is("LOG"));
    let filegroup =
        toks.iter().position(|t| t.is("FILEGROUP")).and_then(|i| toks.get(i + 1)).and_then(Tok::value);
    let filestream = match &filegroup {
        Some(fg) => store.find(Kind::Filegroup, db, fg)?.is_some_and(|g| g.get("filestream") == Some("1")),
        None => false,
    };
    let file_type = if log {
        "1"
    } else if filestream {
        "2"
    } else {
        "0"
    };
    let mut i = toks.iter().position(|t| *t == Tok::Punct('(')).unwrap_or(toks.len());
    while i < toks.len() && toks[i] == Tok::Punct('(') {
        let (opts, next) = options(toks, i);
        let get = |k: &str| opts.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        let name = get("name").ok_or_else(|| SqlError::new(5008, 16, "A file must have a NAME."))?;
        let path = get("filename").unwrap_or_else(|| format!("{name}.ndf"));
        store.put(
            Kind::DatabaseFile,
            db,
            &name,
            &[("type", file_type), ("path", &path), ("filegroup", filegroup.as_deref().unwrap_or(""))],
        )?;
        i = next;
        if toks.get(i) == Some(&Tok::Punct(',')) {
            i += 1;
        }
    }
    Ok(())
}

/// `DBCC TRACEON(f, … [, -1])`, `DBCC TRACEOFF(…)`, `DBCC TRACESTATUS([f, …] [-1])`.
pub(crate) fn dbcc(
    store: &Store<'_>,
    command: &str,
    toks: &[Tok],
    sink: &mut dyn ResultSink,
) -> Result<Option<u64>, SqlError> {
    let numbers: Vec<i64> = toks
        .iter()
        .take_while(|t| !t.is("WITH"))
        .filter_map(|t| match t {
            Tok::Num(n) => n.parse().ok(),
            _ => None,
        })
        .collect();
    let global = numbers.contains(&-1);
    let flags: Vec<i64> = numbers.iter().copied().filter(|n| *n >= 0).collect();
    let rows = match command {
        "TRACEON" => {
            for f in &flags {
                store.put(
                    Kind::TraceFlag,
                    "",
                    &f.to_string(),
                    &[("global", if global { "1" } else { "0" })],
                )?;
            }
            None
        }
        "TRACEOFF" => {
            for f in &flags {
                store.delete(Kind::TraceFlag, "", &f.to_string())?;
            }
            None
        }
        _ => {
            let rows: Vec<Vec<i64>> = store
                .list(Kind::TraceFlag, Some(""))?
                .iter()
                .filter_map(|o| o.name.parse::<i64>().ok().map(|f| (f, o.int("global", 0))))
                .filter(|(f, _)| flags.is_empty() || flags.contains(f))
                .map(|(f, g)| vec![f, 1, g, 1 - g])
                .collect();
            let cols = [
                ("TraceFlag", SqlType::SmallInt),
                ("Status", SqlType::SmallInt),
                ("Global", SqlType::SmallInt),
                ("Session", SqlType::SmallInt),
            ];
            send(sink, &cols, &rows)
        }
    };
    if !toks.iter().any(|t| t.is("NO_INFOMSGS")) {
        sink.info(
            2528,
            "DBCC execution completed. If DBCC printed error messages, contact your system administrator.",
        );
    }
    Ok(rows)
}
