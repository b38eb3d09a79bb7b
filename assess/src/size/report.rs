//! `cutover size` output: terminal text, Markdown, JSON — the same facts in each.

use super::SizeReport;
use super::latency::Latency;
use super::recommend::{Check, Recommendation};

fn fmt(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn opt(v: Option<f64>) -> String {
    v.map_or("unknown".into(), fmt)
}

fn pair(v: Option<[f64; 2]>, unit: &str) -> String {
    v.map_or("–".into(), |r| super::latency::range(r, unit))
}

/// One configuration on one line.
pub fn option_line(r: &Recommendation) -> String {
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

fn demand_section(r: &SizeReport, out: &mut String) {
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
    if !r.demand.unknown.is_empty() {
        out.push_str("\nUnknown (no value, never counted as zero):\n\n");
        for (why, dmv, permission, what) in
            grouped(r.demand.unknown.iter().map(|u| (&u.why, u.dmv, u.permission, u.what)))
        {
            out.push_str(&format!("- {}: {why} — from {dmv}, which needs {permission}\n", what.join(", ")));
        }
    }
}

/// Items with the same reason, DMV and grant, on one line: (why, dmv, permission, names).
fn grouped<'a>(
    items: impl Iterator<Item = (&'a String, &'static str, &'static str, &'static str)>,
) -> Vec<(&'a String, &'static str, &'static str, Vec<&'static str>)> {
    let mut out: Vec<(&String, &str, &str, Vec<&str>)> = Vec::new();
    for (why, dmv, permission, name) in items {
        match out.iter_mut().find(|g| g.0 == why && g.1 == dmv) {
            Some(g) => g.3.push(name),
            None => out.push((why, dmv, permission, vec![name])),
        }
    }
    out
}

fn latency_section(l: &Latency, out: &mut String) {
    if l.felt.iter().all(|f| f.latency_ms.is_none()) {
        out.push_str("\nLatency by tier: not checked (the baseline shows no IO latency).\n");
        return;
    }
    out.push_str(&format!(
        "\nLatency by tier (documented: {} of {}):\n\n| tier | storage latency | per commit | writing transactions | per data read | keeps up |\n|---|---|---|---|---|---|\n",
        l.source, l.source_date
    ));
    for t in &l.tiers {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            t.name,
            pair(Some(t.documented_ms), " ms"),
            pair(t.commit_added_ms, " ms more"),
            pair(t.writes_slower_pct, " % slower"),
            pair(t.read_added_ms, " ms more"),
            if t.keeps_up { "yes" } else { "no" }
        ));
    }
}

fn check_row(k: &Check) -> String {
    let left = match (k.headroom_left_pct, k.fits) {
        (Some(p), Some(true)) => format!("{p:.0}%"),
        (Some(p), _) => format!("{p:.0}% — exceeds"),
        _ => "not checked".into(),
    };
    format!(
        "| {} ({}) | {} | {} | {} | {} |\n",
        k.resource,
        k.unit,
        opt(k.demand),
        opt(k.needed),
        fmt(k.capacity),
        left
    )
}

fn chosen_section(c: &Recommendation, out: &mut String) {
    out.push_str(&format!(
        "**{}**\n\n| resource | demand | sized for | capacity | headroom left |\n|---|---|---|---|---|\n",
        option_line(c)
    ));
    for k in &c.checks {
        out.push_str(&check_row(k));
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
    if let Some(io) = &c.provisioned_io {
        out.push_str(&format!(
            "\nNext-gen General Purpose IOPS: provision {:.0} IOPS ({:.0} included with the storage, {:.0} billed), giving {:.0} MB/s; at {} vCores the instance allows {:.0} IOPS and {:.0} MB/s.\n",
            io.iops, io.included_iops, io.billable_iops, io.mb_s, c.vcores, io.max_iops, io.max_mb_s
        ));
    }
    out.push_str(&format!("\nLimits of this option: {} ({}).\n", c.source, c.source_date));
}

/// Markdown (also the terminal form, which is plain enough to read).
pub fn markdown(r: &SizeReport) -> String {
    let mut out = format!(
        "# Managed Instance sizing for {}\n\nBaseline `{}` ({:.0} s), p{} of every sample time, {}% headroom. Limits: {} ({}).\n\n",
        r.instance,
        r.baseline,
        r.demand.seconds,
        r.percentile,
        r.headroom_pct,
        r.limits_source,
        r.limits_revision
    );
    demand_section(r, &mut out);
    let s = &r.sizing;
    out.push_str(&format!("\n## Recommendation\n\nTier: {}.\n", s.tier_reason));
    latency_section(&s.latency, &mut out);
    out.push('\n');
    match (s.chosen.map(|i| &s.options[i]), &s.not_offered) {
        (Some(c), _) => chosen_section(c, &mut out),
        (None, Some(why)) => out.push_str(&format!("No recommendation: {why}.\n")),
        (None, None) => out.push_str("No configuration fits.\n"),
    }
    if !s.unchecked.is_empty() {
        out.push_str("\nNot checked (unknown in the baseline, see above):\n\n");
        for (why, _, _, what) in
            grouped(s.unchecked.iter().map(|u| (&u.why, u.dmv, u.permission, u.resource)))
        {
            out.push_str(&format!("- {}: {why}\n", what.join(", ")));
        }
    }
    if let Some(confirm) = &r.confirm_gate {
        out.push_str(&format!(
            "\n## Confirm it\n\nA gate that replays the workload on a new instance of this size and checks it against this baseline: `{confirm}`\n(edit its target, then `cutover gate --policy {confirm}`).\n"
        ));
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
