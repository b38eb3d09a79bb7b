//! Storage IO plans where the tier ties IOPS to something the user sizes: General Purpose files
//! (IOPS and throughput follow each file's size) and Next-gen General Purpose (IOPS provisioned
//! for the instance: 3 per GB of reserved storage free, more billed, up to a cap per vCore count).

use serde::Serialize;

use super::demand::FileDemand;
use crate::limits::Limits;

/// MB/s (Next-gen General Purpose throughput) to MiB/s.
pub const MB_TO_MIB: f64 = 1e6 / (1024.0 * 1024.0);

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

/// GP file sizes: the smallest size band whose IOPS and throughput cover the file's demand.
pub fn plan_files(files: &[FileDemand], limits: &Limits, headroom: f64) -> Vec<FilePlan> {
    let bands = &limits.gp_file_io;
    let top = &bands[bands.len() - 1];
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

/// The data and log storage General Purpose reserves: the files at their planned sizes.
pub fn gp_storage(plans: &[FilePlan]) -> f64 {
    plans.iter().map(|p| p.size_gib * f64::from(p.files)).sum()
}

/// Next-gen General Purpose: the IOPS to provision for the instance.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProvisionedIo {
    /// IOPS to set on the instance: the demand (with headroom), what the throughput needs
    /// (MB/s × 30), and never below what the storage includes.
    pub iops: f64,
    /// Included with the reserved storage (3 per GB, at least 300).
    pub included_iops: f64,
    /// Billed on top of the included ones.
    pub billable_iops: f64,
    /// Throughput those IOPS give, MB/s (IOPS / 30, at least 75, up to the cap).
    pub mb_s: f64,
    /// The caps at this vCore count.
    pub max_iops: f64,
    pub max_mb_s: f64,
}

/// The IOPS to provision for `iops` and `mib_s` (with headroom) on `storage_gib` at `vcores`.
pub fn provision(limits: &Limits, vcores: u32, storage_gib: f64, iops: f64, mib_s: f64) -> ProvisionedIo {
    let io = &limits.nextgen_io;
    let (max_iops, max_mb_s) = io.cap(vcores);
    let included = io.free_iops(storage_gib);
    let wanted = iops.max(mib_s / MB_TO_MIB * io.iops_per_mb_s).max(included);
    let set = wanted.min(max_iops.max(included)).ceil();
    ProvisionedIo {
        iops: set,
        included_iops: included,
        billable_iops: (set - included).max(0.0),
        mb_s: (set / io.iops_per_mb_s).max(io.min_mb_s).min(max_mb_s),
        max_iops,
        max_mb_s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_gen_provisions_beyond_the_included_iops_up_to_the_cap() {
        let l = Limits::bundled();
        // The page's example: 4 vCores, 1,024 GB, 6,400 IOPS → 3,328 billable.
        let p = provision(&l, 4, 1024.0, 6400.0, 0.0);
        assert_eq!((p.iops, p.included_iops, p.billable_iops), (6400.0, 3072.0, 3328.0));
        assert_eq!(p.mb_s, 145.0, "4 vCores cap throughput at 145 MB/s");
        // Little demand: the included IOPS, nothing billed.
        let p = provision(&l, 8, 512.0, 100.0, 1.0);
        assert_eq!((p.iops, p.billable_iops), (1536.0, 0.0));
        // Throughput drives IOPS: 100 MB/s needs 3,000 IOPS.
        let p = provision(&l, 8, 32.0, 10.0, 100.0 * MB_TO_MIB);
        assert_eq!(p.iops, 3000.0);
    }
}
