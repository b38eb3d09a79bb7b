//! A recommendation you can test: the gate file (`cutover gate`, docs/gate.md) that replays a
//! workload on a new instance of the recommended size while collecting its baseline, and
//! compares that with the source baseline the sizing read, under a policy derived from the
//! sizing: the CPU share it sized for (the demand at the percentile plus the headroom, over the
//! vCores), the log rate within the instance's cap less the headroom, the tier's documented
//! storage latency for data reads and log writes, and writing statements no slower than the
//! tier's latency explains.

use std::path::{Path, PathBuf};

use super::SizeReport;
use super::recommend::Recommendation;
use crate::limits::TierKind;

/// How to write the gate.
#[derive(Clone, Debug)]
pub struct ConfirmOptions {
    /// Where the gate file goes (paths inside it are made relative to its folder).
    pub path: PathBuf,
    /// The new instance: a connection string or a cutover.toml name (None: a placeholder to edit).
    pub target: Option<String>,
    /// The environment variable that holds the new instance's password.
    pub password_env: String,
    /// A workload file (from `cutover capture`) or a bundled name.
    pub workload: String,
    pub duration: String,
    pub rate: Option<String>,
    /// The source's replay of the same workload (`cutover replay --out`), to compare response
    /// times template by template too.
    pub replay_baseline: Option<PathBuf>,
}

/// A placeholder target: the file says to replace it.
pub const PLACEHOLDER_TARGET: &str =
    "Server=tcp:YOUR-NEW-INSTANCE.database.windows.net,1433;Database=shop;User Id=cutover;Encrypt=true";

/// A TOML string literal.
fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// `to` relative to `from_dir` when both are relative or share a root; else absolute.
fn relative(to: &Path, from_dir: &Path) -> String {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let (to, from) = (abs(to), abs(from_dir));
    let common = to.components().zip(from.components()).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return to.display().to_string();
    }
    let ups = from.components().count() - common;
    let mut out = PathBuf::new();
    (0..ups).for_each(|_| out.push(".."));
    to.components().skip(common).for_each(|c| out.push(c));
    if out.as_os_str().is_empty() { ".".into() } else { out.display().to_string() }
}

/// One `[[performance.policy.metric]]` rule.
fn metric(out: &mut String, pattern: &str, stat: &str, limit: &str, severity: &str, why: &str) {
    out.push_str(&format!(
        "\n[[performance.policy.metric]]\nmatch = {}\nstat = \"{stat}\"\n{limit}\nseverity = \"{severity}\"\nwhy = {}\n",
        q(pattern),
        q(why)
    ));
}

fn num(v: f64) -> String {
    let r = (v * 10000.0).round() / 10000.0;
    if r.fract() == 0.0 { format!("{r:.1}") } else { format!("{r}") }
}

