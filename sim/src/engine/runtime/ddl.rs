//! DDL: CREATE TABLE / INDEX / VIEW / DATABASE, DROP, ALTER TABLE ADD, TRUNCATE. Each runs
//! inside a savepoint so the SQLite DDL and its metadata rows commit or roll back together.

use rusqlite::OptionalExtension;

use super::database::{FIRST_OBJECT_ID, OBJECT_ID_STRIDE, format_date, quote};
use super::errors::{Action, Failure};
use super::objects::{TableRef, display_name, meta_error};
use super::session::Session;
use super::table_sql::{
    column_sql, constraint_name, default_definition, identity_triggers, key_columns, length_check,
    validate_table,
};
use crate::engine::{ColumnDef, DropKind, IndexDef, KeyDef, ObjectName, ResultColumn, Step, TableDef};
use crate::error::SqlError;
use crate::types::{Len, SqlType, storage};

/// The instance default collation's SQLite collation.
pub(super) const CI: &str = "tsql_ci";
pub(super) const GUID: &str = "tsql_guid";

impl Session {
    /// Runs `f` inside `SAVEPOINT cutover_ddl`, rolling back to it on error.
    pub(crate) fn in_savepoint<T>(
        &mut self,
        f: impl FnOnce(&mut Session) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        self.conn.execute_batch("SAVEPOINT cutover_ddl").map_err(|e| self.sql_error(e, Action::Other))?;
        match f(self) {
            Ok(v) => {
                self.conn
                    .execute_batch("RELEASE cutover_ddl")
                    .map_err(|e| self.sql_error(e, Action::Other))?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK TO cutover_ddl; RELEASE cutover_ddl");
                Err(e)
            }
        }
    }

    fn exec(&self, sql: &str) -> Result<(), Failure> {
        self.conn.execute_batch(sql).map_err(|e| self.sql_error(e, Action::Other))
    }

    fn exec_params(&self, sql: &str, params: impl rusqlite::Params) -> Result<(), Failure> {
        self.conn
            .prepare_cached(sql)
            .and_then(|mut s| s.execute(params))
            .map(|_| ())
            .map_err(|e| self.sql_error(e, Action::Other))
    }

    fn now_text(&self) -> String {
        format_date(&self.shared.instance.now_utc())
    }

