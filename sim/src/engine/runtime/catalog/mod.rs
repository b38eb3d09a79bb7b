//! The catalog as the translator sees it ([`SessionCatalog`], the [`Catalog`] implementation)
//! and the catalog views, served as per-session TEMP tables declared with SQL Server types
//! (`temp."shop.sys.tables"`, `temp."sys.databases"`), refilled before a statement that reads
//! them when the database's DDL generation (SQLite `schema_version`) or, for the row-count
//! views, its write generation has moved.
//!
//! [`views`] is the one declarative list of views and their documented columns; [`fill`] holds
//! the SQL that fills each one from the metadata tables.

pub(crate) mod dmv;
pub mod dmv_columns;
pub mod fill;
pub mod permissions;
pub mod views;

use std::cell::RefCell;

use super::database::quote;
use super::session::Session;
use crate::engine::{AppliedFunction, Catalog, ObjectName, ResolvedTable, TableKind};
use crate::error::SqlError;
use crate::types::{Column, SqlType};
use views::{Availability, CatalogView, Permission, Scope};

/// Something a translated statement needs the runtime to prepare or know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum CatalogNeed {
    /// A catalog view's temp table must be current. `database` is `None` for server views.
    View { key: String, view: &'static str, database: Option<String> },
    /// A user table or view was resolved to `sqlite_ref` (CREATE VIEW rewrites these).
    UserObject { database: String, sqlite_ref: String, sqlite_name: String },
}

/// The translator's view of a session's catalog; records what it resolved.
pub(crate) struct SessionCatalog<'a> {
    session: &'a Session,
    needs: RefCell<Vec<CatalogNeed>>,
}

impl<'a> SessionCatalog<'a> {
    pub fn new(session: &'a Session) -> Self {
        SessionCatalog { session, needs: RefCell::new(Vec::new()) }
    }

    pub fn into_needs(self) -> Vec<CatalogNeed> {
        self.needs.into_inner()
    }

    fn need(&self, need: CatalogNeed) {
        let mut needs = self.needs.borrow_mut();
        if !needs.contains(&need) {
            needs.push(need);
        }
    }
}

/// The columns of a catalog view as result columns.
pub(crate) fn view_columns(view: &CatalogView) -> Vec<Column> {
    view.columns()
        .map(|(name, ty, nullable)| Column::new(*name, SqlType::parse(ty).unwrap_or(SqlType::Int), *nullable))
        .collect()
}

/// The temp table that holds a view: `sys.databases` (server scope) or `shop.sys.tables`.
pub(crate) fn temp_key(view: &CatalogView, database: Option<&str>) -> String {
    match database {
        Some(db) => format!("{}.{}", db.to_ascii_lowercase(), view.name.to_ascii_lowercase()),
        None => view.name.to_ascii_lowercase(),
    }
}