/// The policy rules derived from the sizing.
fn policy(r: &SizeReport, c: &Recommendation, replays: bool) -> String {
    let s = &r.sizing;
    let h = r.headroom_pct;
    let mut out = String::from(
        "\n# The thresholds, derived from the sizing (a `cutover compare` policy, docs/policy.md).\n[performance.policy]\nversion = 1\nalpha = 0.01\nmin_intervals = 10\nmin_executions = 15\n",
    );
    let check = |name: &str| c.checks.iter().find(|k| k.resource == name);
    // The limiting resource's rule is required: not measured on the new instance is not a pass.
    let required = |resource: &str| if c.limiting == resource { "\nrequire = true" } else { "" };
    let (share, why) = match check("CPU").and_then(|k| Some((k.demand?, k.needed?, k.capacity))) {
        Some((d, n, v)) => {
            let share = (n / v * 100.0).min(100.0);
            (share, format!(
                "sized for {d:.2} cores at p{} plus {h:.0}% headroom = {n:.2} of {v:.0} vCores: CPU p95 above {share:.1}% means the size is too small",
                r.percentile
            ))
        }
        None => (80.0, "CPU was unknown in the source baseline, so the size was not checked against it: keep CPU p95 below 80% of the vCores".into()),
    };
    // Per sample from the resource pools' counter; Managed Instance's sys.server_resource_stats
    // rows (cpu_percent) come 5-10 minutes late, so only a long run has them.
    let limit = format!("max_value = {}", num(share));
    metric(
        &mut out,
        "cpu_resource_pools_percent",
        "p95",
        &format!("{limit}{}", required("CPU")),
        "fail",
        &why,
    );
    metric(&mut out, "cpu_percent", "p95", &limit, "fail", &why);
    let memory_severity = if c.limiting == "memory" { "fail" } else { "warn" };
    metric(
        &mut out,
        "page_life_expectancy_seconds",
        "avg",
        &format!("better = \"higher\"\nmin_value = 300.0{}", required("memory")),
        memory_severity,
        &format!(
            "{:.1} GB of memory on {} {} vCores: a page life expectancy below 300 s means it holds too little of the working set",
            c.memory_gb, c.hardware, c.vcores
        ),
    );
    let share = 1.0 / (1.0 + h / 100.0);
    metric(
        &mut out,
        "log_flushed_bytes",
        "p95",
        &format!(
            "max_share_of = \"instance_max_log_rate\"\nmax_share = {}{}",
            num(share),
            required("log rate")
        ),
        "fail",
        &format!(
            "the log rate must leave the {h:.0}% headroom the sizing kept below the instance's log rate cap"
        ),
    );
    metric(
        &mut out,
        "wait_category_seconds{category=Log Rate Governor}",
        "avg",
        "max_value = 0.05",
        "fail",
        "INSTANCE_LOG_RATE_GOVERNOR waits mean the workload hits the instance's log write cap",
    );
    if let Some(t) = s.latency.tiers.iter().find(|t| t.tier == c.tier) {
        let [lo, hi] = t.documented_ms;
        let why = |what: &str| {
            format!(
                "{} documents {lo}-{hi} ms storage latency (an average range; {} of {}): {what} slower on average than that are not the tier that was sized",
                t.name, s.latency.source, s.latency.source_date
            )
        };
        metric(
            &mut out,
            "io_read_latency_seconds{*file_type=ROWS*}",
            "avg",
            &format!("max_value = {}", num(hi / 1000.0)),
            "fail",
            &why("data reads"),
        );
        metric(
            &mut out,
            "io_write_latency_seconds{*file_type=LOG*}",
            "avg",
            &format!("max_value = {}", num(hi / 1000.0)),
            "fail",
            &why("log writes"),
        );
        // A statement that commits may take one commit's extra log-write latency longer.
        let per_commit = t.commit_added_ms.map_or(0.0, |c| c[1]);
        let slack = (per_commit * 10.0).ceil() / 10.0;
        let min_delta = slack.max(1.0);
        let felt = s.latency.felt.iter().find(|f| f.kind == "log writes").and_then(|f| f.latency_ms);
        let why = match felt {
            Some(ms) if per_commit > 0.0 => format!(
                "a statement may take up to {slack} ms longer: one commit's extra log-write latency on {} ({lo}-{hi} ms documented, {ms:.2} ms felt on the source); beyond that, 20% is more than the tier explains",
                t.name
            ),
            _ => format!("per-execution duration may rise at most 20% on {}", t.name),
        };
        out.push_str(&format!(
            "\n[[performance.policy.query]]\nmeasure = \"duration\"\nmax_increase_pct = 20.0\nmin_delta = {}\nseverity = \"fail\"\nwhy = {}\n",
            num(min_delta),
            q(&why)
        ));
        if replays {
            out.push_str(&format!(
                "\n[[performance.policy.template]]\nmatch = \"*\"\nmeasure = \"response_p95\"\nmax_increase_pct = 10.0\nmin_delta = {}\nseverity = \"fail\"\nwhy = {}\n",
                num(min_delta),
                q(&format!("response p95 may rise by one commit's extra log-write latency on {} ({slack} ms), and 10% beyond", t.name))
            ));
            out.push_str("\n[[performance.policy.template]]\nmatch = \"*\"\nmeasure = \"error_rate\"\nmax_increase_pct = 1.0\nseverity = \"fail\"\nwhy = \"the error rate may rise by at most one percentage point\"\n");
        }
    }
    out
}

fn tier_flag(t: TierKind) -> &'static str {
    match t {
        TierKind::GeneralPurpose => "General Purpose",
        TierKind::NextGenGeneralPurpose => "General Purpose with the Next-gen upgrade (--gpv2 true)",
        TierKind::BusinessCritical => "Business Critical",
    }
}

