//! CREATE TABLE: the SQLite table, its metadata rows (columns, keys, indexes, defaults,
//! checks, foreign keys) and its identity triggers.

use rusqlite::OptionalExtension;

use super::super::database::quote;
use super::super::errors::Failure;
use super::super::objects::{TableRef, display_name, meta_error};
use super::super::session::Session;
use super::super::table_sql::{
    column_sql, constraint_name, default_definition, identity_triggers, key_columns, length_check,
    validate_table,
};
use crate::engine::{ColumnDef, KeyDef, ObjectName, TableDef};
use crate::error::SqlError;
use crate::types::SqlType;

impl Session {
    pub(crate) fn create_table(&mut self, def: &TableDef) -> Result<(), Failure> {
        let (db, alias) = self.home_of(&def.name)?;
        self.require_ddl("CREATE TABLE", &db)?;
        if self.find_object(&ObjectName { database: Some(db.clone()), ..def.name.clone() })?.is_some() {
            return Err(SqlError::already_exists(&def.name.name).into());
        }
        validate_table(def)?;
        super::super::rowversion::check_columns(&def.name.name, &def.columns)?;
        let object_id = self.in_savepoint(|s| s.create_table_inner(def, &db, &alias))?;
        self.note_temp_table(&def.name, object_id);
        self.bump_writes(&db);
        Ok(())
    }

    /// The CREATE TABLE proper, in steps: lay out the columns, name the constraints, create the
    /// SQLite table, then write its metadata rows, key indexes and identity machinery.
    pub(super) fn create_table_inner(
        &mut self,
        def: &TableDef,
        db: &str,
        alias: &str,
    ) -> Result<i64, Failure> {
        let mut t = self.new_table(def, db, alias)?;
        for (i, col) in def.columns.iter().enumerate() {
            let forced_not_null = t.pk_columns.contains(&col.name.to_ascii_lowercase());
            t.parts.push(column_sql(col, t.rowid_alias == Some(i), forced_not_null));
        }
        t.parts.extend(def.columns.iter().filter_map(length_check));
        self.key_constraints(&mut t)?;
        self.foreign_key_constraints(&mut t)?;
        self.check_constraints(&mut t)?;
        self.exec(&format!(
            "CREATE TABLE {}.{} (\n  {}\n)",
            quote(alias),
            quote(&t.sqlite_name),
            t.parts.join(",\n  ")
        ))?;
        self.insert_table_metadata(&t)?;
        self.insert_key_indexes(&t)?;
        self.install_identity(&t)?;
        if let Some(col) = def.columns.iter().find(|c| c.rowversion) {
            self.exec(&super::super::rowversion::triggers(alias, &t.sqlite_name, &col.name, db))?;
        }
        Ok(t.object_id)
    }

