//! Managed Instance resource limits as data: `data/mi-limits.toml` (compiled in; `--limits FILE`
//! reads another copy). Every row names the Microsoft page it quotes and that page's date; a
//! table with a row that does not is refused.
//!
//! The rows: hardware (memory per vCore and its cap), service tiers (documented storage
//! latency, how IOPS are given, tempdb), offers (a tier on a hardware: vCore counts, reserved
//! storage steps, log rate), General Purpose file IO bands, and Next-gen General Purpose
//! provisioned IOPS with its caps per vCore count.

use serde::{Deserialize, Serialize};

use crate::AssessError;

/// The bundled table.
pub const BUNDLED: &str = include_str!("../data/mi-limits.toml");

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub storage_increment_gib: u32,
    pub source: Page,
    pub hardware: Vec<Hardware>,
    pub tier: Vec<Tier>,
    pub offer: Vec<Offer>,
    pub gp_file_io: Vec<FileIo>,
    pub nextgen_io: NextGenIo,
}

/// The page most rows quote.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Page {
    pub title: String,
    pub url: String,
    pub date: String,
}

/// The service tiers, as `key` in the table and in `cutover size --format json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TierKind {
    GeneralPurpose,
    NextGenGeneralPurpose,
    BusinessCritical,
}

/// How a tier gives IOPS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IoModel {
    /// Every file by its size ([`Limits::gp_file_io`]).
    PerFile,
    /// Provisioned for the instance, 3 per GB of storage free ([`Limits::nextgen_io`]).
    Provisioned,
    /// `iops_per_vcore` up to `iops_max`.
    PerVcore,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Hardware {
    pub name: String,
    pub memory_gb_per_vcore: f64,
    pub max_memory_gb: f64,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub date: String,
}

impl Hardware {
    /// Memory at `vcores`, GB.
    pub fn memory_gb(&self, vcores: u32) -> f64 {
        (self.memory_gb_per_vcore * f64::from(vcores)).min(self.max_memory_gb)
    }
}

/// One service tier.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    pub key: TierKind,
    pub name: String,
    /// "Storage IO latency (approximate)", ms, low and high: data reads and log writes alike.
    pub io_latency_ms: [f64; 2],
    pub io: IoModel,
    #[serde(default)]
    pub iops_per_vcore: Option<f64>,
    #[serde(default)]
    pub iops_max: Option<f64>,
    /// tempdb limit per vCore (General Purpose tiers); absent: tempdb shares instance storage.
    #[serde(default)]
    pub tempdb_gb_per_vcore: Option<f64>,
    pub max_databases: u32,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub date: String,
}

/// A tier on a hardware.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Offer {
    pub tier: TierKind,
    pub hardware: String,
    pub vcores: Vec<u32>,
    pub log_rate_mib_s_per_vcore: f64,
    pub log_rate_mib_s_max: f64,
    /// Reserved storage cap, from that vCore count up.
    pub max_storage: Vec<Step>,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub date: String,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub vcores: u32,
    pub gib: f64,
}

impl Offer {
    /// Instance log rate cap at `vcores`, MiB/s.
    pub fn log_rate(&self, vcores: u32) -> f64 {
        (self.log_rate_mib_s_per_vcore * f64::from(vcores)).min(self.log_rate_mib_s_max)
    }

    /// Reserved storage cap at `vcores`, GiB.
    pub fn max_storage(&self, vcores: u32) -> f64 {
        self.max_storage.iter().filter(|s| s.vcores <= vcores).map(|s| s.gib).next_back().unwrap_or(0.0)
    }
}

/// General Purpose: a file up to `max_gib` gets `iops` and `mib_s`.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FileIo {
    pub max_gib: f64,
    pub iops: f64,
    pub mib_s: f64,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub date: String,
}

/// Next-gen General Purpose: IOPS by reserved storage, provisioned up to a cap per vCore count.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NextGenIo {
    pub iops_per_gb: f64,
    pub min_iops: f64,
    pub iops_per_mb_s: f64,
    pub min_mb_s: f64,
    pub caps: Vec<IoCap>,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub date: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct IoCap {
    pub vcores: u32,
    pub max_iops: f64,
    pub max_mb_s: f64,
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub date: String,
}

impl NextGenIo {
    /// (max IOPS, max MB/s) at `vcores`.
    pub fn cap(&self, vcores: u32) -> (f64, f64) {
        self.caps
            .iter()
            .filter(|c| c.vcores <= vcores)
            .map(|c| (c.max_iops, c.max_mb_s))
            .next_back()
            .unwrap_or((0.0, 0.0))
    }

