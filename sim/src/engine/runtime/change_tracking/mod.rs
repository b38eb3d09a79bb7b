//! Change Tracking, as SQL Server documents it (ALTER DATABASE SET CHANGE_TRACKING, ALTER TABLE
//! ENABLE CHANGE_TRACKING, CHANGETABLE, CHANGE_TRACKING_CURRENT_VERSION and
//! CHANGE_TRACKING_MIN_VALID_VERSION; <https://learn.microsoft.com/sql/relational-databases/track-changes/about-change-tracking-sql-server>).
//!
//! State lives in the database file, so it commits and rolls back with the data:
//!
//! | where | holds |
//! |---|---|
//! | `__cutover_db` key `ct_enabled` | the database's retention (`2 DAYS`) and `AUTO_CLEANUP`; absent when off |
//! | `__cutover_db` key `ct_version` | the version of the last committed transaction that changed a tracked table |
//! | `__cutover_db` key `ct_object_<id>` | a tracked table's minimum valid version (its enable or last TRUNCATE) |
//! | `"__cutover_ct$<id>"` | one row per change of a tracked table: version, `I`/`U`/`D`, primary key |
//!
//! A transaction that changes a tracked table takes the next version once (the first change
//! bumps `ct_version`, inside the transaction, so a rollback takes it back); triggers on the
//! table log each row's change with it. CHANGETABLE(CHANGES …) nets each key's log relative to
//! the baseline ([`changetable`]). The simulator never cleans up (SQL Server's cleanup runs in
//! the background and may lag too), so the minimum valid version moves only with TRUNCATE.
//! Refused by name: TRACK_COLUMNS_UPDATED = ON (SYS_CHANGE_COLUMNS), CHANGETABLE(VERSION …),
//! WITH CHANGE_TRACKING_CONTEXT.

mod changetable;

pub(crate) use changetable::{current_version, min_valid_version, resolve as changetable};

use super::database::{literal, quote};
use super::lexer::{Tok, tokenize};
use super::objects::TableRef;
use super::session::Session;
use crate::engine::ObjectName;
use crate::error::SqlError;
use rusqlite::OptionalExtension;

/// The log table of a tracked table.
fn log_table(object_id: i64) -> String {
    format!("__cutover_ct${object_id}")
}

fn meta(e: rusqlite::Error) -> SqlError {
    SqlError::new(50000, 16, format!("change tracking metadata: {e}"))
}

fn get(session: &Session, alias: &str, key: &str) -> Result<Option<rusqlite::types::Value>, SqlError> {
    session
        .conn
        .prepare_cached(&format!("SELECT value FROM {}.\"__cutover_db\" WHERE key = ?1", quote(alias)))
        .and_then(|mut s| s.query_row([key], |r| r.get(0)).optional())
        .map_err(meta)
}

fn put(session: &Session, alias: &str, key: &str, value: &dyn rusqlite::ToSql) -> Result<(), SqlError> {
    session
        .conn
        .execute(
            &format!("INSERT OR REPLACE INTO {}.\"__cutover_db\" (key, value) VALUES (?1, ?2)", quote(alias)),
            rusqlite::params![key, value],
        )
        .map(|_| ())
        .map_err(meta)
}

fn version(session: &Session, alias: &str) -> Result<i64, SqlError> {
    Ok(match get(session, alias, "ct_version")? {
        Some(rusqlite::types::Value::Integer(v)) => v,
        _ => 0,
    })
}

/// True when `t` is tracked (one indexed lookup; runs before every DML statement).
fn tracked(session: &Session, t: &TableRef) -> Result<bool, SqlError> {
    Ok(get(session, &t.alias, &format!("ct_object_{}", t.object_id))?.is_some())
}

/// Before an INSERT/UPDATE/DELETE or bulk load of `t`: a transaction's first change of a
/// tracked table takes the next version (the triggers log with it). Outside an explicit
/// transaction every statement is its own transaction.
pub(crate) fn before_write(session: &mut Session, t: &TableRef) -> Result<(), SqlError> {
    if !tracked(session, t)? {
        return Ok(());
    }
    // An explicit transaction (its SQLite transaction began at its first write, just before).
    let in_transaction = session.trancount > 0;
    if in_transaction && session.ct_versioned.iter().any(|d| d.eq_ignore_ascii_case(&t.database)) {
        return Ok(());
    }
    let next = version(session, &t.alias)? + 1;
    put(session, &t.alias, "ct_version", &next)?;
    if in_transaction {
        session.ct_versioned.push(t.database.clone());
    }
    Ok(())
}

