//! `cutover size` output: terminal text, Markdown, JSON — the same facts in each.

use super::SizeReport;
use super::recommend::Recommendation;

fn fmt(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn option_line(r: &Recommendation) -> String {
    format!(
        "{} {} {} vCores, {:.1} GB memory, {:.0} GiB storage — limited by {}{}",
        r.tier_name,
        r.hardware,
        r.vcores,
        r.memory_gb,
        r.storage_gib,
        r.limiting,
        if r.feasible { "" } else { " (does NOT fit)" }
    )
}

/// Markdown (also the terminal form, which is plain enough to read).
pub fn markdown(r: &SizeReport) -> String {
    let mut out = format!(
        "# Managed Instance sizing for {}\n\nBaseline `{}`, p{} of every sample time, {}% headroom. Limits: {} ({}).\n\n",
        r.instance, r.baseline, r.percentile, r.headroom_pct, r.limits_source, r.limits_revision
    );
    out.push_str("## Demand\n\n| metric | unit | p | mean | peak | samples |\n|---|---|---|---|---|---|\n");
    for f in &r.demand.figures {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            f.what,
            f.unit,
            fmt(f.at_percentile),
            fmt(f.mean),
            fmt(f.peak),
            f.samples
        ));
    }
    let s = &r.sizing;
    out.push_str(&format!("\n## Recommendation\n\nTier: {}.\n\n", s.tier_reason));
    match s.chosen.map(|i| &s.options[i]) {
        Some(c) => {
            out.push_str(&format!("**{}**\n\n| resource | demand | sized for | capacity | headroom left |\n|---|---|---|---|---|\n", option_line(c)));
            for k in &c.checks {
                out.push_str(&format!(
                    "| {} ({}) | {} | {} | {} | {:.0}%{} |\n",
                    k.resource,
                    k.unit,
                    fmt(k.demand),
                    fmt(k.needed),
                    fmt(k.capacity),
                    k.headroom_left_pct,
                    if k.fits { "" } else { " — exceeds" }
                ));
            }
            if !c.files.is_empty() {
                out.push_str("\nGeneral Purpose file sizes (IOPS and throughput follow the file size):\n\n| file | needs IOPS | needs MiB/s | now GiB | size to | gives IOPS | gives MiB/s | files |\n|---|---|---|---|---|---|---|---|\n");
                for p in &c.files {
                    out.push_str(&format!(
                        "| {}.{} ({}) | {:.0} | {:.1} | {:.1} | {:.0} GiB | {:.0} | {:.0} | {} |\n",
                        p.database,
                        p.file,
                        p.file_type,
                        p.needed_iops,
                        p.needed_mib_s,
                        p.current_gib,
                        p.size_gib,
                        p.iops,
                        p.mib_s,
                        p.files
                    ));
                }
            }
        }
        None => out.push_str("No configuration fits.\n"),
    }
    out.push_str("\n## All options\n\n");
    for o in &s.options {
        out.push_str(&format!("- {}\n", option_line(o)));
    }
    if !s.warnings.is_empty() {
        out.push_str("\n## Warnings\n\n");
        for w in &s.warnings {
            out.push_str(&format!("- {w}\n"));
        }
    }
    out
}

/// The terminal form: the Markdown without its table rules.
pub fn terminal(r: &SizeReport) -> String {
    markdown(r)
        .lines()
        .filter(|l| !l.starts_with("|---"))
        .map(|l| l.replace("**", ""))
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}
