//! The servers the manifest is generated for: SQL Server 2016–2022 and Azure SQL Managed Instance.

use cutover_mssql::{EditionFamily, ServerIdentity};
use serde::Serialize;

/// One kind of server, as `--edition` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Edition {
    #[serde(rename = "sqlserver-2016")]
    SqlServer2016,
    #[serde(rename = "sqlserver-2017")]
    SqlServer2017,
    #[serde(rename = "sqlserver-2019")]
    SqlServer2019,
    #[serde(rename = "sqlserver-2022")]
    SqlServer2022,
    #[serde(rename = "mi")]
    ManagedInstance,
}

impl Edition {
    /// Every edition, oldest first.
    pub const ALL: [Edition; 5] = [
        Edition::SqlServer2016,
        Edition::SqlServer2017,
        Edition::SqlServer2019,
        Edition::SqlServer2022,
        Edition::ManagedInstance,
    ];

    /// The name `--edition` takes.
    pub fn name(self) -> &'static str {
        match self {
            Edition::SqlServer2016 => "sqlserver-2016",
            Edition::SqlServer2017 => "sqlserver-2017",
            Edition::SqlServer2019 => "sqlserver-2019",
            Edition::SqlServer2022 => "sqlserver-2022",
            Edition::ManagedInstance => "mi",
        }
    }

    /// The edition `--edition` names.
    pub fn parse(name: &str) -> Option<Edition> {
        Edition::ALL.into_iter().find(|e| e.name().eq_ignore_ascii_case(name.trim()))
    }

    /// The edition family, as `SERVERPROPERTY('EngineEdition')` decides it.
    pub fn family(self) -> EditionFamily {
        match self {
            Edition::ManagedInstance => EditionFamily::ManagedInstance,
            _ => EditionFamily::OnPremises,
        }
    }

    /// The major version `SERVERPROPERTY('ProductVersion')` reports (Managed Instance says 12,
    /// whatever its features): what the product's own version checks see.
    pub fn reported_major(self) -> u32 {
        match self {
            Edition::SqlServer2016 => 13,
            Edition::SqlServer2017 => 14,
            Edition::SqlServer2019 => 15,
            Edition::SqlServer2022 => 16,
            Edition::ManagedInstance => 12,
        }
    }

    /// The on-premises version whose documented columns and permissions apply (Managed
    /// Instance is always up to date: the newest).
    pub fn feature_major(self) -> u32 {
        match self {
            Edition::ManagedInstance => u32::MAX,
            other => other.reported_major(),
        }
    }

    /// The edition of a server the product talks to, or `None` for one the manifest does not
    /// cover (Azure SQL Database, SQL Server before 2016, …).
    pub fn of(identity: &ServerIdentity) -> Option<Edition> {
        match (identity.family, identity.major_version) {
            (EditionFamily::ManagedInstance, _) => Some(Edition::ManagedInstance),
            (EditionFamily::OnPremises, Some(13)) => Some(Edition::SqlServer2016),
            (EditionFamily::OnPremises, Some(14)) => Some(Edition::SqlServer2017),
            (EditionFamily::OnPremises, Some(15)) => Some(Edition::SqlServer2019),
            (EditionFamily::OnPremises, Some(v)) if v >= 16 => Some(Edition::SqlServer2022),
            _ => None,
        }
    }
}

impl std::fmt::Display for Edition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for e in Edition::ALL {
            assert_eq!(Edition::parse(e.name()), Some(e));
        }
        assert_eq!(Edition::parse("MI"), Some(Edition::ManagedInstance));
        assert_eq!(Edition::parse("sqlserver-2014"), None);
    }
}