impl Catalog for SessionCatalog<'_> {
    fn current_database(&self) -> String {
        self.session.database()
    }

    fn resolve_table(&self, name: &ObjectName) -> Result<ResolvedTable, SqlError> {
        if let Some(schema) = &name.schema
            && let Some(view) = views::find(schema, &name.name)
        {
            return self.resolve_view(view, name.database.as_deref(), false);
        }
        if name
            .schema
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("sys") || s.eq_ignore_ascii_case("INFORMATION_SCHEMA"))
        {
            return Err(SqlError::invalid_object(&super::objects::display_name(name)));
        }
        let t = self.session.locate_table(name)?;
        let columns = self.session.object_columns(&t)?;
        let sqlite_ref = t.sqlite_ref();
        self.need(CatalogNeed::UserObject {
            database: t.database.clone(),
            sqlite_ref: sqlite_ref.clone(),
            sqlite_name: t.sqlite_name.clone(),
        });
        Ok(ResolvedTable {
            sqlite_ref,
            columns,
            kind: if t.kind == "V" { TableKind::View } else { TableKind::Table },
        })
    }

    fn resolve_table_function(&self, name: &ObjectName, args: &[String]) -> Result<ResolvedTable, SqlError> {
        if let Some(schema) = name.schema.as_deref().or(Some("sys"))
            && let Some(view) = views::find(schema, &name.name).filter(|v| !v.params.is_empty())
        {
            return self.resolve_function(view, args);
        }
        if super::xe::read_file::is_read_file(name) {
            return super::xe::read_file::resolve(self.session, args);
        }
        if name.schema.is_none() {
            match name.name.to_ascii_uppercase().as_str() {
                "CHANGETABLE" => return super::change_tracking::changetable(self.session, args),
                "CHANGE_TRACKING_CURRENT_VERSION" if args.is_empty() => {
                    return super::change_tracking::current_version(self.session);
                }
                "CHANGE_TRACKING_MIN_VALID_VERSION" if args.len() == 1 => {
                    return super::change_tracking::min_valid_version(self.session, &args[0]);
                }
                _ => {}
            }
        }
        if name.name.eq_ignore_ascii_case("fn_my_permissions")
            && name.schema.as_deref().is_none_or(|s| s.eq_ignore_ascii_case("sys"))
        {
            return Ok(permissions::fn_my_permissions(self.session, args));
        }
        Err(SqlError::invalid_object(&super::objects::display_name(name)))
    }

    fn resolve_applied_function(&self, name: &ObjectName, arg_count: usize) -> Option<AppliedFunction> {
        let view = views::find(name.schema.as_deref().unwrap_or("sys"), &name.name)?;
        if view.params.is_empty() || arg_count != view.params.len() {
            return None;
        }
        let table = self.resolve_view(view, None, true).ok()?;
        let hidden = dmv::hidden_columns(view);
        let keys = view
            .params
            .iter()
            .map(|p| if hidden.contains(p) { (format!("__{p}"), false) } else { (p.to_string(), true) })
            .collect();
        Some(AppliedFunction { table, keys })
    }

    fn variable_type(&self, name: &str) -> Option<SqlType> {
        self.session.type_of(name)
    }

    fn database_exists(&self, name: &str) -> bool {
        self.session.instance().database(name).is_some()
    }

    fn check_identity_insert(&self, table: &ObjectName, columns: Option<&[String]>) -> Result<(), SqlError> {
        let Some((t, identity)) = self.identity_column(table) else { return Ok(()) };
        let on = self.session.options().identity_insert.is_some_and(|i| i.is(&t));
        let explicit = columns.is_some_and(|c| c.iter().any(|c| c.eq_ignore_ascii_case(&identity)));
        let name = &table.name;
        match (on, explicit) {
            (false, true) => Err(SqlError::new(
                544,
                16,
                format!(
                    "Cannot insert explicit value for identity column in table '{name}' when IDENTITY_INSERT is set to OFF."
                ),
            )),
            (true, false) => Err(SqlError::new(
                545,
                16,
                format!(
                    "Explicit value must be specified for identity column in table '{name}' either when IDENTITY_INSERT is set to ON or when a replication user is inserting into a NOT FOR REPLICATION identity column."
                ),
            )),
            _ => Ok(()),
        }
    }

    fn generated_columns(&self, table: &ObjectName) -> Vec<String> {
        let Ok(Some(t)) = self.session.find_object(table) else { return Vec::new() };
        let sql = format!(
            "SELECT name FROM {}.\"__cutover_columns\" WHERE object_id = ?1 \
             AND (is_identity = 1 OR computed_text IS NOT NULL) ORDER BY column_id",
            quote(&t.alias)
        );
        let Ok(mut stmt) = self.session.conn.prepare_cached(&sql) else { return Vec::new() };
        stmt.query_map([t.object_id], |r| r.get::<_, String>(0))
            .map(|rows| rows.flatten().collect())
            .unwrap_or_default()
    }

    fn rowversion_column(&self, table: &ObjectName) -> Option<String> {
        let t = self.session.find_object(table).ok()??;
        let sql = format!(
            "SELECT name FROM {}.\"__cutover_columns\" WHERE object_id = ?1 AND system_type_id = ?2",
            quote(&t.alias)
        );
        let mut stmt = self.session.conn.prepare_cached(&sql).ok()?;
        stmt.query_row((t.object_id, super::rowversion::SYSTEM_TYPE_ID), |r| r.get::<_, String>(0)).ok()
    }
}

impl SessionCatalog<'_> {
    /// The table's IDENTITY column, if it has one.
    fn identity_column(&self, table: &ObjectName) -> Option<(super::objects::TableRef, String)> {
        let t = self.session.locate_table(table).ok()?;
        let sql = format!(
            "SELECT name FROM {}.\"__cutover_columns\" WHERE object_id = ?1 AND is_identity = 1",
            quote(&t.alias)
        );
        let name = self.session.conn.query_row(&sql, [t.object_id], |r| r.get::<_, String>(0)).ok()?;
        Some((t, name))
    }

    fn resolve_view(
        &self,
        view: &'static CatalogView,
        database: Option<&str>,
        as_function: bool,
    ) -> Result<ResolvedTable, SqlError> {
        if view.availability == Availability::ManagedInstance
            && !self.session.instance().is_managed_instance()
        {
            return Err(SqlError::invalid_object(view.name));
        }
        if !view.params.is_empty() && !as_function {
            return Err(SqlError::new(
                216,
                16,
                format!("Parameters were not supplied for the function '{}'.", view.name),
            ));
        }
        if view.permission == Permission::ServerState {
            permissions::require_server_state(self.session)?;
        }
        let db = match database {
            Some(d) => self.session.database_entry(d)?.name.clone(),
            None => self.session.database(),
        };
        let database = match view.scope {
            Scope::Server => None,
            Scope::Database => Some(db),
        };
        let key = temp_key(view, database.as_deref());
        self.need(CatalogNeed::View { key: key.clone(), view: view.name, database });
        Ok(ResolvedTable {
            sqlite_ref: format!("temp.{}", quote(&key)),
            columns: view_columns(view),
            kind: TableKind::Catalog,
        })
    }
}

