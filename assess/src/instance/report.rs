//! `cutover validate --instance-objects` output: terminal text (JSON is the diff struct).

use super::diff::InstanceDiff;

pub fn terminal(d: &InstanceDiff) -> String {
    let mut out = format!(
        "Instance-level objects, {} → {}: {} missing, {} different, {} only on the target\n",
        d.source,
        d.target,
        d.missing.len(),
        d.different.len(),
        d.extra.len()
    );
    for m in &d.missing {
        out.push_str(&format!("  missing   {}: {}\n", m.section, m.key));
    }
    for x in &d.different {
        for f in &x.fields {
            let (s, t) = if f.field == "definition" {
                ("(source text)".to_string(), "(target text)".to_string())
            } else {
                (f.source.clone(), f.target.clone())
            };
            out.push_str(&format!(
                "  different {}: {} {} = {} on the source, {} on the target\n",
                x.section, x.key, f.field, s, t
            ));
        }
    }
    for e in &d.extra {
        out.push_str(&format!("  target only {}: {}\n", e.section, e.key));
    }
    for u in &d.unreadable {
        out.push_str(&format!("  not read: {u}\n"));
    }
    if !d.has_differences() && d.unreadable.is_empty() {
        out.push_str("  no differences\n");
    }
    out
}
