//! [`FunctionContext`] for a session: what T-SQL functions (SERVERPROPERTY, @@VERSION,
//! OBJECT_ID, HAS_PERMS_BY_NAME, GETDATE) read while a statement runs.
//!
//! Catalog lookups from inside a running statement use a second, lazily opened connection
//! (the session's own connection is busy running the statement), so they see committed DDL.

use std::sync::atomic::Ordering;

use rusqlite::OptionalExtension;

use super::catalog::permissions;
use super::database;
use super::instance::lock;
use super::session::SessionShared;
use crate::engine::FunctionContext;
use crate::types::Value;

impl SessionShared {
    /// Runs `f` on a lookup connection to `database`.
    fn with_lookup<T>(
        &self,
        database: &str,
        f: impl FnOnce(&rusqlite::Connection) -> Option<T>,
    ) -> Option<T> {
        let db = self.instance.database(database)?;
        let mut guard = lock(&self.lookup);
        let reopen = !matches!(&*guard, Some((name, _)) if name.eq_ignore_ascii_case(&db.name));
        if reopen {
            *guard = Some((db.name.clone(), database::open(&db.path).ok()?));
        }
        let (_, conn) = guard.as_ref()?;
        f(conn)
    }

    fn login_state(&self) -> Option<super::instance::LoginState> {
        self.instance.login(&self.login)
    }
}

impl FunctionContext for SessionShared {
    fn now_utc(&self) -> chrono::NaiveDateTime {
        self.instance.now_utc()
    }

    fn utc_offset_minutes(&self) -> i32 {
        self.instance.identity().utc_offset_minutes
    }

    fn server_property(&self, name: &str) -> Option<Value> {
        let id = self.instance.identity();
        let text = |s: &str| Some(Value::Str(s.to_string()));
        let int = |i: i64| Some(Value::Int(i));
        let version = &id.product_version;
        let mut parts = version.split('.').map(|p| p.parse::<i64>().unwrap_or(0));
        let (major, minor, build, revision) = (
            parts.next().unwrap_or(16),
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
        );
        let instance_name = id.service_name.clone().filter(|s| !s.eq_ignore_ascii_case("MSSQLSERVER"));
        match name.trim().to_ascii_lowercase().as_str() {
            "productversion" => text(version),
            "productlevel" => text(&id.product_level),
            "edition" => text(&id.edition),
            "engineedition" => int(i64::from(id.engine_edition)),
            "editionid" => int(match id.engine_edition {
                3 => 1_804_890_536,
                5 => 1_674_378_470,
                8 => 1_674_378_470,
                _ => -1_534_726_760,
            }),
            "servername" => text(self.instance.name()),
            "machinename" | "computernamephysicalnetbios" => text(&id.machine_name),
            "instancename" => instance_name.map(Value::Str),
            "collation" => text(&id.collation),
            "sqlcharsetname" => text("iso_1"),
            "sqlsortordername" => text("nocase_iso"),
            "lcid" => int(1033),
            "isclustered"
            | "ishadrenabled"
            | "isintegratedsecurityonly"
            | "issingleuser"
            | "isfulltextinstalled"
            | "isxtpsupported"
            | "ispolybaseinstalled"
            | "isadvancedanalyticsinstalled"
            | "isexternalgovernanceenabled" => int(i64::from(matches!(
                name.trim().to_ascii_lowercase().as_str(),
                "isfulltextinstalled" | "isxtpsupported"
            ))),
            "hadrmanagerstatus" => int(2),
            "productmajorversion" => text(&major.to_string()),
            "productminorversion" => text(&minor.to_string()),
            "productbuild" => text(&build.to_string()),
            "productbuildtype" => None,
            "productupdatelevel" => {
                let level = id.version_string.split("(RTM-").nth(1).and_then(|r| r.split(')').next());
                level.map(|l| Value::Str(l.to_string()))
            }
            "productupdatereference" => {
                let kb = id.version_string.split("(KB").nth(1).and_then(|r| r.split(')').next());
                kb.map(|k| Value::Str(format!("KB{k}")))
            }
            "resourceversion" => text(version),
            "buildclrversion" => text("v4.0.30319"),
            "processid" => int(i64::from(std::process::id())),
            "servicename" => id.service_name.clone().map(Value::Str),
            "filestreamconfiguredlevel" | "filestreameffectivelevel" | "filestreamsharename" => int(0),
            "licensetype" => text("DISABLED"),
            _ => {
                let _ = revision;
                None
            }
        }
    }