    /// The table's schema and object id, its key columns and whether its identity column can be
    /// SQLite's rowid.
    fn new_table<'d>(&self, def: &'d TableDef, db: &'d str, alias: &'d str) -> Result<NewTable<'d>, Failure> {
        let schema = def.name.schema.clone().unwrap_or_else(|| "dbo".to_string());
        let schema_id = self.ensure_schema(alias, &schema)?;
        let sqlite_name = format!("{schema}.{}", def.name.name);
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
        Ok(NewTable {
            def,
            db,
            alias,
            schema_id,
            sqlite_name,
            object_id,
            pk_columns,
            identity,
            rowid_alias,
            parts: Vec::new(),
            constraints: Vec::new(),
            fks: Vec::new(),
            check_texts: Vec::new(),
        })
    }

    /// PRIMARY KEY and UNIQUE constraints: ids, names and clauses (an identity rowid is the key).
    fn key_constraints(&self, t: &mut NewTable) -> Result<(), Failure> {
        let table = t.def.name.name.as_str();
        if let Some(pk) = &t.def.primary_key {
            let id = self.next_object_id(t.alias)?;
            let (name, generated) = constraint_name(&pk.name, "PK", table, None, id);
            if t.rowid_alias.is_none() {
                t.parts.push(format!("CONSTRAINT {} PRIMARY KEY ({})", quote(&name), key_columns(pk)));
            }
            t.constraints.push((id, name, "PK", generated));
        }
        for uq in &t.def.uniques {
            let id = self.next_object_id(t.alias)?;
            let (name, generated) = constraint_name(&uq.name, "UQ", table, None, id);
            t.parts.push(format!("CONSTRAINT {} UNIQUE ({})", quote(&name), key_columns(uq)));
            t.constraints.push((id, name, "UQ", generated));
        }
        Ok(())
    }

    /// FOREIGN KEY constraints: the referenced table (or this one) and columns (its key when
    /// none are named).
    fn foreign_key_constraints(&self, t: &mut NewTable) -> Result<(), Failure> {
        let (def, table) = (t.def, t.def.name.name.as_str());
        for fk in &def.foreign_keys {
            let id = self.next_object_id(t.alias)?;
            let (name, generated) =
                constraint_name(&fk.name, "FK", table, fk.columns.first().map(String::as_str), id);
            let referenced = self.referenced_table(def, t.db, &t.sqlite_name, &fk.references, &name)?;
            let ref_cols = if fk.referenced_columns.is_empty() {
                match &referenced {
                    Some(r) => self.primary_key_columns(r)?,
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
                referenced.as_ref().map(|r| r.sqlite_name.clone()).unwrap_or_else(|| t.sqlite_name.clone());
            t.parts.push(format!(
                "CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {} ({})",
                quote(&name),
                fk.columns.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", "),
                quote(&ref_sqlite),
                ref_cols.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ")
            ));
            t.constraints.push((id, name.clone(), "F", generated));
            t.fks.push((
                id,
                fk.columns.clone(),
                referenced.map(|r| r.object_id).unwrap_or(t.object_id),
                ref_cols,
            ));
        }
        Ok(())
    }

    /// CHECK constraints, with their T-SQL text for `sys.check_constraints.definition`.
    fn check_constraints(&self, t: &mut NewTable) -> Result<(), Failure> {
        for (check_name, text, expr) in &t.def.checks {
            let id = self.next_object_id(t.alias)?;
            let (name, generated) = constraint_name(check_name, "CK", &t.def.name.name, None, id);
            t.parts.push(format!("CONSTRAINT {} CHECK ({expr})", quote(&name)));
            t.constraints.push((id, name.clone(), "C", generated));
            t.check_texts.push((id, text.clone()));
        }
        Ok(())
    }

    /// Metadata: the table, its columns (with default constraints), constraints and foreign key
    /// columns.
    fn insert_table_metadata(&self, t: &NewTable) -> Result<(), Failure> {
        let (alias, object_id, table) = (t.alias, t.object_id, t.def.name.name.as_str());
        self.insert_object(
            alias,
            (object_id, table, t.schema_id, "U", 0),
            Some(&t.sqlite_name),
            None,
            false,
        )?;
        for (i, col) in t.def.columns.iter().enumerate() {
            let forced_not_null = t.pk_columns.contains(&col.name.to_ascii_lowercase());
            self.insert_column(alias, object_id, table, i as i64 + 1, col, forced_not_null)?;
        }
        for (constraint_id, name, kind, generated) in &t.constraints {
            let definition =
                t.check_texts.iter().find(|(id, _)| id == constraint_id).map(|(_, c)| format!("({c})"));
            self.insert_object(
                alias,
                (*constraint_id, name, t.schema_id, kind, object_id),
                None,
                definition.as_deref(),
                *generated,
            )?;
        }
        for (fk_id, cols, ref_id, ref_cols) in &t.fks {
            for (k, (c, rc)) in cols.iter().zip(ref_cols).enumerate() {
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
        Ok(())
    }

    /// Indexes: the PK and UNIQUE constraints', or a heap.
    fn insert_key_indexes(&self, t: &NewTable) -> Result<(), Failure> {
        let (def, alias, object_id) = (t.def, t.alias, t.object_id);
        let mut keys: Vec<(&KeyDef, i64, &str, bool)> = Vec::new();
        if let Some(pk) = &def.primary_key {
            keys.push((pk, t.constraints[0].0, t.constraints[0].1.as_str(), true));
        }
        let offset = usize::from(def.primary_key.is_some());
        for (k, uq) in def.uniques.iter().enumerate() {
            let c = &t.constraints[offset + k];
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
        Ok(())
    }

    /// The identity column's seed and increment, and what hands out its values: SQLite's rowid
    /// sequence when it is the rowid, triggers otherwise.
    fn install_identity(&self, t: &NewTable) -> Result<(), Failure> {
        let Some(i) = t.identity else { return Ok(()) };
        let (alias, col) = (t.alias, &t.def.columns[i]);
        let (seed, increment) = col.identity.unwrap_or((1, 1));
        self.exec_params(
            &format!("INSERT INTO {}.\"__cutover_identity\" VALUES (?1, ?2, ?3, ?4, NULL, ?5)", quote(alias)),
            rusqlite::params![t.object_id, i as i64 + 1, seed, increment, t.rowid_alias.is_some()],
        )?;
        if t.rowid_alias.is_none() {
            return self.exec(&identity_triggers(alias, &t.sqlite_name, &col.name, t.object_id));
        }
        if seed != 1 {
            self.exec_params(
                &format!("INSERT INTO {}.sqlite_sequence (name, seq) VALUES (?1, ?2)", quote(alias)),
                (t.sqlite_name.as_str(), seed - 1),
            )?;
        }
        Ok(())
    }

    pub(super) fn referenced_table(
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

    pub(super) fn primary_key_columns(&self, t: &TableRef) -> Result<Vec<String>, Failure> {
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

    pub(super) fn insert_column(
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
                if col.rowversion { super::super::rowversion::SYSTEM_TYPE_ID } else { i64::from(col.ty.system_type_id()) },
                if col.rowversion {
                    super::super::rowversion::SYSTEM_TYPE_ID
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
    pub(super) fn insert_index(
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

    pub(super) fn insert_index_columns(
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

    pub(super) fn column_must_exist(&self, alias: &str, object_id: i64, column: &str) -> Result<(), Failure> {
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
}

/// A table being created: its names and ids, and what each step gathers for the later ones.
struct NewTable<'d> {
    def: &'d TableDef,
    db: &'d str,
    alias: &'d str,
    schema_id: i64,
    sqlite_name: String,
    object_id: i64,
    /// Primary key columns, lower-case (they are NOT NULL).
    pk_columns: Vec<String>,
    identity: Option<usize>,
    /// The identity column when it is also SQLite's rowid (a one-column int/bigint key, step 1).
    rowid_alias: Option<usize>,
    /// Column and constraint clauses of the CREATE TABLE.
    parts: Vec<String>,
    /// (object id, name, type, system-named) of each constraint: PK, UNIQUEs, FKs, CHECKs.
    constraints: Vec<(i64, String, &'static str, bool)>,
    /// (constraint id, columns, referenced object id, referenced columns).
    fks: Vec<(i64, Vec<String>, i64, Vec<String>)>,
    /// (constraint id, T-SQL text) of each CHECK.
    check_texts: Vec<(i64, String)>,
}
