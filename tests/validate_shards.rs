//! An estate split over agents: `cutover validate --shard i/N` on each (a Kubernetes Indexed
//! Job's JOB_COMPLETION_INDEX is i), tables dealt largest first; `cutover compare --validate`
//! merges the shard folders into one verdict, and a missing shard is never a pass.

mod common;

use common::cli::{Cleanup, cutover_async};
use common::{TestServer, batch, sim};
use cutover_sim::server::TlsMode;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

fn args(words: &[&str]) -> Vec<String> {
    words.iter().map(|s| s.to_string()).collect()
}

/// Five tables of 400, 300, 200, 100 and 50 rows; the target's dbo.t300 has one row changed.
async fn seed(server: &TestServer, changed: bool) {
    for n in [400, 300, 200, 100, 50] {
        batch(server, &format!("CREATE TABLE dbo.t{n} (id int NOT NULL PRIMARY KEY, v int NOT NULL)")).await;
        let rows: Vec<String> = (1..=n).map(|i| format!("({i}, {i})")).collect();
        batch(server, &format!("INSERT INTO dbo.t{n} VALUES {}", rows.join(", "))).await;
    }
    if changed {
        batch(server, "UPDATE dbo.t300 SET v = -1 WHERE id = 77").await;
    }
}

fn report(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("report.json")).expect("report.json")).expect("json")
}

fn tables(r: &Value) -> BTreeSet<String> {
    r["tables"].as_array().unwrap().iter().map(|t| t["table"].as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn three_shards_cover_every_table_once_and_merge_into_one_verdict() {
    let (src, tgt) = (sim(TlsMode::Disabled).await, sim(TlsMode::Disabled).await);
    seed(&src, false).await;
    seed(&tgt, true).await;
    let root = Cleanup(std::env::temp_dir().join(format!("cutover-shards-{}", std::process::id())));
    let mut seen = Vec::new();
    for i in 0..3 {
        let out = root.0.join(format!("shard-{i}"));
        let shard = format!("{i}/3");
        let o = cutover_async(args(&[
            "validate",
            "--source",
            &src.conn,
            "--target",
            &tgt.conn,
            "--shard",
            &shard,
            "--out",
            out.to_str().unwrap(),
        ]))
        .await;
        let r = report(&out);
        assert_eq!(r["shard"]["index"], i, "{}", String::from_utf8_lossy(&o.stderr));
        seen.push((o.status.code(), tables(&r)));
    }
    // Largest first, each to the lightest shard: 400→0, 300→1, 200→2, 100→2, 50→1.
    assert_eq!(seen[0].1, BTreeSet::from(["dbo.t400".to_string()]));
    assert_eq!(seen[1].1, BTreeSet::from(["dbo.t300".to_string(), "dbo.t50".to_string()]));
    assert_eq!(seen[2].1, BTreeSet::from(["dbo.t100".to_string(), "dbo.t200".to_string()]));
    assert_eq!(seen.iter().map(|s| s.0).collect::<Vec<_>>(), [Some(0), Some(1), Some(0)]);

    let merged = root.0.join("merged");
    let o = merge(&root.0, &merged, &[]).await;
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "one difference, every table covered: {stdout}");
    let m = report(&merged);
    assert_eq!(tables(&m).len(), 5);
    assert_eq!(m["verdict"], "differences");
    assert_eq!(m["merged_from"].as_array().unwrap().len(), 3);
    assert!(stdout.contains("(id=77) changed: v"), "{stdout}");

    // A shard that never reported: its tables are not covered, and the verdict says so.
    std::fs::remove_dir_all(root.0.join("shard-2")).unwrap();
    std::fs::remove_dir_all(&merged).unwrap();
    let o = merge(&root.0, &merged, &["--json"]).await;
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    let m: Value = serde_json::from_slice(&o.stdout).expect("json on stdout");
    let t100 = m["tables"].as_array().unwrap().iter().find(|t| t["table"] == "dbo.t100").unwrap();
    assert_eq!(t100["checks"][0]["status"], "not_covered");
    assert!(t100["checks"][0]["details"][0].as_str().unwrap().contains("shard 2/3, whose report is missing"));
    assert!(m["database"].to_string().contains("no report from shard(s) 2/3"), "{}", m["database"]);
}

/// `cutover compare --validate ROOT --out MERGED [extra…]`: the shard folders under ROOT merged.
async fn merge(root: &std::path::Path, merged: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let mut a = vec!["compare", "--validate", root.to_str().unwrap(), "--out", merged.to_str().unwrap()];
    a.extend_from_slice(extra);
    cutover_async(args(&a)).await
}
