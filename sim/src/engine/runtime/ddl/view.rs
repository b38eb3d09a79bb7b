//! CREATE VIEW.

use super::super::database::quote;
use super::super::errors::{Action, Failure};
use super::super::session::Session;
use crate::engine::{ColumnDef, ObjectName, ResultColumn, Step};
use crate::error::SqlError;
use crate::types::{Len, SqlType, storage};

impl Session {
    /// CREATE VIEW: the view is an SQLite view in its database, its SQL stripped of the
    /// session-specific schema prefixes the translator was given for that database's tables.
    pub(crate) fn create_view_from(
        &mut self,
        step: &Step,
        needs: &[super::super::catalog::CatalogNeed],
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
                super::super::catalog::CatalogNeed::UserObject { database, sqlite_ref, sqlite_name } => {
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

    pub(super) fn create_view_inner(
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
}
