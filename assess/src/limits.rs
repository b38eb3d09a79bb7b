//! Managed Instance resource limits as data: `data/mi-limits.toml` (compiled in; `--limits FILE`
//! reads another copy), each figure quoted from the Microsoft page it names.

use serde::{Deserialize, Serialize};

use crate::AssessError;

/// The bundled table.
pub const BUNDLED: &str = include_str!("../data/mi-limits.toml");

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Limits {
    pub source: Source,
    pub vcores: Vec<u32>,
    pub storage_increment_gib: u32,
    pub hardware: Vec<Hardware>,
    pub tier: Tiers,
    pub gp_file_io: Vec<FileIo>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Source {
    pub resource_limits: String,
    pub service_tiers: String,
    pub revision: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Hardware {
    pub name: String,
    pub memory_gb_per_vcore: f64,
    pub max_vcores: u32,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Tiers {
    #[serde(rename = "general-purpose")]
    pub general_purpose: Tier,
    #[serde(rename = "business-critical")]
    pub business_critical: Tier,
}

/// One service tier's limits. Step tables (`{ vcores, gib }`) apply from that vCore count up.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Tier {
    pub name: String,
    pub io_latency_ms: [f64; 2],
    pub log_rate_mb_s_per_vcore: f64,
    pub log_rate_mb_s_max: f64,
    #[serde(default)]
    pub iops_per_vcore: Option<f64>,
    #[serde(default)]
    pub tempdb_gb_per_vcore: Option<f64>,
    #[serde(default)]
    pub max_storage_gib: Vec<Step>,
    #[serde(default)]
    pub max_storage: Vec<HardwareSteps>,
    pub max_files_per_instance: u32,
    pub max_databases: u32,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize)]
pub struct Step {
    pub vcores: u32,
    pub gib: f64,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct HardwareSteps {
    pub hardware: String,
    pub limits: Vec<Step>,
}

/// General Purpose: a file up to `max_gib` gets `iops` and `mib_s`.
#[derive(Clone, Copy, Debug, Deserialize, Serialize)]
pub struct FileIo {
    pub max_gib: f64,
    pub iops: f64,
    pub mib_s: f64,
}

impl Limits {
    /// The table compiled into the binary.
    pub fn bundled() -> Limits {
        Limits::parse(BUNDLED, "assess/data/mi-limits.toml").unwrap_or_else(|e| panic!("bundled limits: {e}"))
    }

    pub fn parse(text: &str, name: &str) -> Result<Limits, AssessError> {
        let limits: Limits = toml::from_str(text)
            .map_err(|e| AssessError::Data { name: name.into(), detail: e.to_string() })?;
        if limits.vcores.is_empty() || limits.gp_file_io.is_empty() || limits.hardware.is_empty() {
            return Err(AssessError::Data {
                name: name.into(),
                detail: "vcores, hardware and gp_file_io must not be empty".into(),
            });
        }
        Ok(limits)
    }
}

impl Tier {
    /// Instance log rate cap at `vcores`, MB/s.
    pub fn log_rate(&self, vcores: u32) -> f64 {
        (self.log_rate_mb_s_per_vcore * f64::from(vcores)).min(self.log_rate_mb_s_max)
    }

    /// Reserved storage cap at `vcores` on `hardware`, GiB.
    pub fn max_storage(&self, hardware: &str, vcores: u32) -> f64 {
        let steps = self
            .max_storage
            .iter()
            .find(|h| h.hardware == hardware)
            .map(|h| h.limits.as_slice())
            .unwrap_or(&self.max_storage_gib);
        steps.iter().filter(|s| s.vcores <= vcores).map(|s| s.gib).next_back().unwrap_or(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_table_reads_and_matches_the_documented_figures() {
        let l = Limits::bundled();
        let gp = &l.tier.general_purpose;
        let bc = &l.tier.business_critical;
        assert_eq!(gp.log_rate(8), 24.0);
        assert_eq!(gp.log_rate(80), 120.0, "GP log rate is capped at 120 MB/s");
        assert_eq!(bc.log_rate(80), 96.0);
        assert_eq!(gp.max_storage("standard-series", 4), 2048.0);
        assert_eq!(gp.max_storage("standard-series", 40), 16384.0);
        assert_eq!(bc.max_storage("standard-series", 16), 1024.0);
        assert_eq!(bc.max_storage("premium-series", 64), 5632.0);
        assert_eq!(l.gp_file_io[0].iops, 500.0);
    }
}
