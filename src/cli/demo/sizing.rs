//! The demo's sizing step: `cutover size` on the source baseline the gate collected, and the
//! gate file that would confirm the recommendation on a new instance (written, not run).

use cutover_assess::limits::Limits;
use cutover_assess::size::confirm::{self, ConfirmOptions};
use cutover_assess::size::{self, SizeOptions};
use cutover_gate::GateReport;
use std::path::Path;

/// Sizes the source and writes `confirm-gate.toml`; returns the lines to print.
pub fn run(report: &GateReport, out: &Path, seconds: u64, rate: &str) -> Vec<String> {
    let (Some(baseline), replay) = (report.files.get("baselines/source"), report.files.get("runs/source"))
    else {
        return vec!["Sizing: skipped (the gate collected no source baseline)".into()];
    };
    let dir = out.join(baseline);
    let sized = match size::size(&dir, &SizeOptions::default(), &Limits::bundled()) {
        Ok(r) => r,
        Err(e) => return vec![format!("Sizing could not run: {e}")],
    };
    let mut lines = vec![format!("Sizing the source (cutover size --baseline {}):", dir.display())];
    match sized.sizing.chosen.map(|i| &sized.sizing.options[i]) {
        Some(c) => lines.push(format!("  {}", size::report::option_line(c))),
        None => lines.push("  no recommendation (see cutover size)".into()),
    }
    lines.push(format!("  Tier: {}.", sized.sizing.tier_reason));
    let path = out.join("confirm-gate.toml");
    let opts = ConfirmOptions {
        path: path.clone(),
        target: None,
        password_env: "MI_PASSWORD".into(),
        workload: "orders".into(),
        duration: format!("{seconds}s"),
        rate: Some(rate.to_string()),
        replay_baseline: replay.map(|r| out.join(r)),
    };
    match confirm::gate_toml(&sized, &opts).map(|text| std::fs::write(&path, text)) {
        Some(Ok(())) => lines.push(format!(
            "Confirm it on the new instance (set its connection in the file first): cutover gate --policy {}",
            path.display()
        )),
        Some(Err(e)) => lines.push(format!("  could not write {}: {e}", path.display())),
        None => {}
    }
    lines
}