    /// The IOPS included with `storage_gib` of reserved storage.
    pub fn free_iops(&self, storage_gib: f64) -> f64 {
        (storage_gib * self.iops_per_gb).max(self.min_iops)
    }
}

impl Limits {
    /// The table compiled into the binary.
    pub fn bundled() -> Limits {
        Limits::parse(BUNDLED, "assess/data/mi-limits.toml").unwrap_or_else(|e| panic!("bundled limits: {e}"))
    }

    pub fn parse(text: &str, name: &str) -> Result<Limits, AssessError> {
        let bad = |detail: String| AssessError::Data { name: name.into(), detail };
        let limits: Limits = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        limits.check().map_err(bad)?;
        Ok(limits)
    }

    /// What serde cannot check: every row cited, every offer's tier and hardware known.
    fn check(&self) -> Result<(), String> {
        if self.offer.is_empty() || self.gp_file_io.is_empty() || self.nextgen_io.caps.is_empty() {
            return Err("offer, gp_file_io and nextgen_io.caps must not be empty".into());
        }
        for (what, source, date) in self.citations() {
            cited(&what, source, date)?;
        }
        for o in &self.offer {
            let row = format!("[[offer]] {:?} on {}", o.tier, o.hardware);
            self.hardware_named(&o.hardware).ok_or(format!("{row}: no [[hardware]] named {}", o.hardware))?;
            self.tier_of(o.tier).ok_or(format!("{row}: no [[tier]] with that key"))?;
            if o.vcores.is_empty() || o.max_storage.is_empty() {
                return Err(format!("{row}: vcores and max_storage must not be empty"));
            }
        }
        Ok(())
    }

    /// Every row's (name, source, date).
    fn citations(&self) -> Vec<(String, &str, &str)> {
        let mut out = vec![("[source]".to_string(), self.source.url.as_str(), self.source.date.as_str())];
        out.extend(self.hardware.iter().map(|h| (format!("[[hardware]] {}", h.name), &*h.source, &*h.date)));
        out.extend(self.tier.iter().map(|t| (format!("[[tier]] {}", t.name), &*t.source, &*t.date)));
        out.extend(
            self.offer
                .iter()
                .map(|o| (format!("[[offer]] {:?} on {}", o.tier, o.hardware), &*o.source, &*o.date)),
        );
        out.extend(
            self.gp_file_io
                .iter()
                .map(|f| (format!("[[gp_file_io]] {} GiB", f.max_gib), &*f.source, &*f.date)),
        );
        out.push(("[nextgen_io]".into(), &self.nextgen_io.source, &self.nextgen_io.date));
        out.extend(
            self.nextgen_io
                .caps
                .iter()
                .map(|c| (format!("[[nextgen_io.caps]] {} vCores", c.vcores), &*c.source, &*c.date)),
        );
        out
    }

    pub fn hardware_named(&self, name: &str) -> Option<&Hardware> {
        self.hardware.iter().find(|h| h.name == name)
    }

    pub fn tier_of(&self, kind: TierKind) -> Option<&Tier> {
        self.tier.iter().find(|t| t.key == kind)
    }
}

