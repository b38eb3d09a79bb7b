//! Instance profiles: what a simulated server says it is and what it has.
//!
//! One declarative table, one row per profile. The identity (version strings, SERVERPROPERTY
//! values, engine edition) is built from the row; resources and storage latency shape the load
//! model.

use crate::engine::runtime::Identity;

/// A simulated instance's profile.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Profile {
    pub name: &'static str,
    pub description: &'static str,
    pub product_version: &'static str,
    pub product_level: &'static str,
    pub edition: &'static str,
    /// 2 Standard, 3 Enterprise, 8 Managed Instance.
    pub engine_edition: i32,
    /// The first line of @@VERSION.
    pub version_banner: &'static str,
    pub cores: i32,
    pub memory_mb: i64,
    /// Typical data-file IO latency of the storage tier, in milliseconds.
    pub io_latency_ms: f64,
    /// Managed Instance log-rate cap in MB/s (None on premises).
    pub log_rate_cap_mb_s: Option<f64>,
    /// Log-write (WRITELOG) latency of the tier, in milliseconds.
    pub log_latency_ms: f64,
    /// Simulated CPU work per row a statement touches, in microseconds.
    pub cpu_us_per_row: f64,
    /// tempdb data files (MI always has 12).
    pub tempdb_data_files: i32,
    /// Managed Instance IOPS cap (None on premises).
    pub iops_cap: Option<i64>,
}

/// Every profile the simulator offers.
pub const PROFILES: &[Profile] = &[
    Profile {
        name: "sqlserver-2019",
        description: "SQL Server 2019 Standard on premises, 8 cores, 64 GB, local SSD",
        product_version: "15.0.4385.2",
        product_level: "RTM",
        edition: "Standard Edition (64-bit)",
        engine_edition: 2,
        version_banner: "Microsoft SQL Server 2019 (RTM-CU28) (KB5039747) - 15.0.4385.2 (X64)",
        cores: 8,
        memory_mb: 65_536,
        io_latency_ms: 0.5,
        log_rate_cap_mb_s: None,
        log_latency_ms: 0.3,
        cpu_us_per_row: 0.5,
        tempdb_data_files: 8,
        iops_cap: None,
    },
    Profile {
        name: "sqlserver-2022",
        description: "SQL Server 2022 Standard on premises, 8 cores, 64 GB, local SSD",
        product_version: "16.0.4135.4",
        product_level: "RTM",
        edition: "Standard Edition (64-bit)",
        engine_edition: 2,
        version_banner: "Microsoft SQL Server 2022 (RTM-CU15) (KB5041321) - 16.0.4135.4 (X64)",
        cores: 8,
        memory_mb: 65_536,
        io_latency_ms: 0.5,
        log_rate_cap_mb_s: None,
        log_latency_ms: 0.3,
        cpu_us_per_row: 0.5,
        tempdb_data_files: 8,
        iops_cap: None,
    },
    Profile {
        name: "mi-gp",
        description: "Azure SQL Managed Instance General Purpose, 8 vCores, 5.1 GB per vCore, remote storage",
        product_version: "12.0.2000.8",
        product_level: "RTM",
        edition: "SQL Azure",
        engine_edition: 8,
        version_banner: "Microsoft SQL Azure (RTM) - 12.0.2000.8",
        cores: 8,
        memory_mb: 41_779,
        io_latency_ms: 7.0,
        log_rate_cap_mb_s: Some(32.0),
        log_latency_ms: 4.0,
        cpu_us_per_row: 0.6,
        tempdb_data_files: 12,
        iops_cap: Some(12_000),
    },
    Profile {
        name: "mi-bc",
        description: "Azure SQL Managed Instance Business Critical, 8 vCores, 5.1 GB per vCore, local SSD",
        product_version: "12.0.2000.8",
        product_level: "RTM",
        edition: "SQL Azure",
        engine_edition: 8,
        version_banner: "Microsoft SQL Azure (RTM) - 12.0.2000.8",
        cores: 8,
        memory_mb: 41_779,
        io_latency_ms: 1.5,
        log_rate_cap_mb_s: Some(64.0),
        log_latency_ms: 1.0,
        cpu_us_per_row: 0.6,
        tempdb_data_files: 12,
        iops_cap: Some(32_000),
    },
];

impl Profile {
    /// Looks a profile up by name.
    pub fn named(name: &str) -> Option<&'static Profile> {
        PROFILES.iter().find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// The names, for help texts and errors.
    pub fn names() -> Vec<&'static str> {
        PROFILES.iter().map(|p| p.name).collect()
    }

    /// The profile an instance gets when its config names none (SQL Server 2022).
    pub fn default_profile() -> &'static Profile {
        &PROFILES[1]
    }

    pub fn is_managed_instance(&self) -> bool {
        self.engine_edition == 8
    }

    /// The identity a server of this profile reports.
    pub fn identity(&self, machine_name: &str) -> Identity {
        let host = if self.is_managed_instance() {
            "\tJul 18 2024 11:26:51 \n\tCopyright (C) 2022 Microsoft Corporation\n".to_string()
        } else {
            format!(
                "\tJul 10 2024 14:09:09 \n\tCopyright (C) Microsoft Corporation\n\t{} on Windows Server 2022 Standard 10.0 <X64> (Build 20348: ) (Hypervisor)\n",
                self.edition
            )
        };
        Identity {
            product_version: self.product_version.to_string(),
            product_level: self.product_level.to_string(),
            edition: self.edition.to_string(),
            engine_edition: self.engine_edition,
            version_string: format!("{} \n{host}", self.version_banner),
            machine_name: machine_name.to_string(),
            service_name: (!self.is_managed_instance()).then(|| "MSSQLSERVER".to_string()),
            cpu_count: self.cores,
            memory_mb: self.memory_mb,
            collation: "SQL_Latin1_General_CP1_CI_AS".to_string(),
            utc_offset_minutes: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn managed_instance_profiles_look_like_managed_instance() {
        let mi = Profile::named("mi-gp").unwrap().identity("mi-host");
        assert_eq!(mi.engine_edition, 8);
        assert_eq!(mi.service_name, None, "@@SERVICENAME is NULL on MI");
        let onprem = Profile::named("sqlserver-2019").unwrap().identity("sql01");
        assert_eq!((onprem.engine_edition, onprem.major_version()), (2, 15));
        assert!(onprem.version_string.starts_with("Microsoft SQL Server 2019"));
    }

    #[test]
    fn general_purpose_storage_is_slower_than_business_critical() {
        let gp = Profile::named("mi-gp").unwrap();
        let bc = Profile::named("mi-bc").unwrap();
        assert!(gp.io_latency_ms > 5.0 && bc.io_latency_ms < 3.0);
    }
}