impl SessionCatalog<'_> {
    /// `sys.dm_io_virtual_file_stats(db, file)`, `sys.dm_exec_sql_text(handle)`: the view's temp
    /// table filtered by the arguments (NULL matches all rows for column parameters).
    fn resolve_function(
        &self,
        view: &'static CatalogView,
        args: &[String],
    ) -> Result<ResolvedTable, SqlError> {
        if args.len() != view.params.len() {
            return Err(SqlError::new(
                216,
                16,
                format!("Parameters were not supplied for the function '{}'.", view.name),
            ));
        }
        let table = self.resolve_view(view, None, true)?;
        let hidden = dmv::hidden_columns(view);
        let filters: Vec<String> = view
            .params
            .iter()
            .zip(args)
            .map(|(p, arg)| {
                if hidden.contains(p) {
                    format!("{} = ({arg})", quote(&format!("__{p}")))
                } else {
                    format!("(({arg}) IS NULL OR {} = ({arg}))", quote(p))
                }
            })
            .collect();
        let columns: Vec<String> = view.columns().map(|(n, _, _)| quote(n)).collect();
        Ok(ResolvedTable {
            sqlite_ref: format!(
                "(SELECT {} FROM {} WHERE {})",
                columns.join(", "),
                table.sqlite_ref,
                filters.join(" AND ")
            ),
            columns: table.columns,
            kind: TableKind::Catalog,
        })
    }
}

impl Session {
    /// Makes every catalog view a statement reads current.
    pub(crate) fn refresh_catalog(&mut self, needs: &[CatalogNeed]) -> Result<(), SqlError> {
        for need in needs {
            let CatalogNeed::View { key, view, database } = need else { continue };
            let Some(spec) = views::CATALOG_VIEWS.iter().find(|v| v.name == *view) else { continue };
            let generation = self.catalog_generation(spec, database.as_deref())?;
            if generation.is_some() && self.catalog_fresh.get(key) == generation.as_ref() {
                continue;
            }
            fill::fill(self, spec, key, database.as_deref())?;
            match generation {
                Some(g) => self.catalog_fresh.insert(key.clone(), g),
                None => self.catalog_fresh.remove(key),
            };
        }
        Ok(())
    }

    /// (DDL generation, write generation) a view's content depends on; `None` = always refill.
    fn catalog_generation(
        &self,
        view: &CatalogView,
        database: Option<&str>,
    ) -> Result<Option<(i64, u64)>, SqlError> {
        let Some(db) = database else { return Ok(None) };
        if dmv::is_dmv(view) {
            return Ok(None);
        }
        let alias = self.schema_of(db)?;
        let version: i64 = self
            .conn
            .query_row(&format!("PRAGMA {}.schema_version", quote(&alias)), [], |r| r.get(0))
            .map_err(super::objects::meta_error)?;
        let counts_rows =
            matches!(view.name, "sys.partitions" | "sys.dm_db_partition_stats" | "sys.database_files");
        let writes = if counts_rows { self.database_entry(db)?.write_generation() } else { 0 };
        Ok(Some((version, writes)))
    }

    /// The SQL Server columns of a user table or view, from metadata.
    pub(crate) fn object_columns(&self, t: &super::objects::TableRef) -> Result<Vec<Column>, SqlError> {
        let sql = format!(
            "SELECT name, type_text, is_nullable FROM {}.\"__cutover_columns\" WHERE object_id = ?1 ORDER BY column_id",
            quote(&t.alias)
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(super::objects::meta_error)?;
        let rows = stmt
            .query_map([t.object_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, bool>(2)?))
            })
            .map_err(super::objects::meta_error)?;
        let mut out = Vec::new();
        for row in rows {
            let (name, ty, nullable) = row.map_err(super::objects::meta_error)?;
            out.push(Column::new(
                name,
                SqlType::parse(&ty).unwrap_or(SqlType::NVarChar(crate::types::Len::Max)),
                nullable,
            ));
        }
        Ok(out)
    }
}
