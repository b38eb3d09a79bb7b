//! From demand to Managed Instance configurations: for each offer (a tier on a hardware, from
//! [`crate::limits`]), the fewest vCores whose limits cover every resource with the headroom
//! asked for; the resource that decided it; the headroom left; General Purpose file sizes and
//! Next-gen General Purpose provisioned IOPS; then the pick among all offers.

use serde::Serialize;

use super::demand::{Demand, FileDemand};
use super::io_plan::{self, FilePlan, MB_TO_MIB, ProvisionedIo};
use super::latency::{self, Latency};
use crate::limits::{Hardware, IoModel, Limits, Offer, Tier, TierKind};

/// One resource's check at the recommended size. A resource the baseline cannot give has no
/// demand, no headroom and no verdict (`fits` null): it was not checked, never sized as 0.
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub resource: &'static str,
    pub unit: &'static str,
    /// Demand at the percentile.
    pub demand: Option<f64>,
    /// Demand with headroom (what was sized for).
    pub needed: Option<f64>,
    /// What the configuration gives.
    pub capacity: f64,
    /// 1 − demand / capacity, in percent.
    pub headroom_left_pct: Option<f64>,
    /// False when even the largest vCore count of this offer does not cover it.
    pub fits: Option<bool>,
}

/// A resource the sizing could not check, and what would let it.
#[derive(Clone, Debug, Serialize)]
pub struct Unchecked {
    pub resource: &'static str,
    pub metric: &'static str,
    pub why: String,
    pub dmv: &'static str,
    pub permission: &'static str,
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
    /// General Purpose: each file's size for its IOPS and throughput.
    pub files: Vec<FilePlan>,
    /// Next-gen General Purpose: the IOPS to provision.
    pub provisioned_io: Option<ProvisionedIo>,
    /// Where this offer's figures come from (page and date).
    pub source: String,
    pub source_date: String,
}

/// Everything `cutover size` decides.
#[derive(Clone, Debug, Serialize)]
pub struct Sizing {
    pub tier: TierKind,
    pub tier_reason: String,
    /// Every latency the workload felt, and what each tier would cost it.
    pub latency: Latency,
    /// Index into `options` of the recommended configuration.
    pub chosen: Option<usize>,
    /// Why there is no recommendation although options exist (nothing could be checked).
    pub not_offered: Option<String>,
    /// The resources no option could be checked against.
    pub unchecked: Vec<Unchecked>,
    pub options: Vec<Recommendation>,
    pub warnings: Vec<String>,
}

/// Without one of these the sizing has checked nothing that matters.
pub const CORE_RESOURCES: &[&str] = &["CPU", "memory", "IOPS"];

/// (resource, unit, demand key); storage is computed per tier.
const RESOURCES: &[(&str, &str, &str)] = &[
    ("CPU", "vCores", "cpu_cores"),
    ("memory", "GB", "memory_gb"),
    ("log rate", "MiB/s", "log_rate_mib_s"),
    ("IOPS", "IO/s", "iops"),
    ("throughput", "MiB/s", "io_mib_s"),
    ("tempdb", "GB", "tempdb_gb"),
    ("storage", "GiB", ""),
];

/// What one offer gives of `resource` at `v` vCores (None: not limited by this offer).
fn capacity(
    resource: &str,
    tier: &Tier,
    offer: &Offer,
    hw: &Hardware,
    limits: &Limits,
    v: u32,
) -> Option<f64> {
    let v_f = f64::from(v);
    match (resource, tier.io) {
        ("CPU", _) => Some(v_f),
        ("memory", _) => Some(hw.memory_gb(v)),
        ("log rate", _) => Some(offer.log_rate(v)),
        ("IOPS", IoModel::PerVcore) => {
            tier.iops_per_vcore.map(|i| (i * v_f).min(tier.iops_max.unwrap_or(f64::INFINITY)))
        }
        ("IOPS", IoModel::Provisioned) => Some(limits.nextgen_io.cap(v).0),
        ("throughput", IoModel::Provisioned) => Some(limits.nextgen_io.cap(v).1 * MB_TO_MIB),
        ("tempdb", _) => tier.tempdb_gb_per_vcore.map(|g| g * v_f),
        ("storage", _) => Some(offer.max_storage(v)),
        _ => None,
    }
}

fn round_storage(gib: f64, increment: u32) -> f64 {
    let inc = f64::from(increment.max(1));
    ((gib / inc).ceil() * inc).max(inc)
}

/// Demand per resource (storage for this tier included; None = unknown) and the headroom.
struct Needs {
    demand: Vec<(&'static str, Option<f64>)>,
    headroom: f64,
}

impl Needs {
    fn of(&self, resource: &str) -> Option<f64> {
        self.demand.iter().find(|(r, _)| *r == resource).and_then(|(_, v)| *v)
    }

