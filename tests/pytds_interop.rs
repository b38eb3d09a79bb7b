//! An independent TDS client (python-tds) talks to the simulator: a catalog query and a
//! parameterised query. Skipped (and said so) when python-tds is not installed, unless
//! `CUTOVER_REQUIRE_PYTDS=1` (as in CI), where its absence fails the test.

mod common;

use common::{DATABASE, PASSWORD, USER, sim};
use cutover_sim::server::TlsMode;
use std::process::Command;

const SCRIPT: &str = r#"
import sys, pytds
port = int(sys.argv[1])
with pytds.connect(server="127.0.0.1", port=port, database=sys.argv[2], user=sys.argv[3],
                   password=sys.argv[4], autocommit=True, login_timeout=10) as conn:
    cur = conn.cursor()
    cur.execute("SELECT name, database_id FROM sys.databases ORDER BY database_id")
    names = [row[0] for row in cur.fetchall()]
    assert "master" in names and sys.argv[2] in names, names
    cur.execute("CREATE TABLE dbo.t (id int PRIMARY KEY, label nvarchar(20))")
    cur.execute("INSERT INTO dbo.t VALUES (%s, %s)", (1, "one"))
    cur.execute("SELECT label, id * 2 FROM dbo.t WHERE id = %s", (1,))
    row = cur.fetchone()
    assert row[0] == "one" and row[1] == 2, row
print("pytds ok")
"#;

fn pytds_available() -> bool {
    Command::new("python3").args(["-c", "import pytds"]).status().map(|s| s.success()).unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread")]
async fn python_tds_runs_a_catalog_and_a_parameterised_query() {
    if !pytds_available() {
        assert!(
            std::env::var("CUTOVER_REQUIRE_PYTDS").is_err(),
            "python-tds is required here but not installed"
        );
        eprintln!("skipped: python-tds is not installed (pip install python-tds)");
        return;
    }
    let server = sim(TlsMode::Disabled).await;
    let port = server.port().to_string();
    let out = tokio::task::spawn_blocking(move || {
        Command::new("python3").args(["-c", SCRIPT, &port, DATABASE, USER, PASSWORD]).output().unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stdout.contains("pytds ok"), "stdout: {stdout}\nstderr: {stderr}");
}
