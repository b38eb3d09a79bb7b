//! From demand to Managed Instance configurations: for each tier and hardware, the fewest vCores
//! whose limits (from [`crate::limits`]) cover every resource with the headroom asked for; the
//! resource that decided it; the headroom left; General Purpose file sizes for IOPS and
//! throughput; warnings when one metric alone exceeds the largest option.

use serde::Serialize;

use super::demand::{Demand, FileDemand};
use crate::limits::{Hardware, Limits, Tier};

/// Which tier, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TierKind {
    GeneralPurpose,
    BusinessCritical,
}

/// One resource's check at the recommended size.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub resource: &'static str,
    pub unit: &'static str,
    /// Demand at the percentile.
    pub demand: f64,
    /// Demand with headroom (what was sized for).
    pub needed: f64,
    /// What the configuration gives.
    pub capacity: f64,
    /// 1 − demand / capacity, in percent.
    pub headroom_left_pct: f64,
    /// False when even the largest vCore count of this tier and hardware does not cover it.
    pub fits: bool,
}

/// A General Purpose file's size for its IOPS and throughput.
#[derive(Clone, Debug, Serialize)]
pub struct FilePlan {
    pub database: String,
    pub file: String,
    pub file_type: String,
    pub needed_iops: f64,
    pub needed_mib_s: f64,
    pub current_gib: f64,
    /// Smallest size that gives the IOPS and throughput (and holds the data).
    pub size_gib: f64,
    pub iops: f64,
    pub mib_s: f64,
    /// Files needed when one alone cannot deliver the IOPS or throughput.
    pub files: u32,
}

/// One configuration.
#[derive(Clone, Debug, Serialize)]
pub struct Recommendation {
    pub tier: TierKind,
    pub tier_name: String,
    pub hardware: String,
    pub vcores: u32,
    pub memory_gb: f64,
    pub storage_gib: f64,
    pub limiting: &'static str,
    pub feasible: bool,
    pub checks: Vec<Check>,
    pub files: Vec<FilePlan>,
}

/// Everything `cutover size` decides.
#[derive(Clone, Debug, Serialize)]
pub struct Sizing {
    pub tier: TierKind,
    pub tier_reason: String,
    /// Index into `options` of the recommended configuration.
    pub chosen: Option<usize>,
    pub options: Vec<Recommendation>,
    pub warnings: Vec<String>,
}

/// (resource, unit, demand key).
const RESOURCES: &[(&str, &str, &str)] = &[
    ("CPU", "vCores", "cpu_cores"),
    ("memory", "GB", "memory_gb"),
    ("log rate", "MB/s", "log_rate_mb_s"),
    ("IOPS", "IO/s", "iops"),
    ("tempdb", "GB", "tempdb_gb"),
    ("storage", "GiB", ""),
];

/// The tier the IO latency the workload saw points to (GP above 5 ms, BC below 3 ms).
pub fn choose_tier(demand: &Demand) -> (TierKind, String) {
    match demand.mean("data_read_latency_ms") {
        Some(ms) if ms < 3.0 => (
            TierKind::BusinessCritical,
            format!(
                "the workload saw {ms:.1} ms data reads (below 3 ms): General Purpose remote storage (5-10 ms) would slow it; Business Critical local SSD is 1-2 ms"
            ),
        ),
        Some(ms) if ms > 5.0 => (
            TierKind::GeneralPurpose,
            format!(
                "the workload saw {ms:.1} ms data reads (above 5 ms): General Purpose storage (5-10 ms) is no slower"
            ),
        ),
        Some(ms) => (
            TierKind::GeneralPurpose,
            format!(
                "the workload saw {ms:.1} ms data reads (between 3 and 5 ms): General Purpose is likely enough; replay the workload on a General Purpose target to confirm, or take Business Critical"
            ),
        ),
        None => {
            (TierKind::GeneralPurpose, "the baseline has no file latency; General Purpose by default".into())
        }
    }
}

fn capacity(resource: &str, tier: &Tier, kind: &TierKind, hw: &Hardware, v: u32) -> Option<f64> {
    let v_f = f64::from(v);
    match resource {
        "CPU" => Some(v_f),
        "memory" => Some(v_f * hw.memory_gb_per_vcore),
        "log rate" => Some(tier.log_rate(v)),
        "IOPS" => tier.iops_per_vcore.map(|i| i * v_f),
        "tempdb" => match kind {
            TierKind::GeneralPurpose => tier.tempdb_gb_per_vcore.map(|g| g * v_f),
            TierKind::BusinessCritical => None,
        },
        "storage" => Some(tier.max_storage(&hw.name, v)),
        _ => None,
    }
}

