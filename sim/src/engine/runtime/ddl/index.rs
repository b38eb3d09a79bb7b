//! CREATE INDEX on an existing table.

use super::super::database::quote;
use super::super::errors::Failure;
use super::super::objects::{TableRef, meta_error};
use super::super::session::Session;
use crate::engine::IndexDef;
use crate::error::SqlError;

impl Session {
    pub(crate) fn create_index(&mut self, def: &IndexDef) -> Result<(), Failure> {
        let t = self.locate_table(&def.table)?;
        self.require_ddl("CREATE INDEX", &t.database)?;
        self.in_savepoint(|s| s.create_index_inner(def, &t))?;
        self.bump_writes(&t.database);
        Ok(())
    }

    pub(super) fn create_index_inner(&mut self, def: &IndexDef, t: &TableRef) -> Result<(), Failure> {
        let a = quote(&t.alias);
        let existing: Vec<(i64, Option<String>, i64)> = {
            let mut stmt = self
                .conn
                .prepare_cached(&format!(
                    "SELECT index_id, name, type FROM {a}.\"__cutover_indexes\" WHERE object_id = ?1"
                ))
                .map_err(meta_error)?;
            let rows = stmt
                .query_map([t.object_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .map_err(meta_error)?;
            rows.flatten().collect()
        };
        if existing.iter().any(|(_, n, _)| n.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(&def.name))) {
            return Err(SqlError::new(
                1913,
                16,
                format!(
                    "The operation failed because an index or statistics with name '{}' already exists on table '{}'.",
                    def.name,
                    t.two_part()
                ),
            )
            .into());
        }
        let index_id = if def.key.clustered {
            if let Some((_, name, _)) = existing.iter().find(|(_, _, ty)| *ty == 1) {
                return Err(SqlError::new(
                    1902,
                    16,
                    format!(
                        "Cannot create more than one clustered index on table '{}'. Drop the existing clustered index '{}' before creating another.",
                        t.two_part(),
                        name.clone().unwrap_or_default()
                    ),
                )
                .into());
            }
            self.exec_params(
                &format!("DELETE FROM {a}.\"__cutover_indexes\" WHERE object_id = ?1 AND index_id = 0"),
                [t.object_id],
            )?;
            1
        } else {
            existing.iter().map(|(id, _, _)| *id).max().unwrap_or(1).max(1) + 1
        };
        let sqlite_index = format!("{}.{}", t.sqlite_name, def.name);
        let cols = def
            .key
            .columns
            .iter()
            .map(|(c, desc)| format!("{}{}", quote(c), if *desc { " DESC" } else { "" }))
            .collect::<Vec<_>>()
            .join(", ");
        self.exec(&format!(
            "CREATE {}INDEX {a}.{} ON {} ({cols})",
            if def.unique { "UNIQUE " } else { "" },
            quote(&sqlite_index),
            quote(&t.sqlite_name)
        ))?;
        self.insert_index(
            &t.alias,
            t.object_id,
            index_id,
            Some(&def.name),
            if def.key.clustered { 1 } else { 2 },
            def.unique,
            (false, false),
            0,
        )?;
        self.exec_params(
            &format!("UPDATE {a}.\"__cutover_indexes\" SET sqlite_index = ?1 WHERE object_id = ?2 AND index_id = ?3"),
            rusqlite::params![sqlite_index, t.object_id, index_id],
        )?;
        self.insert_index_columns(&t.alias, t.object_id, index_id, &def.key.columns, &def.include)?;
        self.touch(t)
    }
}
