//! The synthetic comparison the report tests (`compare_reports.rs`, `compare_html.rs`) share:
//! baselines and replays from `cutover_compare::testdata` with the known regressions planted in
//! the target. Kept out of `tests/common` so that the other tests do not link compare.

use cutover_compare::testdata::{scenario, write_replay};
use cutover_compare::{CompareOptions, Comparison, compare};
use std::path::Path;

/// Writes the source and regressed target (baselines `src`, `tgt`; replays `run-src`,
/// `run-tgt`) under `root` and compares them with the default policy.
pub fn regressed_comparison(root: &Path) -> Comparison {
    scenario::source(1).write(&root.join("src")).unwrap();
    scenario::target_regressed(2).write(&root.join("tgt")).unwrap();
    write_replay(&root.join("run-src"), &scenario::templates(), 20, 11).unwrap();
    write_replay(&root.join("run-tgt"), &scenario::templates_regressed(), 20, 12).unwrap();
    compare(&CompareOptions {
        baseline: Some(root.join("src")),
        candidate: Some(root.join("tgt")),
        replay_baseline: Some(root.join("run-src")),
        replay_candidate: Some(root.join("run-tgt")),
        policy: None,
    })
    .unwrap()
}