/// After TRUNCATE TABLE: the table's tracking restarts "as if change tracking has just been
/// enabled on the table" (CHANGETABLE's documentation).
pub(crate) fn after_truncate(session: &Session, t: &TableRef) -> Result<(), SqlError> {
    if !tracked(session, t)? {
        return Ok(());
    }
    let a = quote(&t.alias);
    session.conn.execute(&format!("DELETE FROM {a}.{}", quote(&log_table(t.object_id))), []).map_err(meta)?;
    let now = version(session, &t.alias)?;
    put(session, &t.alias, &format!("ct_object_{}", t.object_id), &now)
}

fn word(toks: &[Tok], i: usize) -> String {
    toks.get(i).and_then(Tok::value).unwrap_or_default().to_ascii_uppercase()
}

/// `ALTER DATABASE db SET CHANGE_TRACKING = ON [(CHANGE_RETENTION = n DAYS|HOURS|MINUTES,
/// AUTO_CLEANUP = ON|OFF)]`, `= OFF`, or `SET CHANGE_TRACKING (…)` to change the settings;
/// `toks` start after `CHANGE_TRACKING`.
pub(crate) fn alter_database(session: &Session, database: &str, toks: &[Tok]) -> Result<(), SqlError> {
    let alias = session.schema_of(database)?;
    let on = get(session, &alias, "ct_enabled")?.is_some();
    let (setting, rest) = if toks.first() == Some(&Tok::Punct('=')) {
        (Some(word(toks, 1)), &toks[2.min(toks.len())..])
    } else {
        (None, toks)
    };
    match (setting.as_deref(), on) {
        (Some("ON"), true) => Err(SqlError::new(
            5088,
            16,
            format!("Change tracking is already enabled for database '{database}'."),
        )),
        (Some("ON"), false) => {
            put(session, &alias, "ct_enabled", &settings(rest, None)?)?;
            if get(session, &alias, "ct_version")?.is_none() {
                put(session, &alias, "ct_version", &0i64)?;
            }
            Ok(())
        }
        (Some("OFF"), true) => {
            let tables: i64 = session
                .conn
                .query_row(
                    &format!("SELECT count(*) FROM {}.\"__cutover_db\" WHERE key LIKE 'ct\\_object\\_%' ESCAPE '\\'", quote(&alias)),
                    [],
                    |r| r.get(0),
                )
                .map_err(meta)?;
            if tables > 0 {
                return Err(SqlError::new(
                    22115,
                    16,
                    format!(
                        "Change tracking is enabled for one or more tables in database '{database}'. Disable change tracking on each table before disabling it for the database. Use the sys.change_tracking_tables catalog view to obtain a list of tables for which change tracking is enabled."
                    ),
                ));
            }
            session
                .conn
                .execute(
                    &format!("DELETE FROM {}.\"__cutover_db\" WHERE key = 'ct_enabled'", quote(&alias)),
                    [],
                )
                .map(|_| ())
                .map_err(meta)
        }
        (Some("OFF"), false) => Ok(()),
        (None, true) => {
            let old = get(session, &alias, "ct_enabled")?.and_then(|v| match v {
                rusqlite::types::Value::Text(t) => Some(t),
                _ => None,
            });
            put(session, &alias, "ct_enabled", &settings(rest, old.as_deref())?)
        }
        (None, false) => Err(SqlError::new(
            5089,
            16,
            format!(
                "Change tracking is disabled for database '{database}'. Change tracking must be enabled on a database to modify change tracking settings."
            ),
        )),
        (Some(other), _) => Err(SqlError::new(102, 15, format!("Incorrect syntax near '{other}'."))),
    }
}

/// `(CHANGE_RETENTION = 2 DAYS, AUTO_CLEANUP = ON)` over `old` (default 2 days, cleanup on).
fn settings(toks: &[Tok], old: Option<&str>) -> Result<String, SqlError> {
    let (mut retention, mut cleanup) = old
        .and_then(|o| o.split_once(';'))
        .map(|(r, c)| (r.to_string(), c.to_string()))
        .unwrap_or_else(|| ("2 DAYS".into(), "ON".into()));
    let mut i = 0;
    while i < toks.len() {
        match word(toks, i).as_str() {
            "CHANGE_RETENTION" => {
                let n = word(toks, i + 2);
                let unit = match word(toks, i + 3).as_str() {
                    "DAY" | "DAYS" => "DAYS",
                    "HOUR" | "HOURS" => "HOURS",
                    "MINUTE" | "MINUTES" => "MINUTES",
                    other => return Err(SqlError::new(102, 15, format!("Incorrect syntax near '{other}'."))),
                };
                retention = format!("{n} {unit}");
                i += 4;
            }
            "AUTO_CLEANUP" => {
                cleanup = word(toks, i + 2);
                i += 3;
            }
            _ => i += 1,
        }
    }
    Ok(format!("{retention};{cleanup}"))
}

