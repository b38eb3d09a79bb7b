//! Finding user tables and views in a database's metadata, permission checks on them, and
//! naming the constraint a SQLite error was about.

use rusqlite::OptionalExtension;

use super::database::quote;
use super::errors::{Action, Violation, ddl_denied};
use super::session::Session;
use crate::engine::ObjectName;
use crate::error::SqlError;

/// A user table or view, located.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TableRef {
    pub database: String,
    /// The SQLite schema the database is on for this session (`main`, `shop`).
    pub alias: String,
    pub schema: String,
    pub schema_id: i64,
    pub name: String,
    pub object_id: i64,
    /// The SQLite table or view name, `schema.name`.
    pub sqlite_name: String,
    /// `U` table or `V` view.
    pub kind: String,
}

impl TableRef {
    /// `main."dbo.orders"`.
    pub fn sqlite_ref(&self) -> String {
        format!("{}.{}", quote(&self.alias), quote(&self.sqlite_name))
    }

    /// `dbo.orders`, as SQL Server names objects in messages.
    pub fn two_part(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }
}

impl Session {
    /// Finds a table or view; `Ok(None)` when it does not exist (911 when the database does not).
    pub(crate) fn find_object(&self, name: &ObjectName) -> Result<Option<TableRef>, SqlError> {
        let (db, alias) = self.home_of(name)?;
        let schema = name.schema.clone().unwrap_or_else(|| "dbo".to_string());
        let sql = format!(
            "SELECT o.object_id, o.name, o.type, o.sqlite_name, s.schema_id, s.name \
             FROM {a}.\"__cutover_objects\" o JOIN {a}.\"__cutover_schemas\" s ON s.schema_id = o.schema_id \
             WHERE s.name = ?1 AND o.name = ?2 AND o.type IN ('U', 'V')",
            a = quote(&alias)
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(meta_error)?;
        stmt.query_row((schema.as_str(), name.name.as_str()), |r| {
            Ok(TableRef {
                database: db.clone(),
                alias: alias.clone(),
                object_id: r.get(0)?,
                name: r.get(1)?,
                kind: r.get(2)?,
                sqlite_name: r.get(3)?,
                schema_id: r.get(4)?,
                schema: r.get(5)?,
            })
        })
        .optional()
        .map_err(meta_error)
    }

    /// Finds a table or view, or raises 208.
    pub(crate) fn locate_table(&self, name: &ObjectName) -> Result<TableRef, SqlError> {
        self.find_object(name)?.ok_or_else(|| SqlError::invalid_object(&display_name(name)))
    }

    /// Finds an object by its SQLite name in any database on this connection.
    pub(crate) fn find_by_sqlite_name(&self, sqlite_name: &str) -> Option<TableRef> {
        let mut candidates = vec![(self.database(), None), (self.main_db.clone(), None)];
        candidates.extend(self.attached.borrow().iter().map(|(n, _)| (n.clone(), None)));
        if self.temp_ready.get() {
            candidates.push((super::temp::TEMPDB.to_string(), Some("temp".to_string())));
        }
        for (db, alias) in candidates {
            let Some(alias) = alias.or_else(|| self.schema_of(&db).ok()) else { continue };
            let sql = format!(
                "SELECT s.name, o.name FROM {a}.\"__cutover_objects\" o JOIN {a}.\"__cutover_schemas\" s \
                 ON s.schema_id = o.schema_id WHERE o.sqlite_name = ?1 AND o.type IN ('U', 'V')",
                a = quote(&alias)
            );
            let found: Option<(String, String)> = self
                .conn
                .prepare_cached(&sql)
                .ok()
                .and_then(|mut s| s.query_row([sqlite_name], |r| Ok((r.get(0)?, r.get(1)?))).optional().ok())
                .flatten();
            if let Some((schema, name)) = found {
                let name = ObjectName { database: Some(db.clone()), schema: Some(schema), name };
                if let Ok(Some(t)) = self.find_object(&name) {
                    return Some(t);
                }
            }
        }
        None
    }

    /// 229 when the login may not write.
    pub(crate) fn require_write(&self, verb: &str, target: &TableRef) -> Result<(), SqlError> {
        match self.shared.instance.login(&self.shared.login) {
            Some(l) if l.def.can_write => Ok(()),
            _ => Err(SqlError::object_permission(verb, &target.name, &target.database, &target.schema)),
        }
    }

    /// 262 when the login may not run DDL.
    pub(crate) fn require_ddl(&self, statement: &str, database: &str) -> Result<(), SqlError> {
        match self.shared.instance.login(&self.shared.login) {
            Some(l) if l.def.can_write => Ok(()),
            _ => Err(ddl_denied(statement, database)),
        }
    }

    /// Names the constraint behind a SQLite constraint error, in SQL Server's words.
    pub(crate) fn describe_violation(&self, violation: Violation, action: Action) -> SqlError {
        let verb = action.verb();
        match violation {
            Violation::Unique { primary, table, columns } => {
                let Some(t) = self.find_by_sqlite_name(&table) else {
                    return SqlError::duplicate_key(&format!(
                        "Cannot insert duplicate key in object '{table}'."
                    ));
                };
                let index = self.index_with_columns(&t, &columns);
                let (name, is_pk, is_constraint) = index.unwrap_or((String::new(), primary, true));
                if is_constraint || is_pk {
                    let kind = if is_pk { "PRIMARY KEY" } else { "UNIQUE KEY" };
                    SqlError::new(
                        2627,
                        14,
                        format!(
                            "Violation of {kind} constraint '{name}'. Cannot insert duplicate key in object '{}'.",
                            t.two_part()
                        ),
                    )
                } else {
                    SqlError::new(
                        2601,
                        14,
                        format!(
                            "Cannot insert duplicate key row in object '{}' with unique index '{name}'.",
                            t.two_part()
                        ),
                    )
                }
            }
            Violation::NotNull { table, column } => {
                let full = match self.find_by_sqlite_name(&table) {
                    Some(t) => format!("{}.{}", t.database, t.two_part()),
                    None => table,
                };
                let verb = if action == Action::Update { "UPDATE" } else { "INSERT" };
                SqlError::new(
                    515,
                    16,
                    format!(
                        "Cannot insert the value NULL into column '{column}', table '{full}'; column does not allow nulls. {verb} fails."
                    ),
                )
                .with_state(2)
            }
            Violation::ForeignKey => self.describe_fk_violation(action),
            Violation::Check { name } => {
                if let Some(column) = name.strip_prefix("__trunc__") {
                    let table = self
                        .last_target
                        .as_ref()
                        .map(|t| format!("{}.{}", t.database, t.two_part()))
                        .unwrap_or_default();
                    return SqlError::new(
                        2628,
                        16,
                        format!(
                            "String or binary data would be truncated in table '{table}', column '{column}'."
                        ),
                    );
                }
                let (db, table) =
                    self.last_target.as_ref().map(|t| (t.database.clone(), t.two_part())).unwrap_or_default();
                SqlError::new(
                    547,
                    16,
                    format!(
                        "The {verb} statement conflicted with the CHECK constraint \"{name}\". The conflict occurred in database \"{db}\", table \"{table}\"."
                    ),
                )
                .with_state(0)
            }
        }
    }

    fn describe_fk_violation(&self, action: Action) -> SqlError {
        let Some(t) = self.last_target.clone() else {
            return SqlError::new(547, 16, "The statement conflicted with a FOREIGN KEY constraint.");
        };
        let a = quote(&t.alias);
        // Child side (INSERT/UPDATE of the referencing table) or parent side (DELETE/UPDATE).
        let child = format!(
            "SELECT c.name, ro.name, rs.name, rc.name FROM {a}.\"__cutover_fk_columns\" f \
             JOIN {a}.\"__cutover_objects\" c ON c.object_id = f.constraint_object_id \
             JOIN {a}.\"__cutover_objects\" ro ON ro.object_id = f.referenced_object_id \
             JOIN {a}.\"__cutover_schemas\" rs ON rs.schema_id = ro.schema_id \
             JOIN {a}.\"__cutover_columns\" rc ON rc.object_id = f.referenced_object_id AND rc.column_id = f.referenced_column_id \
             WHERE f.parent_object_id = ?1 ORDER BY f.constraint_object_id, f.constraint_column_id LIMIT 1"
        );
        let parent = format!(
            "SELECT c.name, po.name, ps.name, pc.name FROM {a}.\"__cutover_fk_columns\" f \
             JOIN {a}.\"__cutover_objects\" c ON c.object_id = f.constraint_object_id \
             JOIN {a}.\"__cutover_objects\" po ON po.object_id = f.parent_object_id \
             JOIN {a}.\"__cutover_schemas\" ps ON ps.schema_id = po.schema_id \
             JOIN {a}.\"__cutover_columns\" pc ON pc.object_id = f.parent_object_id AND pc.column_id = f.parent_column_id \
             WHERE f.referenced_object_id = ?1 ORDER BY f.constraint_object_id, f.constraint_column_id LIMIT 1"
        );
        let query = |sql: &str| -> Option<(String, String, String, String)> {
            self.conn
                .prepare_cached(sql)
                .ok()?
                .query_row([t.object_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
                .optional()
                .ok()?
        };
        let (kind, found) = match action {
            Action::Delete => ("REFERENCE", query(&parent)),
            _ => match query(&child) {
                Some(f) => ("FOREIGN KEY", Some(f)),
                None => ("REFERENCE", query(&parent)),
            },
        };
        let (fk, table, schema, column) = found.unwrap_or_default();
        SqlError::new(
            547,
            16,
            format!(
                "The {} statement conflicted with the {kind} constraint \"{fk}\". The conflict occurred in database \"{}\", table \"{schema}.{table}\", column '{column}'.",
                action.verb(),
                t.database
            ),
        )
        .with_state(0)
    }

    /// The unique index (or key constraint) whose key is exactly `columns`:
    /// (name, is_primary_key, is_unique_constraint).
    fn index_with_columns(&self, t: &TableRef, columns: &[String]) -> Option<(String, bool, bool)> {
        let a = quote(&t.alias);
        let sql = format!(
            "SELECT i.index_id, i.name, i.is_primary_key, i.is_unique_constraint, group_concat(c.name, '|') \
             FROM {a}.\"__cutover_indexes\" i \
             JOIN {a}.\"__cutover_index_columns\" ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.is_included_column = 0 \
             JOIN {a}.\"__cutover_columns\" c ON c.object_id = ic.object_id AND c.column_id = ic.column_id \
             WHERE i.object_id = ?1 AND i.is_unique = 1 GROUP BY i.index_id"
        );
        let mut stmt = self.conn.prepare_cached(&sql).ok()?;
        let rows = stmt
            .query_map([t.object_id], |r| {
                Ok((
                    r.get::<_, String>(1)?,
                    r.get::<_, bool>(2)?,
                    r.get::<_, bool>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .ok()?;
        let mut wanted: Vec<String> = columns.iter().map(|c| c.to_ascii_lowercase()).collect();
        wanted.sort();
        for (name, pk, uq, cols) in rows.flatten() {
            let mut have: Vec<String> = cols.split('|').map(|c| c.to_ascii_lowercase()).collect();
            have.sort();
            if have == wanted {
                return Some((name, pk, uq));
            }
        }
        None
    }
}

/// `[db.][schema.]name` as the user wrote it.
pub(crate) fn display_name(name: &ObjectName) -> String {
    let mut parts = Vec::new();
    if let Some(d) = &name.database {
        parts.push(d.as_str());
    }
    if let Some(s) = &name.schema {
        parts.push(s.as_str());
    } else if name.database.is_some() {
        parts.push("");
    }
    parts.push(name.name.as_str());
    parts.join(".")
}

/// A metadata query failed: reported as an internal engine error.
pub(crate) fn meta_error(e: rusqlite::Error) -> SqlError {
    match &e {
        rusqlite::Error::SqliteFailure(code, msg) => {
            super::errors::map_other(*code, msg.as_deref().unwrap_or(""))
        }
        _ => SqlError::new(50000, 16, format!("The simulator's catalog failed: {e}")),
    }
}