/// GP file sizes: the smallest size band whose IOPS and throughput cover the file's demand.
pub fn plan_files(files: &[FileDemand], limits: &Limits, headroom: f64) -> Vec<FilePlan> {
    let bands = &limits.gp_file_io;
    let top = bands[bands.len() - 1];
    files
        .iter()
        .map(|f| {
            let (iops, mib) = (f.iops * (1.0 + headroom), f.mib_s * (1.0 + headroom));
            let n = ((iops / top.iops).ceil().max((mib / top.mib_s).ceil())).max(1.0);
            let (per_iops, per_mib) = (iops / n, mib / n);
            let idx = bands
                .iter()
                .position(|b| b.iops >= per_iops && b.mib_s >= per_mib && b.max_gib >= f.size_gib / n)
                .unwrap_or(bands.len() - 1);
            let floor = if idx == 0 { 0.0 } else { bands[idx - 1].max_gib + 1.0 };
            let size = floor.max((f.size_gib / n).ceil()).max(1.0);
            FilePlan {
                database: f.database.clone(),
                file: f.file.clone(),
                file_type: f.file_type.clone(),
                needed_iops: iops,
                needed_mib_s: mib,
                current_gib: f.size_gib,
                size_gib: size,
                iops: bands[idx].iops,
                mib_s: bands[idx].mib_s,
                files: n as u32,
            }
        })
        .collect()
}

fn round_storage(gib: f64, increment: u32) -> f64 {
    let inc = f64::from(increment.max(1));
    ((gib / inc).ceil() * inc).max(inc)
}