/// Claims `ALTER TABLE t ENABLE|DISABLE CHANGE_TRACKING …` from the batch parser.
pub(crate) fn claims(words: &[String]) -> bool {
    let up: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
    up.first().map(String::as_str) == Some("ALTER")
        && up.get(1).map(String::as_str) == Some("TABLE")
        && up.iter().any(|w| w == "CHANGE_TRACKING")
        && up.iter().any(|w| w == "ENABLE" || w == "DISABLE")
}

/// `ALTER TABLE t ENABLE CHANGE_TRACKING [WITH (TRACK_COLUMNS_UPDATED = OFF)]` and
/// `ALTER TABLE t DISABLE CHANGE_TRACKING`.
pub(crate) fn alter_table(session: &Session, text: &str) -> Result<(), SqlError> {
    let toks = tokenize(text)?;
    let at = toks.iter().position(|t| t.is("ENABLE") || t.is("DISABLE")).unwrap_or(toks.len());
    let parts: Vec<String> = toks[2..at]
        .iter()
        .filter_map(|t| match t {
            Tok::Word(w) | Tok::Name(w) => Some(w.clone()),
            _ => None,
        })
        .collect();
    let name = match parts.as_slice() {
        [n] => ObjectName { database: None, schema: None, name: n.clone() },
        [s, n] => ObjectName { database: None, schema: Some(s.clone()), name: n.clone() },
        [d, s, n] => ObjectName { database: Some(d.clone()), schema: Some(s.clone()), name: n.clone() },
        _ => return Err(SqlError::new(102, 15, "Incorrect syntax near 'CHANGE_TRACKING'.")),
    };
    let t = session.locate_table(&name)?;
    session.require_ddl("ALTER TABLE", &t.database)?;
    let enable = toks.get(at).is_some_and(|t| t.is("ENABLE"));
    let columns_updated = toks
        .iter()
        .position(|t| t.is("TRACK_COLUMNS_UPDATED"))
        .is_some_and(|i| toks.get(i + 2).is_some_and(|t| t.is("ON")));
    if enable && columns_updated {
        return Err(SqlError::unsupported("TRACK_COLUMNS_UPDATED = ON (SYS_CHANGE_COLUMNS)"));
    }
    let key = format!("ct_object_{}", t.object_id);
    let on = get(session, &t.alias, &key)?.is_some();
    match (enable, on) {
        (true, true) => Err(SqlError::new(
            4996,
            16,
            format!("Change tracking is already enabled for table '{}'.", t.name),
        )),
        (false, false) => {
            Err(SqlError::new(4998, 16, format!("Change tracking is not enabled on table '{}'.", t.name)))
        }
        (true, false) => enable_table(session, &t, &key),
        (false, true) => {
            let a = quote(&t.alias);
            let mut sql = format!("DROP TABLE IF EXISTS {a}.{};", quote(&log_table(t.object_id)));
            for suffix in ["insert", "update", "rekey", "delete"] {
                sql.push_str(&format!("DROP TRIGGER IF EXISTS {a}.{};", quote(&trigger(&t, suffix))));
            }
            sql.push_str(&format!("DELETE FROM {a}.\"__cutover_db\" WHERE key = {};", literal(&key)));
            session.conn.execute_batch(&sql).map_err(meta)
        }
    }
}

fn trigger(t: &TableRef, suffix: &str) -> String {
    format!("{}$ct_{suffix}", t.sqlite_name)
}

/// A primary key column of a tracked table: name, SQL Server type text, SQLite collation.
struct KeyColumn {
    name: String,
    type_text: String,
    collate: &'static str,
}

