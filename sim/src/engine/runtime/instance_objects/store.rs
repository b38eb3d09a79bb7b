//! The instance-level objects, kept in one hidden table of the instance's `master` file, so
//! every session sees them, transactions cover them, and a kept data directory keeps them:
//! `(seq, kind, parent, name, attrs)` with `attrs` a `key=value` list. Seeded on first use from
//! the instance's profile (an on-premises box has its `NT AUTHORITY\SYSTEM` and agent service
//! logins; a Managed Instance has none).

use std::collections::BTreeMap;

use crate::engine::runtime::database::quote;
use crate::engine::runtime::objects::meta_error;
use crate::engine::runtime::session::Session;
use crate::error::SqlError;

const TABLE: &str = "__cutover_server_objects";
const FIELD: char = '\u{1f}';
const RECORD: char = '\u{1e}';

/// What kind of object a row is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Login,
    RoleMember,
    Credential,
    LinkedServer,
    ServerTrigger,
    Job,
    JobStep,
    Schedule,
    JobSchedule,
    Operator,
    Config,
    DatabaseOption,
    DatabaseFile,
    Filegroup,
    TraceFlag,
}

impl Kind {
    fn key(self) -> &'static str {
        match self {
            Kind::Login => "login",
            Kind::RoleMember => "role_member",
            Kind::Credential => "credential",
            Kind::LinkedServer => "linked_server",
            Kind::ServerTrigger => "server_trigger",
            Kind::Job => "job",
            Kind::JobStep => "jobstep",
            Kind::Schedule => "schedule",
            Kind::JobSchedule => "jobschedule",
            Kind::Operator => "operator",
            Kind::Config => "config",
            Kind::DatabaseOption => "db_option",
            Kind::DatabaseFile => "db_file",
            Kind::Filegroup => "filegroup",
            Kind::TraceFlag => "trace_flag",
        }
    }
}

/// One stored object.
#[derive(Clone, Debug, Default)]
pub(crate) struct Object {
    pub seq: i64,
    pub parent: String,
    pub name: String,
    pub attrs: BTreeMap<String, String>,
}

impl Object {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.attrs.get(key).map(String::as_str)
    }

    pub fn int(&self, key: &str, default: i64) -> i64 {
        self.get(key).and_then(|v| v.trim().parse().ok()).unwrap_or(default)
    }
}

fn encode(attrs: &BTreeMap<String, String>) -> String {
    attrs.iter().map(|(k, v)| format!("{k}{FIELD}{v}")).collect::<Vec<_>>().join(&RECORD.to_string())
}

fn decode(text: &str) -> BTreeMap<String, String> {
    text.split(RECORD)
        .filter_map(|r| r.split_once(FIELD))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The store as seen from one session.
pub(crate) struct Store<'a> {
    session: &'a Session,
    table: String,
}

impl<'a> Store<'a> {
    /// Opens (creating and seeding on first use) the store in `master`.
    pub fn open(session: &'a Session) -> Result<Store<'a>, SqlError> {
        let alias = session.schema_of("master")?;
        let table = format!("{}.{}", quote(&alias), quote(TABLE));
        let exists: i64 = session
            .conn
            .query_row(
                &format!("SELECT count(*) FROM {}.sqlite_master WHERE name = ?1", quote(&alias)),
                [TABLE],
                |r| r.get(0),
            )
            .map_err(meta_error)?;
        let store = Store { session, table };
        if exists == 0 {
            session
                .conn
                .execute_batch(&format!(
                    "CREATE TABLE IF NOT EXISTS {} (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, \
                     parent TEXT NOT NULL COLLATE NOCASE, name TEXT NOT NULL COLLATE NOCASE, attrs TEXT NOT NULL, \
                     UNIQUE (kind, parent, name))",
                    store.table
                ))
                .map_err(meta_error)?;
            store.seed()?;
        }
        Ok(store)
    }

    /// What a fresh instance of this profile already has.
    fn seed(&self) -> Result<(), SqlError> {
        if self.session.instance().is_managed_instance() {
            return Ok(());
        }
        for name in [r"NT AUTHORITY\SYSTEM", r"NT SERVICE\SQLSERVERAGENT"] {
            self.put(Kind::Login, "", name, &[("type", "U"), ("default_database", "master")])?;
            self.put(Kind::RoleMember, "sysadmin", name, &[])?;
        }
        Ok(())
    }

    /// All objects of a kind (optionally under one parent), in creation order.
    pub fn list(&self, kind: Kind, parent: Option<&str>) -> Result<Vec<Object>, SqlError> {
        let sql = format!(
            "SELECT seq, parent, name, attrs FROM {} WHERE kind = ?1 AND (?2 IS NULL OR parent = ?2) ORDER BY seq",
            self.table
        );
        let mut stmt = self.session.conn.prepare_cached(&sql).map_err(meta_error)?;
        let rows = stmt
            .query_map(rusqlite::params![kind.key(), parent], |r| {
                Ok(Object {
                    seq: r.get(0)?,
                    parent: r.get(1)?,
                    name: r.get(2)?,
                    attrs: decode(&r.get::<_, String>(3)?),
                })
            })
            .map_err(meta_error)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(meta_error)
    }

    /// One object by name.
    pub fn find(&self, kind: Kind, parent: &str, name: &str) -> Result<Option<Object>, SqlError> {
        Ok(self.list(kind, Some(parent))?.into_iter().find(|o| o.name.eq_ignore_ascii_case(name)))
    }

    /// Inserts or replaces an object; returns its seq.
    pub fn put(&self, kind: Kind, parent: &str, name: &str, attrs: &[(&str, &str)]) -> Result<i64, SqlError> {
        let map: BTreeMap<String, String> =
            attrs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        self.put_map(kind, parent, name, &map)
    }

    pub fn put_map(
        &self,
        kind: Kind,
        parent: &str,
        name: &str,
        attrs: &BTreeMap<String, String>,
    ) -> Result<i64, SqlError> {
        let sql = format!(
            "INSERT INTO {} (kind, parent, name, attrs) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (kind, parent, name) DO UPDATE SET attrs = excluded.attrs",
            self.table
        );
        self.session
            .conn
            .execute(&sql, rusqlite::params![kind.key(), parent, name, encode(attrs)])
            .map_err(meta_error)?;
        Ok(self.find(kind, parent, name)?.map(|o| o.seq).unwrap_or(0))
    }

    /// Deletes an object (and, for a parent, its children of `child` kind).
    pub fn delete(&self, kind: Kind, parent: &str, name: &str) -> Result<usize, SqlError> {
        let sql = format!("DELETE FROM {} WHERE kind = ?1 AND parent = ?2 AND name = ?3", self.table);
        self.session.conn.execute(&sql, rusqlite::params![kind.key(), parent, name]).map_err(meta_error)
    }

    pub fn session(&self) -> &Session {
        self.session
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_round_trip() {
        let mut m = BTreeMap::new();
        m.insert("command".to_string(), "SELECT 'a=b, c'".to_string());
        m.insert("subsystem".to_string(), "TSQL".to_string());
        assert_eq!(decode(&encode(&m)), m);
    }
}
