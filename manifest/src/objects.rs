//! The documented system objects: for each system view, function or msdb table a statement
//! reads, its Microsoft documentation page, the editions that have it, the permission that page
//! names (before and from SQL Server 2022), and each column read with the version it appeared
//! in (`data/system-objects.toml`, checked against the pages by hand; CI checks every statement
//! against it).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::edition::Edition;

/// The table, compiled in.
pub const TABLE: &str = include_str!("../data/system-objects.toml");

/// What a missing permission does to a read of this object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Denied {
    /// The statement fails (error 297/300 and friends).
    #[default]
    Error,
    /// The statement runs and shows fewer rows (metadata visibility, own session only).
    Rows,
}

/// One documented object.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Object {
    pub name: String,
    /// `dmv`, `dmf`, `catalog_view`, `function`, `msdb_table`.
    pub kind: String,
    /// The Microsoft documentation page.
    pub doc: String,
    /// The on-premises major version it appeared in (13 = SQL Server 2016).
    pub since: u32,
    #[serde(default = "yes")]
    pub on_premises: bool,
    #[serde(default = "yes")]
    pub managed_instance: bool,
    /// The permission the page names for SQL Server 2016–2019.
    pub permission: String,
    /// The permission the page names for SQL Server 2022 and Managed Instance, when different.
    #[serde(default)]
    pub permission_2022: Option<String>,
    #[serde(default)]
    pub denied: Denied,
    /// column → the on-premises major version it appeared in.
    #[serde(default)]
    pub columns: BTreeMap<String, u32>,
    /// Columns Managed Instance does not have.
    #[serde(default)]
    pub not_on_mi: Vec<String>,
    /// What was checked, where the page leaves something out.
    #[serde(default)]
    pub note: Option<String>,
}

fn yes() -> bool {
    true
}

impl Object {
    /// Whether `edition` has this object.
    pub fn exists_on(&self, edition: Edition) -> bool {
        match edition {
            Edition::ManagedInstance => self.managed_instance,
            e => self.on_premises && self.since <= e.feature_major(),
        }
    }

    /// The permission on `edition`.
    pub fn permission_on(&self, edition: Edition) -> &str {
        match &self.permission_2022 {
            Some(p) if edition.feature_major() >= 16 => p,
            _ => &self.permission,
        }
    }

    /// Whether `edition` has `column` (`None`: the column is not documented here).
    pub fn has_column(&self, column: &str, edition: Edition) -> Option<bool> {
        let since = *self.columns.get(&column.to_ascii_lowercase())?;
        Some(match edition {
            Edition::ManagedInstance => !self.not_on_mi.iter().any(|c| c.eq_ignore_ascii_case(column)),
            e => since <= e.feature_major(),
        })
    }
}

#[derive(Deserialize)]
struct File {
    #[serde(default)]
    object: Vec<Object>,
}

/// The table, by lower-case object name.
#[derive(Clone, Debug)]
pub struct Objects {
    by_name: BTreeMap<String, Object>,
}

impl Objects {
    /// Parses a table (the bundled one: [`Objects::bundled`]).
    pub fn parse(text: &str) -> Result<Objects, String> {
        let file: File = toml::from_str(text).map_err(|e| e.to_string())?;
        let mut by_name = BTreeMap::new();
        for o in file.object {
            if !o.doc.starts_with("https://learn.microsoft.com/") {
                return Err(format!("{}: doc must be a learn.microsoft.com page", o.name));
            }
            let key = o.name.to_ascii_lowercase();
            if by_name.insert(key, o.clone()).is_some() {
                return Err(format!("{} is listed twice", o.name));
            }
        }
        Ok(Objects { by_name })
    }

    /// The table compiled into the binary.
    pub fn bundled() -> Objects {
        Objects::parse(TABLE).unwrap_or_else(|e| panic!("manifest/data/system-objects.toml: {e}"))
    }

    pub fn get(&self, name: &str) -> Option<&Object> {
        self.by_name.get(&name.to_ascii_lowercase())
    }

    pub fn iter(&self) -> impl Iterator<Item = &Object> {
        self.by_name.values()
    }
}
