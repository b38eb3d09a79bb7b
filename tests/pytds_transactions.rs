//! python-tds with `autocommit=False` (how most Python applications run) commits and rolls
//! back for real: it tracks the open transaction only through the ENVCHANGE begin/commit/
//! rollback tokens (types 8, 9, 10 of MS-TDS 2.2.7.9) and sends its commits and rollbacks
//! as transaction-manager requests, beginning the next transaction in the same request.
//! Skipped (and said so) when python-tds is not installed, unless `CUTOVER_REQUIRE_PYTDS=1`.

mod common;

use common::sim;
use cutover_sim::server::TlsMode;

const SCRIPT: &str = r#"
import sys, pytds
port, db, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
def connect(autocommit):
    return pytds.connect(server="127.0.0.1", port=port, database=db, user=user, password=pw,
                         autocommit=autocommit, login_timeout=10)
conn = connect(False)
cur = conn.cursor()
cur.execute("CREATE TABLE dbo.accounts (id int PRIMARY KEY, balance int NOT NULL)")
conn.commit()
cur.execute("INSERT INTO dbo.accounts VALUES (1, 100)")
conn.rollback()
cur.execute("SELECT COUNT(*) FROM dbo.accounts")
assert cur.fetchone()[0] == 0, "the rolled-back row is gone"
cur.execute("INSERT INTO dbo.accounts VALUES (2, 50)")
conn.commit()
# The driver keeps one transaction open, never nested ones.
cur.execute("SELECT @@TRANCOUNT")
assert cur.fetchone()[0] == 1, "one open transaction after commit"
other = connect(True)
ocur = other.cursor()
ocur.execute("SELECT id FROM dbo.accounts")
assert [r[0] for r in ocur.fetchall()] == [2], "the committed row is visible to others"
ocur.execute("SELECT transaction_isolation_level FROM sys.dm_exec_sessions WHERE session_id = @@SPID")
assert ocur.fetchone()[0] == 2, "read committed"
conn.close()
print("transactions ok")
"#;

#[tokio::test(flavor = "multi_thread")]
async fn python_tds_commits_and_rolls_back_for_real() {
    if !common::python_tds_available() {
        return;
    }
    let server = sim(TlsMode::Disabled).await;
    let (ok, stdout, stderr) = common::run_python_tds(&server, SCRIPT, &[]).await;
    assert!(ok && stdout.contains("transactions ok"), "stdout: {stdout}\nstderr: {stderr}");
}
