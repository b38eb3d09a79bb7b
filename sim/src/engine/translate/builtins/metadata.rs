//! Metadata and system functions.

use super::super::scope::{Ex, Tr};
use super::{Call, NV128, call, database_property_type, server_property_type};
use crate::error::SqlError;
use crate::types::SqlType;

impl Tr<'_> {
    /// Metadata and system functions (DB_NAME, OBJECT_ID, SERVERPROPERTY, SUSER_SNAME, NEWID, …).
    pub(super) fn metadata(&mut self, c: &Call) -> Result<Option<Ex>, SqlError> {
        let (name, args) = (c.name, c.args);
        Ok(Some(match c.name {
            "DB_NAME" => Ex::new(call("tsql_db_name", &[self.opt_arg(c, 0)?]), Some(NV128), true),
            "DB_ID" => Ex::new(call("tsql_db_id", &[self.opt_arg(c, 0)?]), Some(SqlType::Int), true),
            "OBJECT_ID" => {
                c.count(1..=2)?;
                Ex::new(
                    call("tsql_object_id", &[self.opt_arg(c, 0)?, self.opt_arg(c, 1)?]),
                    Some(SqlType::Int),
                    true,
                )
            }
            "CHANGE_TRACKING_CURRENT_VERSION" | "CHANGE_TRACKING_MIN_VALID_VERSION" => {
                let n = usize::from(name == "CHANGE_TRACKING_MIN_VALID_VERSION");
                c.count(n..=n)?;
                // The runtime answers from the database's change tracking state (a subquery).
                let sql: Vec<String> = self.all(args)?.into_iter().map(|x| x.sql).collect();
                let f = crate::engine::ObjectName { database: None, schema: None, name: name.to_string() };
                let t = self.cat.resolve_table_function(&f, &sql)?;
                Ex::new(format!("(SELECT v FROM {})", t.sqlite_ref), Some(SqlType::BigInt), true)
            }
            "OBJECT_NAME" => {
                c.count(1..=2)?;
                Ex::new(
                    call("tsql_object_name", &[self.opt_arg(c, 0)?, self.opt_arg(c, 1)?]),
                    Some(NV128),
                    true,
                )
            }
            "SCHEMA_NAME" => Ex::new(call("tsql_schema_name", &[self.opt_arg(c, 0)?]), Some(NV128), true),
            "SCHEMA_ID" => Ex::new(call("tsql_schema_id", &[self.opt_arg(c, 0)?]), Some(SqlType::Int), true),
            "SERVERPROPERTY" => {
                c.count(1..=1)?;
                let p = self.arg(&args[0])?;
                let ty = server_property_type(p.lit_str());
                Ex::new(call("tsql_serverproperty", &[p.sql]), Some(ty), true)
            }
            "DATABASEPROPERTYEX" => {
                c.count(2..=2)?;
                let (db, p) = (self.arg(&args[0])?, self.arg(&args[1])?);
                let ty = database_property_type(p.lit_str());
                Ex::new(call("tsql_databasepropertyex", &[db.sql, p.sql]), Some(ty), true)
            }
            "HAS_PERMS_BY_NAME" => {
                c.count(3..=3)?;
                let xs: Vec<String> = self.all(args)?.into_iter().map(|x| x.sql).collect();
                Ex::new(call("tsql_has_perms_by_name", &xs), Some(SqlType::Int), true)
            }
            "SUSER_SNAME" | "SUSER_NAME" | "ORIGINAL_LOGIN" => {
                if !args.is_empty() {
                    return Err(SqlError::unsupported(&format!("{name} with a login id")));
                }
                Ex::new("tsql_suser_sname()", Some(NV128), false)
            }
            "USER_NAME" => Ex::new(call("tsql_user_name", &[self.opt_arg(c, 0)?]), Some(NV128), true),
            "SCOPE_IDENTITY" => {
                Ex::new("tsql_global('IDENTITY')", Some(SqlType::Decimal { precision: 38, scale: 0 }), true)
            }
            "APP_NAME" | "HOST_NAME" => Ex::new(format!("tsql_global('{name}')"), Some(NV128), true),
            "NEWID" => Ex::new("tsql_newid()", Some(SqlType::UniqueIdentifier), false),
            _ => return Ok(None),
        }))
    }
}