struct Needs {
    demand: Vec<(&'static str, f64)>,
    headroom: f64,
}

impl Needs {
    fn of(&self, resource: &str) -> f64 {
        self.demand.iter().find(|(r, _)| *r == resource).map_or(0.0, |(_, v)| *v)
    }
}

fn recommend_one(
    kind: TierKind,
    tier: &Tier,
    hw: &Hardware,
    limits: &Limits,
    needs: &Needs,
    plans: &[FilePlan],
) -> Recommendation {
    let vcores: Vec<u32> = limits.vcores.iter().copied().filter(|v| *v <= hw.max_vcores).collect();
    let mut chosen_v = vcores[0];
    let mut limiting = "smallest offered size";
    let mut fits_all = true;
    let mut resources: Vec<(&'static str, &'static str, f64)> = Vec::new();
    for (resource, unit, _) in RESOURCES {
        if capacity(resource, tier, &kind, hw, vcores[0]).is_none() {
            continue;
        }
        let demand = needs.of(resource);
        let needed = demand * (1.0 + needs.headroom);
        resources.push((resource, unit, demand));
        match vcores.iter().find(|v| capacity(resource, tier, &kind, hw, **v).unwrap_or(0.0) >= needed) {
            Some(v) if *v > chosen_v => {
                chosen_v = *v;
                limiting = resource;
            }
            Some(_) => {}
            None => {
                fits_all = false;
                chosen_v = *vcores.last().unwrap_or(&chosen_v);
                limiting = resource;
            }
        }
    }
    let checks: Vec<Check> = resources
        .iter()
        .map(|(resource, unit, demand)| {
            let cap = capacity(resource, tier, &kind, hw, chosen_v).unwrap_or(0.0);
            let needed = demand * (1.0 + needs.headroom);
            Check {
                resource,
                unit,
                demand: *demand,
                needed,
                capacity: cap,
                headroom_left_pct: if cap > 0.0 { (1.0 - demand / cap) * 100.0 } else { 0.0 },
                fits: cap >= needed,
            }
        })
        .collect();
    Recommendation {
        tier_name: tier.name.clone(),
        tier: kind.clone(),
        hardware: hw.name.clone(),
        vcores: chosen_v,
        memory_gb: f64::from(chosen_v) * hw.memory_gb_per_vcore,
        storage_gib: round_storage(
            needs.of("storage") * (1.0 + needs.headroom),
            limits.storage_increment_gib,
        ),
        limiting,
        feasible: fits_all,
        checks,
        files: if kind == TierKind::GeneralPurpose { plans.to_vec() } else { Vec::new() },
    }
}

/// Sizes every tier × hardware and picks one.
pub fn recommend(demand: &Demand, files: &[FileDemand], limits: &Limits, headroom: f64) -> Sizing {
    let (tier, tier_reason) = choose_tier(demand);
    let plans = plan_files(files, limits, headroom);
    let data_log = demand.peak("data_gib") + demand.peak("log_gib");
    let gp_storage =
        data_log.max(plans.iter().map(|p| p.size_gib * f64::from(p.files)).sum::<f64>() / (1.0 + headroom));
    let base: Vec<(&'static str, f64)> = RESOURCES
        .iter()
        .filter(|(_, _, key)| !key.is_empty())
        .map(|(r, _, key)| (*r, demand.at(key)))
        .collect();
    let mut options = Vec::new();
    for (kind, t) in [
        (TierKind::GeneralPurpose, &limits.tier.general_purpose),
        (TierKind::BusinessCritical, &limits.tier.business_critical),
    ] {
        let storage = match kind {
            TierKind::GeneralPurpose => gp_storage,
            TierKind::BusinessCritical => {
                data_log + demand.peak("tempdb_size_gb").max(demand.peak("tempdb_gb"))
            }
        };
        let mut d = base.clone();
        d.push(("storage", storage));
        let needs = Needs { demand: d, headroom };
        for hw in &limits.hardware {
            options.push(recommend_one(kind.clone(), t, hw, limits, &needs, &plans));
        }
    }
    let pick = |k: &TierKind| {
        options
            .iter()
            .enumerate()
            .filter(|(_, o)| o.tier == *k && o.feasible)
            .min_by_key(|(i, o)| (o.vcores, *i))
            .map(|(i, _)| i)
    };
    let other =
        if tier == TierKind::GeneralPurpose { TierKind::BusinessCritical } else { TierKind::GeneralPurpose };
    let chosen = pick(&tier).or_else(|| pick(&other));
    let warnings = warnings(&options, chosen, &tier, &plans);
    Sizing { tier, tier_reason, chosen, options, warnings }
}

fn warnings(
    options: &[Recommendation],
    chosen: Option<usize>,
    tier: &TierKind,
    plans: &[FilePlan],
) -> Vec<String> {
    let mut out = Vec::new();
    for (resource, unit, _) in RESOURCES {
        let checks: Vec<&Check> =
            options.iter().flat_map(|o| o.checks.iter().filter(|c| c.resource == *resource)).collect();
        if !checks.is_empty() && checks.iter().all(|c| !c.fits) {
            let best = checks.iter().map(|c| c.capacity).fold(0.0, f64::max);
            let needed = checks[0].needed;
            out.push(format!(
                "{resource} alone exceeds the largest Managed Instance option: {needed:.1} {unit} needed (with headroom), at most {best:.1} {unit} offered"
            ));
        }
    }
    match chosen.map(|i| &options[i]) {
        None => out.push(
            "no Managed Instance configuration covers this workload; see the checks of each option".into(),
        ),
        Some(c) => {
            if c.tier != *tier {
                out.push(format!(
                    "no {} configuration covers this workload; {} is the nearest that does",
                    options.iter().find(|o| o.tier == *tier).map_or("", |o| o.tier_name.as_str()),
                    c.tier_name
                ));
            }
            if c.limiting == "log rate" {
                out.push(format!(
                    "log-rate bound: the log generation rate, not CPU, sets the size ({} vCores for {:.1} MB/s); Managed Instance governs the log rate (INSTANCE_LOG_RATE_GOVERNOR waits), so batch loads and index rebuilds will be throttled at the cap",
                    c.vcores,
                    c.checks.iter().find(|k| k.resource == "log rate").map_or(0.0, |k| k.needed)
                ));
            }
        }
    }
    for p in plans.iter().filter(|p| p.files > 1) {
        out.push(format!(
            "{}.{} needs {:.0} IOPS / {:.0} MiB/s: more than one General Purpose file delivers; spread it over {} files",
            p.database, p.file, p.needed_iops, p.needed_mib_s, p.files
        ));
    }
    out
}