    fn with_headroom(&self, resource: &str) -> Option<f64> {
        self.of(resource).map(|d| d * (1.0 + self.headroom))
    }
}

/// One offer at the fewest vCores that cover every resource it limits.
fn size_offer(offer: &Offer, limits: &Limits, needs: &Needs, plans: &[FilePlan]) -> Option<Recommendation> {
    let tier = limits.tier_of(offer.tier)?;
    let hw = limits.hardware_named(&offer.hardware)?;
    let cap = |resource: &str, v: u32| capacity(resource, tier, offer, hw, limits, v);
    let (mut chosen_v, mut limiting, mut fits_all) = (offer.vcores[0], "smallest offered size", true);
    for (resource, _, _) in RESOURCES.iter().filter(|(r, _, _)| cap(r, offer.vcores[0]).is_some()) {
        let Some(needed) = needs.with_headroom(resource) else { continue };
        match offer.vcores.iter().find(|v| cap(resource, **v).unwrap_or(0.0) >= needed) {
            Some(v) if *v > chosen_v => (chosen_v, limiting) = (*v, resource),
            Some(_) => {}
            None => {
                fits_all = false;
                (chosen_v, limiting) = (*offer.vcores.last().unwrap_or(&chosen_v), resource);
            }
        }
    }
    let checks = RESOURCES
        .iter()
        .filter_map(|(resource, unit, _)| {
            let capacity = cap(resource, chosen_v)?;
            let (demand, needed) = (needs.of(resource), needs.with_headroom(resource));
            let headroom_left_pct =
                demand.map(|d| if capacity > 0.0 { (1.0 - d / capacity) * 100.0 } else { 0.0 });
            Some(Check {
                resource,
                unit,
                demand,
                needed,
                capacity,
                headroom_left_pct,
                fits: needed.map(|n| capacity >= n),
            })
        })
        .collect();
    let storage_gib =
        round_storage(needs.with_headroom("storage").unwrap_or(0.0), limits.storage_increment_gib);
    let provisioned_io = (tier.io == IoModel::Provisioned).then(|| {
        io_plan::provision(
            limits,
            chosen_v,
            storage_gib,
            needs.with_headroom("IOPS").unwrap_or(0.0),
            needs.with_headroom("throughput").unwrap_or(0.0),
        )
    });
    Some(Recommendation {
        tier: offer.tier,
        tier_name: tier.name.clone(),
        hardware: hw.name.clone(),
        vcores: chosen_v,
        memory_gb: hw.memory_gb(chosen_v),
        storage_gib,
        limiting,
        feasible: fits_all,
        checks,
        files: if tier.io == IoModel::PerFile { plans.to_vec() } else { Vec::new() },
        provisioned_io,
        source: offer.source.clone(),
        source_date: offer.date.clone(),
    })
}

/// Storage each tier reserves: General Purpose the planned file sizes, the others data and
/// log as they are, Business Critical also tempdb (it shares the instance's local SSD).
fn storage_for(kind: TierKind, demand: &Demand, plans: &[FilePlan], headroom: f64) -> Option<f64> {
    demand.get("data_gib").or(demand.get("log_gib"))?;
    let data_log = demand.peak("data_gib") + demand.peak("log_gib");
    Some(match kind {
        TierKind::GeneralPurpose => data_log.max(io_plan::gp_storage(plans) / (1.0 + headroom)),
        TierKind::NextGenGeneralPurpose => data_log,
        TierKind::BusinessCritical => data_log + demand.peak("tempdb_size_gb").max(demand.peak("tempdb_gb")),
    })
}

/// Sizes every offer and picks one. `writing_s_per_s` is the time the server spends in writing
/// statements a second (query statistics), for the cost of each tier's log-write latency.
pub fn recommend(
    demand: &Demand,
    files: &[FileDemand],
    limits: &Limits,
    headroom: f64,
    writing_s_per_s: Option<f64>,
) -> Sizing {
    let (tier, tier_reason, latency) = latency::choose(demand, writing_s_per_s, limits);
    let plans = io_plan::plan_files(files, limits, headroom);
    let base: Vec<(&'static str, Option<f64>)> = RESOURCES
        .iter()
        .filter(|(_, _, key)| !key.is_empty())
        .map(|(r, _, key)| (*r, demand.at(key)))
        .collect();
    let options: Vec<Recommendation> = limits
        .offer
        .iter()
        .filter_map(|offer| {
            let mut d = base.clone();
            d.push(("storage", storage_for(offer.tier, demand, &plans, headroom)));
            size_offer(offer, limits, &Needs { demand: d, headroom }, &plans)
        })
        .collect();
    let unchecked = unchecked(demand);
    let not_offered = CORE_RESOURCES.iter().all(|r| unchecked.iter().any(|u| u.resource == *r)).then(|| {
        "the baseline shows none of CPU, memory and IO, so no size could be checked against the workload (the unknowns name the DMV and the grant that would)".to_string()
    });
    let chosen = match not_offered {
        Some(_) => None,
        None => pick(&options, &allowed(tier)).or_else(|| {
            pick(
                &options,
                &[TierKind::GeneralPurpose, TierKind::NextGenGeneralPurpose, TierKind::BusinessCritical],
            )
        }),
    };
    let mut warnings = match &not_offered {
        Some(why) => vec![format!("no recommendation offered: {why}")],
        None => warnings(&options, chosen, tier, &plans),
    };
    if not_offered.is_none() && !unchecked.is_empty() {
        let names: Vec<&str> = unchecked.iter().map(|u| u.resource).collect();
        warnings.insert(0, format!("not checked (unknown in the baseline, not zero): {}", names.join(", ")));
    }
    Sizing { tier, tier_reason, latency, chosen, not_offered, unchecked, options, warnings }
}

/// The resources whose demand the baseline cannot give.
fn unchecked(demand: &Demand) -> Vec<Unchecked> {
    let mut keys: Vec<(&'static str, &str)> =
        RESOURCES.iter().filter(|(_, _, k)| !k.is_empty()).map(|(r, _, k)| (*r, *k)).collect();
    if demand.get("data_gib").is_none() && demand.get("log_gib").is_none() {
        keys.push(("storage", "data_gib"));
    }
    keys.into_iter()
        .filter_map(|(resource, key)| {
            let u = demand.unknown(key)?;
            Some(Unchecked {
                resource,
                metric: u.metric,
                why: u.why.clone(),
                dmv: u.dmv,
                permission: u.permission,
            })
        })
        .collect()
}

/// The tiers that meet the latency `tier` stands for. General Purpose and Next-gen General
/// Purpose have the same price per vCore, so where General Purpose is enough both are allowed
/// and the one needing fewer vCores wins.
fn allowed(tier: TierKind) -> Vec<TierKind> {
    match tier {
        TierKind::GeneralPurpose => vec![TierKind::GeneralPurpose, TierKind::NextGenGeneralPurpose],
        other => vec![other],
    }
}

/// The feasible option of `tiers` with the fewest vCores (ties: the cheaper tier, then the
/// table's order of hardware).
fn pick(options: &[Recommendation], tiers: &[TierKind]) -> Option<usize> {
    options
        .iter()
        .enumerate()
        .filter(|(_, o)| o.feasible && tiers.contains(&o.tier))
        .min_by_key(|(i, o)| (o.vcores, o.tier, *i))
        .map(|(i, _)| i)
}

fn warnings(
    options: &[Recommendation],
    chosen: Option<usize>,
    tier: TierKind,
    plans: &[FilePlan],
) -> Vec<String> {
    let mut out = Vec::new();
    for (resource, unit, _) in RESOURCES {
        let checks: Vec<&Check> =
            options.iter().flat_map(|o| o.checks.iter().filter(|c| c.resource == *resource)).collect();
        // Only resources every option checks: a General Purpose file spreads its IOPS instead.
        if checks.len() == options.len() && !checks.is_empty() && checks.iter().all(|c| c.fits == Some(false))
        {
            let best = checks.iter().map(|c| c.capacity).fold(0.0, f64::max);
            let needed = checks[0].needed.unwrap_or(0.0);
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
            if !allowed(tier).contains(&c.tier) {
                let wanted = options.iter().find(|o| o.tier == tier).map_or("", |o| o.tier_name.as_str());
                out.push(format!(
                    "no {wanted} configuration covers this workload; {} is the nearest that does",
                    c.tier_name
                ));
            }
            if c.limiting == "log rate" {
                out.push(format!(
                    "log-rate bound: the log generation rate, not CPU, sets the size ({} vCores for {:.1} MiB/s); Managed Instance governs the log rate (INSTANCE_LOG_RATE_GOVERNOR waits), so batch loads and index rebuilds will be throttled at the cap",
                    c.vcores,
                    c.checks.iter().find(|k| k.resource == "log rate").and_then(|k| k.needed).unwrap_or(0.0)
                ));
            }
        }
    }
    for p in plans.iter().filter(|p| p.files > 1) {
        out.push(format!(
            "{}.{} needs {:.0} IOPS / {:.0} MiB/s: more than one General Purpose file delivers; spread it over {} files (or take Next-gen General Purpose, whose IOPS are the instance's)",
            p.database, p.file, p.needed_iops, p.needed_mib_s, p.files
        ));
    }
    out
}
