//! `cutover collect` against a real SQL Server named by `CUTOVER_TEST_MSSQL` (an ADO.NET
//! connection string; the password from `CUTOVER_TEST_PASSWORD` via `Password=${…}` or
//! `CUTOVER_PASSWORD`). Ignored (counted as skipped) unless run by `scripts/live-test.sh`.

mod common;

use std::process::Command;

#[test]
#[ignore = "needs CUTOVER_TEST_MSSQL"]
fn live_collect_writes_a_baseline() {
    let server = common::live();
    let dir = std::env::temp_dir().join(format!("cutover-collect-live-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .args(["collect", "--server", &server.conn, "--interval", "2s", "--duration", "7s", "--out"])
        .arg(&dir)
        .output()
        .expect("the binary runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("baseline.json")).unwrap()).unwrap();
    assert_eq!(json["complete"], true, "{json}");
    let mut families = std::collections::BTreeSet::new();
    for part in json["series_files"].as_array().unwrap() {
        for r in cutover_baseline::read::read_part(&dir.join(part.as_str().unwrap())).unwrap() {
            assert!(r.value.is_finite(), "{r:?}");
            families.insert(r.family);
        }
    }
    for f in ["perf_counters", "waits", "file_stats", "memory", "schedulers"] {
        assert!(families.contains(f), "{f} in {families:?}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