    /// Hands out the next object id of a database.
    fn next_object_id(&self, alias: &str) -> Result<i64, Failure> {
        let a = quote(alias);
        let id: i64 = self
            .conn
            .query_row(
                &format!("SELECT value FROM {a}.\"__cutover_db\" WHERE key = 'next_object_id'"),
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(meta_error)?
            .unwrap_or(FIRST_OBJECT_ID);
        let mut next = (id + OBJECT_ID_STRIDE) % i64::from(i32::MAX);
        if next < 100_000 {
            next += FIRST_OBJECT_ID;
        }
        self.exec_params(
            &format!(
                "INSERT OR REPLACE INTO {a}.\"__cutover_db\" (key, value) VALUES ('next_object_id', ?1)"
            ),
            [next],
        )?;
        Ok(id)
    }

    /// The schema id of `schema`, created on first use (there is no CREATE SCHEMA step yet).
    fn ensure_schema(&self, alias: &str, schema: &str) -> Result<i64, Failure> {
        let a = quote(alias);
        let found: Option<i64> = self
            .conn
            .query_row(
                &format!("SELECT schema_id FROM {a}.\"__cutover_schemas\" WHERE name = ?1"),
                [schema],
                |r| r.get(0),
            )
            .optional()
            .map_err(meta_error)?;
        if let Some(id) = found {
            return Ok(id);
        }
        let id: i64 = self
            .conn
            .query_row(
                &format!("SELECT max(max(schema_id) + 1, 5) FROM {a}.\"__cutover_schemas\""),
                [],
                |r| r.get(0),
            )
            .map_err(meta_error)?;
        self.exec_params(&format!("INSERT INTO {a}.\"__cutover_schemas\" VALUES (?1, ?2, 1)"), (id, schema))?;
        Ok(id)
    }

    fn insert_object(
        &self,
        alias: &str,
        object: (i64, &str, i64, &str, i64),
        sqlite_name: Option<&str>,
        definition: Option<&str>,
        system_named: bool,
    ) -> Result<(), Failure> {
        let (id, name, schema_id, kind, parent) = object;
        let now = self.now_text();
        self.exec_params(
            &format!(
                "INSERT INTO {}.\"__cutover_objects\" (object_id, name, schema_id, type, parent_object_id, \
                 create_date, modify_date, sqlite_name, definition, is_system_named) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?8, ?9)",
                quote(alias)
            ),
            rusqlite::params![id, name, schema_id, kind, parent, now, sqlite_name, definition, system_named],
        )
    }

    pub(crate) fn create_table(&mut self, def: &TableDef) -> Result<(), Failure> {
        let (db, alias) = self.home_of(&def.name)?;
        self.require_ddl("CREATE TABLE", &db)?;
        if self.find_object(&ObjectName { database: Some(db.clone()), ..def.name.clone() })?.is_some() {
            return Err(SqlError::already_exists(&def.name.name).into());
        }
        validate_table(def)?;
        super::rowversion::check_columns(&def.name.name, &def.columns)?;
        let object_id = self.in_savepoint(|s| s.create_table_inner(def, &db, &alias))?;
        self.note_temp_table(&def.name, object_id);
        self.bump_writes(&db);
        Ok(())
    }

    fn create_table_inner(&mut self, def: &TableDef, db: &str, alias: &str) -> Result<i64, Failure> {
        let schema = def.name.schema.clone().unwrap_or_else(|| "dbo".to_string());
        let schema_id = self.ensure_schema(alias, &schema)?;
        let table = def.name.name.as_str();
        let sqlite_name = format!("{schema}.{table}");
        let object_id = self.next_object_id(alias)?;
        let pk_columns: Vec<String> = def
            .primary_key
            .iter()
            .flat_map(|k| k.columns.iter().map(|(c, _)| c.to_ascii_lowercase()))
            .collect();
        let identity = def.columns.iter().position(|c| c.identity.is_some());
        let rowid_alias = identity.filter(|&i| {
            let c = &def.columns[i];
            pk_columns.len() == 1
                && pk_columns[0].eq_ignore_ascii_case(&c.name)
                && matches!(c.ty, SqlType::Int | SqlType::BigInt)
                && c.identity.is_some_and(|(_, inc)| inc == 1)
        });

        let mut parts = Vec::new();
        for (i, col) in def.columns.iter().enumerate() {
            let forced_not_null = pk_columns.contains(&col.name.to_ascii_lowercase());
            parts.push(column_sql(col, rowid_alias == Some(i), forced_not_null));
        }
        for col in &def.columns {
            if let Some(check) = length_check(col) {
                parts.push(check);
            }
        }
        // Constraints, with their names and object ids.
        let mut constraints: Vec<(i64, String, &'static str, bool)> = Vec::new();
        if let Some(pk) = &def.primary_key {
            let id = self.next_object_id(alias)?;
            let (name, generated) = constraint_name(&pk.name, "PK", table, None, id);
            if rowid_alias.is_none() {
                parts.push(format!("CONSTRAINT {} PRIMARY KEY ({})", quote(&name), key_columns(pk)));
            }
            constraints.push((id, name, "PK", generated));
        }
        for uq in &def.uniques {
            let id = self.next_object_id(alias)?;
            let (name, generated) = constraint_name(&uq.name, "UQ", table, None, id);
            parts.push(format!("CONSTRAINT {} UNIQUE ({})", quote(&name), key_columns(uq)));
            constraints.push((id, name, "UQ", generated));
        }
        let mut fks = Vec::new();
        for fk in &def.foreign_keys {
            let id = self.next_object_id(alias)?;
            let (name, generated) =
                constraint_name(&fk.name, "FK", table, fk.columns.first().map(String::as_str), id);
            let referenced = self.referenced_table(def, db, &sqlite_name, &fk.references, &name)?;
            let ref_cols = if fk.referenced_columns.is_empty() {
                match &referenced {
                    Some(t) => self.primary_key_columns(t)?,
                    None => def
                        .primary_key
                        .iter()
                        .flat_map(|k| k.columns.iter().map(|(c, _)| c.clone()))
                        .collect(),
                }
            } else {
                fk.referenced_columns.clone()
            };
            let ref_sqlite =
                referenced.as_ref().map(|t| t.sqlite_name.clone()).unwrap_or_else(|| sqlite_name.clone());
            parts.push(format!(
                "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
                quote(&name),
                fk.columns.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", "),
                quote(&ref_sqlite),
                ref_cols.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ")
            ));
            constraints.push((id, name.clone(), "F", generated));
            fks.push((
                id,
                fk.columns.clone(),
                referenced.map(|t| t.object_id).unwrap_or(object_id),
                ref_cols,
            ));
        }
        let mut check_texts: Vec<(i64, String)> = Vec::new();
        for (check_name, text, expr) in &def.checks {
            let id = self.next_object_id(alias)?;
            let (name, generated) = constraint_name(check_name, "CK", table, None, id);
            parts.push(format!("CONSTRAINT {} CHECK ({expr})", quote(&name)));
            constraints.push((id, name.clone(), "C", generated));
            check_texts.push((id, text.clone()));
        }
        self.exec(&format!(
            "CREATE TABLE {}.{} (\n  {}\n)",
            quote(alias),
            quote(&sqlite_name),
            parts.join(",\n  ")
        ))?;

        // Metadata: the table, its columns (with default constraints), constraints, indexes.
        self.insert_object(alias, (object_id, table, schema_id, "U", 0), Some(&sqlite_name), None, false)?;
        for (i, col) in def.columns.iter().enumerate() {
            let forced_not_null = pk_columns.contains(&col.name.to_ascii_lowercase());
            self.insert_column(alias, object_id, table, i as i64 + 1, col, forced_not_null)?;
        }
        for (constraint_id, name, kind, generated) in &constraints {
            let definition =
                check_texts.iter().find(|(id, _)| id == constraint_id).map(|(_, t)| format!("({t})"));
            self.insert_object(
                alias,
                (*constraint_id, name, schema_id, kind, object_id),
                None,
                definition.as_deref(),
                *generated,
            )?;
        }
        for (fk_id, cols, ref_id, ref_cols) in fks {
            for (k, (c, rc)) in cols.iter().zip(&ref_cols).enumerate() {
                self.exec_params(
                    &format!(
                        "INSERT INTO {a}.\"__cutover_fk_columns\" SELECT ?1, ?2, ?3, \
                         (SELECT column_id FROM {a}.\"__cutover_columns\" WHERE object_id = ?3 AND name = ?4), ?5, \
                         coalesce((SELECT column_id FROM {a}.\"__cutover_columns\" WHERE object_id = ?5 AND name = ?6), 0)",
                        a = quote(alias)
                    ),
                    rusqlite::params![fk_id, k as i64 + 1, object_id, c, ref_id, rc],
                )?;
            }
        }
        // Indexes: the PK and UNIQUE constraints', or a heap.
        let mut keys: Vec<(&KeyDef, i64, &str, bool)> = Vec::new();
        if let Some(pk) = &def.primary_key {
            keys.push((pk, constraints[0].0, constraints[0].1.as_str(), true));
        }
        let offset = usize::from(def.primary_key.is_some());
        for (k, uq) in def.uniques.iter().enumerate() {
            let c = &constraints[offset + k];
            keys.push((uq, c.0, c.1.as_str(), false));
        }
        if !keys.iter().any(|(k, _, _, _)| k.clustered) {
            self.insert_index(alias, object_id, 0, None, 0, false, (false, false), 0)?;
        }
        let mut next_index = 2;
        for (key, constraint_id, name, is_pk) in keys {
            let index_id = if key.clustered {
                1
            } else {
                next_index += 1;
                next_index - 1
            };
            let kind = if key.clustered { 1 } else { 2 };
            self.insert_index(
                alias,
                object_id,
                index_id,
                Some(name),
                kind,
                true,
                (is_pk, !is_pk),
                constraint_id,
            )?;
            self.insert_index_columns(alias, object_id, index_id, &key.columns, &[])?;
        }
        if let Some(i) = identity {
            let col = &def.columns[i];
            let (seed, increment) = col.identity.unwrap_or((1, 1));
            self.exec_params(
                &format!(
                    "INSERT INTO {}.\"__cutover_identity\" VALUES (?1, ?2, ?3, ?4, NULL, ?5)",
                    quote(alias)
                ),
                rusqlite::params![object_id, i as i64 + 1, seed, increment, rowid_alias.is_some()],
            )?;
            if rowid_alias.is_some() {
                if seed != 1 {
                    self.exec_params(
                        &format!("INSERT INTO {}.sqlite_sequence (name, seq) VALUES (?1, ?2)", quote(alias)),
                        (sqlite_name.as_str(), seed - 1),
                    )?;
                }
            } else {
                self.exec(&identity_triggers(alias, &sqlite_name, &col.name, object_id))?;
            }
        }
        if let Some(col) = def.columns.iter().find(|c| c.rowversion) {
            self.exec(&super::rowversion::triggers(alias, &sqlite_name, &col.name, db))?;
        }
        Ok(object_id)
    }

    fn referenced_table(
        &self,
        def: &TableDef,
        db: &str,
        own_sqlite_name: &str,
        references: &ObjectName,
        fk_name: &str,
    ) -> Result<Option<TableRef>, Failure> {
        if references.database.as_deref().is_some_and(|d| !d.eq_ignore_ascii_case(db)) {
            return Err(SqlError::new(
                1763,
                16,
                format!(
                    "Cross-database foreign key references are not supported. Foreign key '{}'.",
                    display_name(references)
                ),
            )
            .into());
        }
        let own_schema = def.name.schema.as_deref().unwrap_or("dbo");
        let ref_schema = references.schema.as_deref().unwrap_or("dbo");
        if own_schema.eq_ignore_ascii_case(ref_schema) && def.name.name.eq_ignore_ascii_case(&references.name)
        {
            let _ = own_sqlite_name;
            return Ok(None);
        }
        let name = ObjectName { database: Some(db.to_string()), ..references.clone() };
        match self.find_object(&name)? {
            Some(t) if t.kind == "U" => Ok(Some(t)),
            _ => Err(SqlError::new(
                1767,
                16,
                format!("Foreign key '{fk_name}' references invalid table '{}'.", display_name(references)),
            )
            .into()),
        }
    }

    fn primary_key_columns(&self, t: &TableRef) -> Result<Vec<String>, Failure> {
        let a = quote(&t.alias);
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT c.name FROM {a}.\"__cutover_indexes\" i JOIN {a}.\"__cutover_index_columns\" ic \
                 ON ic.object_id = i.object_id AND ic.index_id = i.index_id JOIN {a}.\"__cutover_columns\" c \
                 ON c.object_id = ic.object_id AND c.column_id = ic.column_id \
                 WHERE i.object_id = ?1 AND i.is_primary_key = 1 ORDER BY ic.key_ordinal"
            ))
            .map_err(meta_error)?;
        let cols = stmt.query_map([t.object_id], |r| r.get(0)).map_err(meta_error)?;
        Ok(cols.flatten().collect())
    }

    fn insert_column(
        &self,
        alias: &str,
        object_id: i64,
        table: &str,
        column_id: i64,
        col: &ColumnDef,
        forced_not_null: bool,
    ) -> Result<(), Failure> {
        let mut default_object_id = 0;
        if let Some((text, _)) = &col.default {
            default_object_id = self.next_object_id(alias)?;
            let (name, _) = constraint_name(&None, "DF", table, Some(&col.name), default_object_id);
            let schema_id: i64 = self
                .conn
                .query_row(
                    &format!(
                        "SELECT schema_id FROM {}.\"__cutover_objects\" WHERE object_id = ?1",
                        quote(alias)
                    ),
                    [object_id],
                    |r| r.get(0),
                )
                .map_err(meta_error)?;
            self.insert_object(
                alias,
                (default_object_id, &name, schema_id, "D", object_id),
                None,
                Some(&default_definition(text)),
                true,
            )?;
        }
        let collation = if col.ty.is_character() {
            Some(col.collation.clone().unwrap_or_else(|| "SQL_Latin1_General_CP1_CI_AS".to_string()))
        } else {
            None
        };
        self.exec_params(
            &format!(
                "INSERT INTO {}.\"__cutover_columns\" (object_id, column_id, name, type_text, is_nullable, is_identity, \
                 default_object_id, default_text, computed_text, collation_name, type_name, system_type_id, \
                 user_type_id, max_length, precision, scale) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                quote(alias)
            ),
            rusqlite::params![
                object_id,
                column_id,
                col.name,
                col.ty.to_sql(),
                col.nullable && !forced_not_null && col.identity.is_none(),
                col.identity.is_some(),
                default_object_id,
                col.default.as_ref().map(|(t, _)| default_definition(t)),
                col.computed.as_ref().map(|(t, _)| format!("({t})")),
                collation,
                if col.rowversion { "timestamp" } else { col.ty.name() },
                if col.rowversion { super::rowversion::SYSTEM_TYPE_ID } else { i64::from(col.ty.system_type_id()) },
                if col.rowversion {
                    super::rowversion::SYSTEM_TYPE_ID
                } else if col.ty == SqlType::SysName {
                    256
                } else {
                    i64::from(col.ty.system_type_id())
                },
                col.ty.max_length(),
                col.ty.precision(),
                col.ty.scale()
            ],
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn insert_index(
        &self,
        alias: &str,
        object_id: i64,
        index_id: i64,
        name: Option<&str>,
        kind: i64,
        unique: bool,
        (is_pk, is_uq): (bool, bool),
        constraint_id: i64,
    ) -> Result<(), Failure> {
        self.exec_params(
            &format!(
                "INSERT INTO {}.\"__cutover_indexes\" (object_id, index_id, name, type, is_unique, is_primary_key, \
                 is_unique_constraint, constraint_object_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                quote(alias)
            ),
            rusqlite::params![object_id, index_id, name, kind, unique, is_pk, is_uq, constraint_id],
        )
    }

    fn insert_index_columns(
        &self,
        alias: &str,
        object_id: i64,
        index_id: i64,
        keys: &[(String, bool)],
        include: &[String],
    ) -> Result<(), Failure> {
        let a = quote(alias);
        let sql = format!(
            "INSERT INTO {a}.\"__cutover_index_columns\" SELECT ?1, ?2, ?3, column_id, ?4, ?5, ?6 \
             FROM {a}.\"__cutover_columns\" WHERE object_id = ?1 AND name = ?7"
        );
        let mut n = 0i64;
        for (col, desc) in keys {
            n += 1;
            self.column_must_exist(alias, object_id, col)?;
            self.exec_params(&sql, rusqlite::params![object_id, index_id, n, n, desc, false, col])?;
        }
        for col in include {
            n += 1;
            self.column_must_exist(alias, object_id, col)?;
            self.exec_params(&sql, rusqlite::params![object_id, index_id, n, 0, false, true, col])?;
        }
        Ok(())
    }

    fn column_must_exist(&self, alias: &str, object_id: i64, column: &str) -> Result<(), Failure> {
        let found: Option<i64> = self
            .conn
            .query_row(
                &format!(
                    "SELECT column_id FROM {}.\"__cutover_columns\" WHERE object_id = ?1 AND name = ?2",
                    quote(alias)
                ),
                (object_id, column),
                |r| r.get(0),
            )
            .optional()
            .map_err(meta_error)?;
        match found {
            Some(_) => Ok(()),
            None => Err(SqlError::new(
                1911,
                16,
                format!("Column name '{column}' does not exist in the target table or view."),
            )
            .into()),
        }
    }

    pub(crate) fn create_index(&mut self, def: &IndexDef) -> Result<(), Failure> {
        let t = self.locate_table(&def.table)?;
        self.require_ddl("CREATE INDEX", &t.database)?;
        self.in_savepoint(|s| s.create_index_inner(def, &t))?;
        self.bump_writes(&t.database);
        Ok(())
    }

    fn create_index_inner(&mut self, def: &IndexDef, t: &TableRef) -> Result<(), Failure> {
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

    /// Updates an object's modify_date.
    fn touch(&self, t: &TableRef) -> Result<(), Failure> {
        self.exec_params(
            &format!(
                "UPDATE {}.\"__cutover_objects\" SET modify_date = ?1 WHERE object_id = ?2",
                quote(&t.alias)
            ),
            (self.now_text(), t.object_id),
        )
    }

    /// CREATE VIEW: the view is an SQLite view in its database, its SQL stripped of the
    /// session-specific schema prefixes the translator was given for that database's tables.
    pub(crate) fn create_view_from(
        &mut self,
        step: &Step,
        needs: &[super::catalog::CatalogNeed],
    ) -> Result<(), Failure> {
        let Step::CreateView { name, sql, definition, columns } = step else { return Ok(()) };
        let db = match &name.database {
            Some(d) => self.database_entry(d)?.name.clone(),
            None => self.database(),
        };
        self.require_ddl("CREATE VIEW", &db)?;
        let alias = self.schema_of(&db)?;
        if self.find_object(&ObjectName { database: Some(db.clone()), ..name.clone() })?.is_some() {
            return Err(SqlError::already_exists(&name.name).into());
        }
        let mut body = sql.clone();
        for need in needs {
            match need {
                super::catalog::CatalogNeed::UserObject { database, sqlite_ref, sqlite_name } => {
                    if !database.eq_ignore_ascii_case(&db) {
                        return Err(SqlError::unsupported("a view over another database's tables").into());
                    }
                    body = body.replace(sqlite_ref.as_str(), &quote(sqlite_name));
                }
                _ => return Err(SqlError::unsupported("a view over catalog views").into()),
            }
        }
        let columns = columns.clone();
        let definition = definition.clone();
        let name = name.clone();
        self.in_savepoint(move |s| s.create_view_inner(&name, &db, &alias, &body, &definition, &columns))?;
        Ok(())
    }

    fn create_view_inner(
        &mut self,
        name: &ObjectName,
        db: &str,
        alias: &str,
        body: &str,
        definition: &str,
        columns: &[ResultColumn],
    ) -> Result<(), Failure> {
        let schema = name.schema.clone().unwrap_or_else(|| "dbo".to_string());
        let schema_id = self.ensure_schema(alias, &schema)?;
        let sqlite_name = format!("{schema}.{}", name.name);
        let object_id = self.next_object_id(alias)?;
        self.exec(&format!("CREATE VIEW {}.{} AS {body}", quote(alias), quote(&sqlite_name)))?;
        self.insert_object(
            alias,
            (object_id, &name.name, schema_id, "V", 0),
            Some(&sqlite_name),
            Some(definition),
            false,
        )?;
        // Column types: the translator's, else what SQLite declares for the view's columns.
        let declared: Vec<(String, Option<SqlType>)> = {
            let stmt = self
                .conn
                .prepare(&format!("SELECT * FROM {}.{}", quote(alias), quote(&sqlite_name)))
                .map_err(|e| self.sql_error(e, Action::Select))?;
            stmt.columns()
                .map(|c| (c.name().to_string(), c.decl_type().and_then(storage::parse_declared_type)))
                .collect()
        };
        for (i, (col_name, decl)) in declared.iter().enumerate() {
            let given = columns.get(i).filter(|_| columns.len() == declared.len());
            let ty = given.and_then(|c| c.ty).or(*decl).unwrap_or(SqlType::NVarChar(Len::N(4000)));
            let col = ColumnDef {
                name: given.map(|c| c.name.clone()).unwrap_or_else(|| col_name.clone()),
                ty,
                nullable: given.is_none_or(|c| c.nullable),
                identity: None,
                default: None,
                computed: None,
                collation: None,
                rowversion: false,
            };
            self.insert_column(alias, object_id, &name.name, i as i64 + 1, &col, false)?;
        }
        let _ = db;
        Ok(())
    }

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

    fn drop_inner(&mut self, t: &TableRef) -> Result<(), Failure> {
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
    fn drop_index(&mut self, name: &ObjectName, if_exists: bool) -> Result<(), Failure> {
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

    pub(crate) fn alter_table_add(&mut self, table: &ObjectName, column: &ColumnDef) -> Result<(), Failure> {
        let t = self.locate_table(table)?;
        self.require_ddl("ALTER TABLE", &t.database)?;
        if column.identity.is_some() {
            return Err(SqlError::unsupported("ALTER TABLE ADD of an IDENTITY column").into());
        }
        let a = quote(&t.alias);
        let exists: Option<i64> = self
            .conn
            .query_row(
                &format!(
                    "SELECT column_id FROM {a}.\"__cutover_columns\" WHERE object_id = ?1 AND name = ?2"
                ),
                (t.object_id, column.name.as_str()),
                |r| r.get(0),
            )
            .optional()
            .map_err(meta_error)?;
        if exists.is_some() {
            return Err(SqlError::new(
                2705,
                16,
                format!(
                    "Column names in each table must be unique. Column name '{}' in table '{}' is specified more than once.",
                    column.name,
                    t.two_part()
                ),
            )
            .into());
        }
        if column.rowversion {
            self.check_no_rowversion(&t, &column.name)?;
        }
        // A rowversion column is stamped on every existing row below (SQL Server does the same).
        if !column.nullable && column.default.is_none() && column.computed.is_none() && !column.rowversion {
            let rows: i64 = self
                .conn
                .query_row(&format!("SELECT count(*) FROM {}", t.sqlite_ref()), [], |r| r.get(0))
                .map_err(meta_error)?;
            if rows > 0 {
                return Err(SqlError::new(
                    4901,
                    16,
                    format!(
                        "ALTER TABLE only allows columns to be added that can contain nulls, or have a DEFAULT definition specified, or the column being added is an identity or timestamp column, or alternatively if none of the previous conditions are satisfied the table must be empty to allow addition of this column. Column '{}' cannot be added to non-empty table '{}' because it does not satisfy these conditions.",
                        column.name, t.name
                    ),
                )
                .into());
            }
        }
        let t2 = t.clone();
        let column = column.clone();
        self.in_savepoint(move |s| {
            let mut sql = column_sql(&column, false, false);
            if !column.nullable && column.default.is_none() && column.computed.is_none() && !column.rowversion {
                // SQLite needs a default for NOT NULL; the table is empty, so it is never used.
                sql.push_str(" DEFAULT ''");
            }
            s.exec(&format!("ALTER TABLE {} ADD COLUMN {sql}", t2.sqlite_ref()))?;
            let next: i64 = s
                .conn
                .query_row(
                    &format!("SELECT coalesce(max(column_id), 0) + 1 FROM {}.\"__cutover_columns\" WHERE object_id = ?1", quote(&t2.alias)),
                    [t2.object_id],
                    |r| r.get(0),
                )
                .map_err(meta_error)?;
            s.insert_column(&t2.alias, t2.object_id, &t2.name, next, &column, false)?;
            if column.rowversion {
                s.exec(&super::rowversion::triggers(&t2.alias, &t2.sqlite_name, &column.name, &t2.database))?;
                s.exec(&format!(
                    "UPDATE {} SET {} = tsql_next_rowversion({})",
                    t2.sqlite_ref(),
                    quote(&column.name),
                    super::database::literal(&t2.database)
                ))?;
            }
            s.touch(&t2)
        })?;
        self.bump_writes(&t.database);
        Ok(())
    }

    /// 2738 when `t` already has a rowversion column (a table has at most one).
    fn check_no_rowversion(&self, t: &TableRef, column: &str) -> Result<(), Failure> {
        let has: Option<String> = self
            .conn
            .query_row(
                &format!(
                    "SELECT name FROM {}.\"__cutover_columns\" WHERE object_id = ?1 AND system_type_id = ?2",
                    quote(&t.alias)
                ),
                (t.object_id, super::rowversion::SYSTEM_TYPE_ID),
                |r| r.get(0),
            )
            .optional()
            .map_err(meta_error)?;
        match has {
            None => Ok(()),
            Some(_) => Err(super::rowversion::second_column(&t.name, column).into()),
        }
    }

    pub(crate) fn truncate(&mut self, table: &ObjectName) -> Result<(), Failure> {
        let t = self.locate_table(table)?;
        if t.kind != "U" {
            return Err(SqlError::new(
                4701,
                16,
                format!(
                    "Cannot find the object \"{}\" because it does not exist or you do not have permissions.",
                    t.name
                ),
            )
            .into());
        }
        self.require_write("ALTER", &t)?;
        let a = quote(&t.alias);
        self.in_savepoint(|s| {
            s.exec(&format!("DELETE FROM {}", t.sqlite_ref()))?;
            s.exec_params(
                &format!("UPDATE {a}.\"__cutover_identity\" SET last_value = NULL WHERE object_id = ?1"),
                [t.object_id],
            )?;
            let _ =
                s.exec_params(&format!("DELETE FROM {a}.sqlite_sequence WHERE name = ?1"), [&t.sqlite_name]);
            let seed: Option<(i64, bool)> = s
                .conn
                .query_row(
                    &format!("SELECT seed, rowid_alias FROM {a}.\"__cutover_identity\" WHERE object_id = ?1"),
                    [t.object_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(meta_error)?;
            if let Some((seed, true)) = seed
                && seed != 1
            {
                s.exec_params(
                    &format!("INSERT INTO {a}.sqlite_sequence (name, seq) VALUES (?1, ?2)"),
                    (&t.sqlite_name, seed - 1),
                )?;
            }
            super::change_tracking::after_truncate(s, &t)?;
            Ok(())
        })?;
        self.bump_writes(&t.database);
        Ok(())
    }

    pub(crate) fn create_database(&mut self, name: &str) -> Result<(), Failure> {
        self.require_ddl("CREATE DATABASE", "master")?;
        if self.trancount > 0 {
            return Err(SqlError::new(
                226,
                16,
                "CREATE DATABASE statement not allowed within multi-statement transaction.",
            )
            .into());
        }
        self.shared.instance.create_database(name).map_err(Failure::Error)
    }
}
