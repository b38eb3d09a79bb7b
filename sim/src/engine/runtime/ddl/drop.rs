//! DROP TABLE / VIEW / INDEX.

use rusqlite::OptionalExtension;

use super::super::database::quote;
use super::super::errors::Failure;
use super::super::objects::{TableRef, display_name, meta_error};
use super::super::session::Session;
use crate::engine::{DropKind, ObjectName};
use crate::error::SqlError;

impl Session {
    pub(crate) fn drop_object(
        &mut self,
        kind: DropKind,
        name: &ObjectName,
        if_exists: bool,
    ) -> Result<(), Failure> {
        match kind {
            DropKind::Database => {
                self.require_ddl("DROP DATABASE", "master")?;
                match self.shared.instance.drop_database(&name.name) {
                    Err(e) if e.number == 3701 && if_exists => Ok(()),
                    other => other.map_err(Failure::Error),
                }
            }
            DropKind::Index => self.drop_index(name, if_exists),
            DropKind::Table | DropKind::View => {
                let what = if kind == DropKind::Table { "table" } else { "view" };
                let found = self.find_object(name)?.filter(|t| (t.kind == "U") == (kind == DropKind::Table));
                let Some(t) = found else {
                    if if_exists {
                        return Ok(());
                    }
                    return Err(SqlError::new(
                        3701,
                        11,
                        format!(
                            "Cannot drop the {what} '{}', because it does not exist or you do not have permission.",
                            display_name(name)
                        ),
                    )
                    .into());
                };
                self.require_ddl(
                    if kind == DropKind::Table { "DROP TABLE" } else { "DROP VIEW" },
                    &t.database,
                )?;
                self.in_savepoint(|s| s.drop_inner(&t))?;
                self.forget_temp_table(name);
                self.bump_writes(&t.database);
                Ok(())
            }
        }
    }

    pub(super) fn drop_inner(&mut self, t: &TableRef) -> Result<(), Failure> {
        let a = quote(&t.alias);
        if t.kind == "U" {
            let referencing: Option<String> = self
                .conn
                .query_row(
                    &format!(
                        "SELECT o.name FROM {a}.\"__cutover_fk_columns\" f JOIN {a}.\"__cutover_objects\" o \
                         ON o.object_id = f.constraint_object_id WHERE f.referenced_object_id = ?1 AND f.parent_object_id <> ?1 LIMIT 1"
                    ),
                    [t.object_id],
                    |r| r.get(0),
                )
                .optional()
                .map_err(meta_error)?;
            if let Some(fk) = referencing {
                return Err(SqlError::new(
                    3726,
                    16,
                    format!(
                        "Could not drop object '{}' because it is referenced by a FOREIGN KEY constraint '{fk}'.",
                        t.two_part()
                    ),
                )
                .into());
            }
            self.exec(&format!("DROP TABLE {a}.{}", quote(&t.sqlite_name)))?;
            let _ = self
                .exec_params(&format!("DELETE FROM {a}.sqlite_sequence WHERE name = ?1"), [&t.sqlite_name]);
        } else {
            self.exec(&format!("DROP VIEW {a}.{}", quote(&t.sqlite_name)))?;
        }
        let id = t.object_id;
        for sql in [
            "DELETE FROM {a}.\"__cutover_objects\" WHERE object_id = ?1 OR parent_object_id = ?1",
            "DELETE FROM {a}.\"__cutover_columns\" WHERE object_id = ?1",
            "DELETE FROM {a}.\"__cutover_indexes\" WHERE object_id = ?1",
            "DELETE FROM {a}.\"__cutover_index_columns\" WHERE object_id = ?1",
            "DELETE FROM {a}.\"__cutover_fk_columns\" WHERE parent_object_id = ?1",
            "DELETE FROM {a}.\"__cutover_identity\" WHERE object_id = ?1",
        ] {
            self.exec_params(&sql.replace("{a}", &a), [id])?;
        }
        Ok(())
    }

    /// DROP INDEX: `name.name` is the index; `name.schema` (`dbo.t` or `t`) names its table when
    /// given.
    pub(super) fn drop_index(&mut self, name: &ObjectName, if_exists: bool) -> Result<(), Failure> {
        let db = match &name.database {
            Some(d) => self.database_entry(d)?.name.clone(),
            None => self.database(),
        };
        let table = name.schema.as_deref().map(|s| match s.rsplit_once('.') {
            Some((schema, t)) => ObjectName {
                database: Some(db.clone()),
                schema: Some(schema.to_string()),
                name: t.to_string(),
            },
            None => ObjectName { database: Some(db.clone()), schema: None, name: s.to_string() },
        });
        let t = match &table {
            Some(t) => self.find_object(t)?,
            None => None,
        };
        let alias = self.schema_of(&db)?;
        let a = quote(&alias);
        let found: Option<(i64, i64, Option<String>, i64, bool)> = self
            .conn
            .query_row(
                &format!(
                    "SELECT object_id, index_id, sqlite_index, type, is_primary_key OR is_unique_constraint FROM {a}.\"__cutover_indexes\" \
                     WHERE name = ?1 AND (?2 IS NULL OR object_id = ?2) LIMIT 1"
                ),
                rusqlite::params![name.name, t.as_ref().map(|t| t.object_id)],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()
            .map_err(meta_error)?;
        let Some((object_id, index_id, sqlite_index, kind, is_constraint)) = found else {
            if if_exists {
                return Ok(());
            }
            return Err(SqlError::new(
                3701,
                11,
                format!(
                    "Cannot drop the index '{}', because it does not exist or you do not have permission.",
                    display_name(name)
                ),
            )
            .into());
        };
        if is_constraint {
            return Err(SqlError::new(
                3723,
                16,
                format!("An explicit DROP INDEX is not allowed on index '{}'. It is being used for PRIMARY KEY or UNIQUE KEY constraint enforcement.", name.name),
            )
            .into());
        }
        self.require_ddl("DROP INDEX", &db)?;
        self.in_savepoint(|s| {
            if let Some(ix) = &sqlite_index {
                s.exec(&format!("DROP INDEX {a}.{}", quote(ix)))?;
            }
            s.exec_params(
                &format!("DELETE FROM {a}.\"__cutover_indexes\" WHERE object_id = ?1 AND index_id = ?2"),
                [object_id, index_id],
            )?;
            s.exec_params(
                &format!(
                    "DELETE FROM {a}.\"__cutover_index_columns\" WHERE object_id = ?1 AND index_id = ?2"
                ),
                [object_id, index_id],
            )?;
            if kind == 1 {
                s.insert_index(&alias, object_id, 0, None, 0, false, (false, false), 0)?;
            }
            Ok(())
        })?;
        self.bump_writes(&db);
        Ok(())
    }
}
