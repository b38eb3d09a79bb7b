//! One statement the product sends, with what it is for, what it needs and what it reads.

use serde::Serialize;

use crate::edition::Edition;

/// What a statement does to the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Reads only.
    Read,
    /// Changes only the connection's own settings (`SET …`, `USE …`).
    Session,
    /// Creates, alters or drops something on the server (the capture's event session).
    Write,
}

/// A parameter the statement is sent with (tiberius sends `@P1…` through `sp_executesql`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Parameter {
    pub name: &'static str,
    /// Its T-SQL type, for a script's `DECLARE`.
    pub sql_type: &'static str,
    /// An example value (text).
    pub example: String,
}

/// A system object a statement reads, and the columns it reads from it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Read {
    /// `sys.dm_os_wait_stats`, `msdb.dbo.sysjobs`, `SERVERPROPERTY`.
    pub object: String,
    pub columns: Vec<String>,
    /// Its Microsoft documentation page (from the documented-objects table).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doc: Option<String>,
}

/// One statement as a source of the manifest produces it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Statement {
    /// Stable name: `<command>.<what>` (e.g. `collect.family.waits`).
    pub id: String,
    /// The commands that send it (`probe`, `collect`, `capture`, `validate`, `assess`, `gate`).
    pub commands: Vec<&'static str>,
    pub purpose: String,
    pub sql: String,
    pub access: Access,
    /// Where it runs when that is not the connection's database.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs_in: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<Parameter>,
    /// What must exist for it to run (then `probe --deep` does not run it and says why).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub needs: Option<String>,
    /// A permission beyond those of the objects it reads (DDL, user tables).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_permission: Option<&'static str>,
    /// Filled by the manifest: the editions that send it.
    pub editions: Vec<Edition>,
    /// Filled by the manifest: the documented permission it needs on those editions.
    pub permission: String,
    /// Filled by the manifest: the system objects and columns it reads.
    pub reads: Vec<Read>,
}

impl Statement {
    /// A read-only statement.
    pub fn read(
        id: impl Into<String>,
        commands: &[&'static str],
        purpose: impl Into<String>,
        sql: impl Into<String>,
    ) -> Self {
        Statement {
            id: id.into(),
            commands: commands.to_vec(),
            purpose: purpose.into(),
            sql: sql.into(),
            access: Access::Read,
            runs_in: None,
            parameters: Vec::new(),
            needs: None,
            statement_permission: None,
            editions: Vec::new(),
            permission: String::new(),
            reads: Vec::new(),
        }
    }

    pub fn access(mut self, access: Access) -> Self {
        self.access = access;
        self
    }

    pub fn runs_in(mut self, place: &'static str) -> Self {
        self.runs_in = Some(place);
        self
    }

    pub fn parameter(
        mut self,
        name: &'static str,
        sql_type: &'static str,
        example: impl Into<String>,
    ) -> Self {
        self.parameters.push(Parameter { name, sql_type, example: example.into() });
        self
    }

    pub fn needs(mut self, what: impl Into<String>) -> Self {
        self.needs = Some(what.into());
        self
    }

    pub fn statement_permission(mut self, permission: &'static str) -> Self {
        self.statement_permission = Some(permission);
        self
    }

    /// Whether `probe --deep` runs it: a read that needs nothing the probe cannot provide.
    pub fn deep_runs(&self) -> bool {
        self.access != Access::Write && self.needs.is_none()
    }
}
