//! An independent TDS client (python-tds) talks to the simulator: a catalog query and a
//! parameterised query. Skipped (and said so) when python-tds is not installed, unless
//! `CUTOVER_REQUIRE_PYTDS=1` (as in CI), where its absence fails the test.

mod common;

use common::sim;
use cutover_sim::server::TlsMode;

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

#[tokio::test(flavor = "multi_thread")]
async fn python_tds_runs_a_catalog_and_a_parameterised_query() {
    if !common::python_tds_available() {
        return;
    }
    let server = sim(TlsMode::Disabled).await;
    let (ok, stdout, stderr) = common::run_python_tds(&server, SCRIPT, &[]).await;
    assert!(ok && stdout.contains("pytds ok"), "stdout: {stdout}\nstderr: {stderr}");
}