/// A row's source must be a page address and its date the page's date (YYYY-MM-DD).
fn cited(row: &str, source: &str, date: &str) -> Result<(), String> {
    if !source.starts_with("https://") {
        return Err(format!(
            "{row} names no source: add source = \"https://learn.microsoft.com/…\" (the page it quotes)"
        ));
    }
    let digits = date.split('-').map(|p| p.len()).collect::<Vec<_>>();
    if digits != [4, 2, 2] || !date.chars().all(|c| c.is_ascii_digit() || c == '-') {
        return Err(format!(
            "{row} has no date: add date = \"YYYY-MM-DD\" (the page's ms.date), not {date:?}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offer(l: &Limits, tier: TierKind, hw: &str) -> Offer {
        l.offer.iter().find(|o| o.tier == tier && o.hardware == hw).unwrap().clone()
    }

    #[test]
    fn bundled_table_reads_and_matches_the_documented_figures() {
        // resource-limits.md, ms.date 03/10/2026.
        let l = Limits::bundled();
        let gp = offer(&l, TierKind::GeneralPurpose, "standard-series");
        assert_eq!(gp.log_rate(8), 36.0, "4.5 MiB/s per vCore");
        assert_eq!(gp.log_rate(80), 120.0, "General Purpose log rate is capped at 120 MiB/s");
        assert_eq!(gp.max_storage(4), 2048.0);
        assert_eq!(gp.max_storage(40), 16384.0);
        let next = offer(&l, TierKind::NextGenGeneralPurpose, "premium-series");
        assert_eq!(next.max_storage(32), 32768.0, "32 TB only on Next-gen General Purpose");
        assert_eq!(next.log_rate(128), 192.0);
        assert_eq!(*next.vcores.last().unwrap(), 128);
        let bc = offer(&l, TierKind::BusinessCritical, "standard-series");
        assert_eq!(bc.log_rate(80), 96.0);
        assert_eq!(bc.max_storage(16), 1024.0);
        assert_eq!(
            offer(&l, TierKind::BusinessCritical, "premium-series").log_rate(8),
            96.0,
            "12 MiB/s per vCore"
        );
        let memopt = l.hardware_named("premium-series-memory-optimized").unwrap();
        assert_eq!(memopt.memory_gb_per_vcore, 13.6);
        assert_eq!(memopt.memory_gb(80), 870.4, "13.6 GB per vCore up to 64 vCores");
        assert_eq!(l.gp_file_io[0].iops, 500.0);
        assert_eq!(l.gp_file_io.last().unwrap().iops, 7500.0);
        assert_eq!(l.nextgen_io.cap(4), (6400.0, 145.0));
        assert_eq!(l.nextgen_io.cap(128), (80000.0, 1200.0));
        assert_eq!(l.nextgen_io.free_iops(1024.0), 3072.0);
        assert_eq!(l.nextgen_io.free_iops(32.0), 300.0);
        let latency = |k| l.tier_of(k).unwrap().io_latency_ms;
        assert_eq!(latency(TierKind::GeneralPurpose), [5.0, 10.0]);
        assert_eq!(latency(TierKind::NextGenGeneralPurpose), [3.0, 5.0]);
        assert_eq!(latency(TierKind::BusinessCritical), [1.0, 2.0]);
    }

    /// Walks the raw TOML: every row of every array of tables (and every top-level table) must
    /// name a learn.microsoft.com page and a date, so a row added without one fails here.
    #[test]
    fn every_row_names_its_source_and_date() {
        fn walk(path: &str, v: &toml::Value, rows: &mut Vec<(String, toml::Table)>) {
            match v {
                toml::Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        if let toml::Value::Table(t) = item {
                            rows.push((format!("{path}[{i}]"), t.clone()));
                            for (k, v) in t {
                                walk(&format!("{path}[{i}].{k}"), v, rows);
                            }
                        }
                    }
                }
                toml::Value::Table(t) => {
                    for (k, v) in t {
                        if matches!(v, toml::Value::Table(_)) {
                            rows.push((format!("{path}.{k}"), v.as_table().unwrap().clone()));
                        }
                        walk(&format!("{path}.{k}"), v, rows);
                    }
                }
                _ => {}
            }
        }
        let doc: toml::Value = toml::from_str(BUNDLED).unwrap();
        let mut rows = Vec::new();
        walk("", &doc, &mut rows);
        let rows: Vec<_> = rows.into_iter().filter(|(p, _)| !p.contains(".max_storage[")).collect();
        assert!(rows.len() > 30, "{}", rows.len());
        for (path, row) in rows {
            let source = row.get("source").or(row.get("url")).and_then(|v| v.as_str()).unwrap_or("");
            assert!(source.starts_with("https://learn.microsoft.com/"), "{path} names no source");
            let date = row.get("date").and_then(|v| v.as_str()).unwrap_or("");
            assert!(date.starts_with("2026-") || date.starts_with("2025-"), "{path} has no page date");
        }
    }

    #[test]
    fn a_row_without_a_source_is_refused_by_name() {
        let text = BUNDLED.replacen(
            "source = \"https://learn.microsoft.com/azure/azure-sql/managed-instance/resource-limits#max-memory\"",
            "",
            1,
        );
        let err = Limits::parse(&text, "edited.toml").unwrap_err().to_string();
        assert!(err.contains("[[hardware]] standard-series names no source"), "{err}");
        let text = BUNDLED.replacen("date = \"2026-03-10\"\n\n[[tier]]", "date = \"March\"\n\n[[tier]]", 1);
        let err = Limits::parse(&text, "edited.toml").unwrap_err().to_string();
        assert!(err.contains("has no date"), "{err}");
    }
}