/// The target: a connection string in `[servers.new-instance]` with its password variable, or
/// a name the gate looks up in cutover.toml.
fn servers(target: &str, password_env: &str) -> String {
    let is_connection = target.contains('=') || target.to_ascii_lowercase().starts_with("jdbc:");
    if !is_connection {
        return format!("target = {}   # a server of ./cutover.toml (or set config = \"…\")\n", q(target));
    }
    format!(
        "target = \"new-instance\"\n\n[servers.new-instance]\nconnection = {}\npassword_env = {}\n",
        q(target),
        q(password_env)
    )
}

/// The gate file's text (None when there is no recommendation to confirm).
pub fn gate_toml(r: &SizeReport, o: &ConfirmOptions) -> Option<String> {
    let c = r.sizing.chosen.map(|i| &r.sizing.options[i])?;
    let dir = o.path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let target = o.target.clone().unwrap_or_else(|| PLACEHOLDER_TARGET.to_string());
    let mut out = format!(
        r#"# Written by `cutover size --confirm-gate`: the first check of a new Managed Instance.
# It replays the workload on the new instance while collecting its baseline, and compares that
# with the source baseline the sizing read, under thresholds derived from the sizing.
#
# 1. Create the instance the sizing recommends: {tier}, {hw}, {v} vCores, {storage:.0} GiB.
# 2. Restore a copy of the databases there (the replay writes: never point it at production).
# 3. Set `connection` below{placeholder}, and the password in ${env}.
# 4. cutover gate --policy {file}
#    Exit 0: the size holds. 1: a threshold below failed (see gate.md). 2: something could not
#    be checked. Format: docs/gate.md.
name = {name}
source = {source}   # not contacted: its baseline is read from [performance] below
{servers}
[performance]
baseline = {baseline}
"#,
        tier = tier_flag(c.tier),
        hw = c.hardware,
        v = c.vcores,
        storage = c.storage_gib,
        placeholder = if o.target.is_none() { " (it is a placeholder)" } else { "" },
        env = o.password_env,
        file = o.path.display(),
        name = q(&format!("confirm: {} {} {} vCores for {}", c.tier_name, c.hardware, c.vcores, r.instance)),
        source = q(&r.instance),
        servers = servers(&target, &o.password_env),
        baseline = q(&relative(Path::new(&r.baseline), dir)),
    );
    if let Some(replay) = &o.replay_baseline {
        out.push_str(&format!("replay_baseline = {}\n", q(&relative(replay, dir))));
    }
    let workload = if o.workload.ends_with(".toml") {
        relative(Path::new(&o.workload), dir)
    } else {
        o.workload.clone()
    };
    out.push_str(&format!(
        "\n# The load: replayed on the new instance only (sides), while its baseline is collected.\n[performance.run]\nworkload = {}\nduration = {}\n",
        q(&workload),
        q(&o.duration)
    ));
    if let Some(rate) = &o.rate {
        out.push_str(&format!("rate = {}\n", q(rate)));
    }
    out.push_str("allow_writes = true   # the new instance holds a restored copy\nsides = [\"target\"]\n");
    out.push_str(&policy(r, c, o.replay_baseline.is_some()));
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_in_the_gate_are_relative_to_its_folder() {
        assert_eq!(relative(Path::new("/a/b/baselines/src"), Path::new("/a/b")), "baselines/src");
        assert_eq!(relative(Path::new("/a/x/src"), Path::new("/a/b")), "../x/src");
        for text in ["say \"hi\"", "it's", "a\\b"] {
            let doc: toml::Table = toml::from_str(&format!("k = {}", q(text))).unwrap();
            assert_eq!(doc["k"].as_str(), Some(text));
        }
        assert_eq!(num(0.002), "0.002");
        assert_eq!(num(82.5), "82.5");
        assert_eq!(num(80.0), "80.0");
        assert!(servers("mi-new", "MI_PASSWORD").starts_with("target = \"mi-new\""));
        let conn = servers("Server=tcp:mi,1433;Database=shop", "MI_PASSWORD");
        assert!(
            conn.contains(
                "connection = \"Server=tcp:mi,1433;Database=shop\"\npassword_env = \"MI_PASSWORD\""
            ),
            "{conn}"
        );
    }
}