    fn database_property(&self, database: &str, property: &str) -> Option<Value> {
        let db = self.instance.database(database)?;
        let simple = matches!(db.id, 1 | 2 | 4);
        let text = |s: &str| Some(Value::Str(s.to_string()));
        match property.trim().to_ascii_lowercase().as_str() {
            "collation" => text(&self.instance.identity().collation),
            "status" => text("ONLINE"),
            "recovery" => text(if simple { "SIMPLE" } else { "FULL" }),
            "updateability" => text("READ_WRITE"),
            "useraccess" => text("MULTI_USER"),
            "version" => Some(Value::Int(957)),
            "isautoclose" | "isautoshrink" | "isinstandby" | "isreadcommittedsnapshotenabled" => {
                Some(Value::Int(0))
            }
            "isautocreatestatistics" | "isautoupdatestatistics" => Some(Value::Int(1)),
            "edition" if self.instance.identity().engine_edition == 5 => text("GeneralPurpose"),
            "serviceobjective" if self.instance.identity().engine_edition == 5 => text("GP_Gen5_2"),
            _ => None,
        }
    }

    fn database_name(&self, id: Option<i64>) -> Option<String> {
        match id {
            None => Some(self.current_database()),
            Some(id) => self.instance.database_by_id(id).map(|d| d.name.clone()),
        }
    }

    fn database_id(&self, name: Option<&str>) -> Option<i64> {
        let name = name.map(str::to_string).unwrap_or_else(|| self.current_database());
        self.instance.database(&name).map(|d| d.id)
    }