fn key_columns(session: &Session, t: &TableRef) -> Result<Vec<KeyColumn>, SqlError> {
    let a = quote(&t.alias);
    let sql = format!(
        "SELECT c.name, c.type_text, c.collation_name FROM {a}.\"__cutover_indexes\" i \
         JOIN {a}.\"__cutover_index_columns\" ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id \
         JOIN {a}.\"__cutover_columns\" c ON c.object_id = ic.object_id AND c.column_id = ic.column_id \
         WHERE i.object_id = ?1 AND i.is_primary_key = 1 AND ic.is_included_column = 0 ORDER BY ic.key_ordinal"
    );
    let mut stmt = session.conn.prepare(&sql).map_err(meta)?;
    let rows = stmt
        .query_map([t.object_id], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?))
        })
        .map_err(meta)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(meta)?;
    Ok(rows
        .into_iter()
        .map(|(name, type_text, collation)| {
            let ty = crate::types::SqlType::parse(&type_text);
            let collate = match (ty, collation) {
                (Some(t), Some(c)) if t.is_character() => {
                    let c = c.to_ascii_uppercase();
                    if c.contains("_CS") || c.ends_with("_BIN") || c.ends_with("_BIN2") {
                        "BINARY"
                    } else {
                        "tsql_ci"
                    }
                }
                (Some(t), None) if t.is_character() => "tsql_ci",
                (Some(crate::types::SqlType::UniqueIdentifier), _) => "tsql_guid",
                _ => "BINARY",
            };
            KeyColumn { name, type_text, collate }
        })
        .collect())
}

fn enable_table(session: &Session, t: &TableRef, key: &str) -> Result<(), SqlError> {
    if get(session, &t.alias, "ct_enabled")?.is_none() {
        return Err(SqlError::new(
            1718,
            16,
            format!(
                "Change tracking must be enabled on database '{}' before it can be enabled on table '{}'.",
                t.database, t.name
            ),
        ));
    }
    let keys = key_columns(session, t)?;
    if keys.is_empty() {
        return Err(SqlError::new(
            4997,
            16,
            format!(
                "Cannot enable change tracking on table '{}'. Change tracking requires a primary key on the table. Create a primary key on the table before enabling change tracking.",
                t.name
            ),
        ));
    }
    let (a, log) = (quote(&t.alias), quote(&log_table(t.object_id)));
    let cols: Vec<String> = keys
        .iter()
        .map(|k| format!("{} {} COLLATE {}", quote(&k.name), quote(&k.type_text), k.collate))
        .collect();
    let names: Vec<String> = keys.iter().map(|k| quote(&k.name)).collect();
    let of = |row: &str| names.iter().map(|n| format!("{row}.{n}")).collect::<Vec<_>>().join(", ");
    let same_key = names.iter().map(|n| format!("NEW.{n} IS OLD.{n}")).collect::<Vec<_>>().join(" AND ");
    let current = "(SELECT value FROM \"__cutover_db\" WHERE key = 'ct_version')";
    let table = quote(&t.sqlite_name);
    let insert = |op: &str, row: &str| {
        format!(
            "INSERT INTO {log} (version, op, {}) VALUES ({current}, '{op}', {});",
            names.join(", "),
            of(row)
        )
    };
    let sql = format!(
        "CREATE TABLE {a}.{log} (seq INTEGER PRIMARY KEY, version INTEGER NOT NULL, op TEXT NOT NULL, {cols});
         CREATE INDEX {a}.{log_index} ON {log} ({names}, seq);
         CREATE TRIGGER {a}.{t_insert} AFTER INSERT ON {table} FOR EACH ROW BEGIN {ins_i} END;
         CREATE TRIGGER {a}.{t_update} AFTER UPDATE ON {table} FOR EACH ROW WHEN {same_key} BEGIN {ins_u} END;
         CREATE TRIGGER {a}.{t_rekey} AFTER UPDATE ON {table} FOR EACH ROW WHEN NOT ({same_key}) BEGIN {ins_d_old} {ins_i} END;
         CREATE TRIGGER {a}.{t_delete} AFTER DELETE ON {table} FOR EACH ROW BEGIN {ins_d_old} END;",
        cols = cols.join(", "),
        log_index = quote(&format!("{}$key", log_table(t.object_id))),
        names = names.join(", "),
        t_insert = quote(&trigger(t, "insert")),
        t_update = quote(&trigger(t, "update")),
        t_rekey = quote(&trigger(t, "rekey")),
        t_delete = quote(&trigger(t, "delete")),
        ins_i = insert("I", "NEW"),
        ins_u = insert("U", "NEW"),
        ins_d_old = insert("D", "OLD"),
    );
    session.conn.execute_batch(&sql).map_err(meta)?;
    let now = version(session, &t.alias)?;
    put(session, &t.alias, key, &now)
}