    fn object_id(&self, name: &str, object_type: Option<&str>) -> Option<i64> {
        let parts = super::lexer::split_name(name);
        let (db, schema, object) = match parts.as_slice() {
            [o] => (None, None, o.clone()),
            [s, o] => (None, Some(s.clone()), o.clone()),
            [d, s, o] => (Some(d.clone()), Some(s.clone()).filter(|s| !s.is_empty()), o.clone()),
            _ => return None,
        };
        let kind = object_type.map(|t| t.trim().to_ascii_uppercase());
        // A local temporary table is this session's own, in any database's name.
        if object.starts_with('#') && !object.starts_with("##") {
            let wanted_table = kind.as_deref().is_none_or(|k| k == "U");
            let ids = lock(&self.temp_ids);
            return ids
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(&object))
                .filter(|_| wanted_table)
                .map(|(_, id)| *id);
        }
        let db = if object.starts_with("##") {
            "tempdb".to_string()
        } else {
            db.unwrap_or_else(|| self.current_database())
        };
        let schema = schema.unwrap_or_else(|| "dbo".to_string());
        self.with_lookup(&db, |conn| {
            conn.query_row(
                "SELECT o.object_id FROM \"__cutover_objects\" o JOIN \"__cutover_schemas\" s ON s.schema_id = o.schema_id \
                 WHERE s.name = ?1 AND o.name = ?2 AND (?3 IS NULL OR o.type = ?3)",
                (schema.as_str(), object.as_str(), kind.as_deref()),
                |r| r.get(0),
            )
            .optional()
            .ok()
            .flatten()
        })
    }

    fn object_name(&self, id: i64, database_id: Option<i64>) -> Option<String> {
        let db = match database_id {
            Some(i) => self.instance.database_by_id(i)?.name.clone(),
            None => self.current_database(),
        };
        self.with_lookup(&db, |conn| {
            conn.query_row("SELECT name FROM \"__cutover_objects\" WHERE object_id = ?1", [id], |r| r.get(0))
                .optional()
                .ok()
                .flatten()
        })
    }

    fn schema_name(&self, id: Option<i64>) -> Option<String> {
        let Some(id) = id else { return Some("dbo".to_string()) };
        self.with_lookup(&self.current_database(), |conn| {
            conn.query_row("SELECT name FROM \"__cutover_schemas\" WHERE schema_id = ?1", [id], |r| r.get(0))
                .optional()
                .ok()
                .flatten()
        })
    }

    fn schema_id(&self, name: Option<&str>) -> Option<i64> {
        let name = name.unwrap_or("dbo").to_string();
        self.with_lookup(&self.current_database(), |conn| {
            conn.query_row("SELECT schema_id FROM \"__cutover_schemas\" WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()
            .ok()
            .flatten()
        })
    }

    fn has_perms_by_name(&self, securable: Option<&str>, class: &str, permission: &str) -> Option<i64> {
        permissions::has_perms_by_name(&self.instance, &self.login, securable, class, permission)
    }

    fn global(&self, name: &str) -> Value {
        let id = self.instance.identity();
        match name.trim().trim_start_matches('@').to_ascii_uppercase().as_str() {
            "VERSION" => Value::Str(id.version_string.clone()),
            "SERVERNAME" => Value::Str(self.instance.name().to_string()),
            "SERVICENAME" => id.service_name.clone().map(Value::Str).unwrap_or(Value::Null),
            "SPID" => Value::Int(i64::from(self.spid)),
            "ROWCOUNT" => Value::Int(self.rowcount.load(Ordering::Relaxed)),
            "TRANCOUNT" => Value::Int(self.trancount.load(Ordering::Relaxed)),
            "ERROR" => Value::Int(self.error.load(Ordering::Relaxed)),
            "LANGUAGE" => Value::Str("us_english".to_string()),
            // APP_NAME() and HOST_NAME(): what the client's LOGIN7 record said.
            "APP_NAME" | "HOST_NAME" => {
                let info = self.instance.sessions().into_iter().find(|i| i.spid == self.spid);
                let value = info
                    .map(|i| if name.eq_ignore_ascii_case("APP_NAME") { i.app_name } else { i.host_name });
                value.map(Value::Str).unwrap_or(Value::Null)
            }
            "LANGID" | "NESTLEVEL" | "PROCID" | "FETCH_STATUS" | "DATEFIRST_OFFSET" => Value::Int(0),
            "DATEFIRST" => Value::Int(7),
            "LOCK_TIMEOUT" => Value::Int(lock(&self.options).lock_timeout),
            "MAX_CONNECTIONS" => Value::Int(32767),
            "MAX_PRECISION" => Value::Int(38),
            "TEXTSIZE" => Value::Int(lock(&self.options).textsize),
            "OPTIONS" => Value::Int(lock(&self.options).bits),
            "MICROSOFTVERSION" => {
                let major = id.major_version();
                let build: i64 =
                    id.product_version.split('.').nth(2).and_then(|b| b.parse().ok()).unwrap_or(0);
                Value::Int(major * 16_777_216 + build)
            }
            "DBTS" => super::rowversion::dbts(&self.instance, &self.current_database())
                .map(Value::Bytes)
                .unwrap_or(Value::Null),
            "CPU_BUSY" | "IO_BUSY" | "IDLE" | "CONNECTIONS" | "PACK_RECEIVED" | "PACK_SENT"
            | "TOTAL_READ" | "TOTAL_WRITE" | "TOTAL_ERRORS" | "PACKET_ERRORS" => Value::Int(0),
            _ => Value::Null,
        }
    }

    fn login_name(&self) -> String {
        self.login.clone()
    }

    fn rowversion(&self, database: &str, next: bool) -> Option<Vec<u8>> {
        if next {
            super::rowversion::next(&self.instance, database)
        } else {
            super::rowversion::dbts(&self.instance, database)
        }
    }

    fn user_name(&self) -> String {
        match self.login_state() {
            Some(l) if l.is_sysadmin() => "dbo".to_string(),
            _ => self.login.clone(),
        }
    }
}
