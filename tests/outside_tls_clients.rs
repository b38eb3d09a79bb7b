//! TLS inside TDS 7.x PRELOGIN as SQL Server does it (TLS 1.2, one PRELOGIN message per
//! handshake flight), proven with clients nobody here wrote: FreeTDS's `tsql` (GnuTLS) and
//! node's tedious, each with full encryption (ENCRYPT_ON) and login-only encryption
//! (ENCRYPT_OFF: TLS dropped after LOGIN7). Before the fix, tsql failed with "Bad record MAC"
//! and tedious timed out at every encrypted login.

mod common;

use common::outside::{FREETDS, TEDIOUS, freetds_conf, node_modules};
use common::{DATABASE, PASSWORD, USER, sim};
use cutover_sim::server::TlsMode;
use std::io::Write;
use std::process::{Command, Stdio};

/// `tsql` with `encryption = <level>` answers a query.
fn tsql_answers(port: u16, encryption: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let conf = freetds_conf(dir.path(), port, encryption);
    let mut child = Command::new("tsql")
        .args(["-S", "sim", "-U", USER, "-P", PASSWORD, "-D", DATABASE])
        .env("FREETDSCONF", &conf)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("tsql starts");
    child.stdin.take().unwrap().write_all(b"SELECT 6 * 7 AS answer\ngo\nexit\n").unwrap();
    let out = child.wait_with_output().unwrap();
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[tokio::test(flavor = "multi_thread")]
async fn freetds_tsql_connects_with_full_and_login_only_tls() {
    if !FREETDS.ready("freetds_tsql_connects_with_full_and_login_only_tls") {
        return;
    }
    let server = sim(TlsMode::Enabled).await;
    let port = server.port();
    for encryption in ["require", "request"] {
        let out = tokio::task::spawn_blocking(move || tsql_answers(port, encryption)).await.unwrap();
        assert!(
            out.contains("\n42\n") && out.contains("(1 row affected)"),
            "encryption = {encryption}:\n{out}"
        );
    }
}

const TEDIOUS_SCRIPT: &str = r#"
const { Connection, Request } = require('tedious');
const [port, database, user, password, encrypt] = process.argv.slice(1);
const conn = new Connection({
  server: '127.0.0.1',
  authentication: { type: 'default', options: { userName: user, password } },
  options: { port: Number(port), database, encrypt: encrypt === 'true', trustServerCertificate: true,
             connectTimeout: 5000 },
});
conn.connect((err) => {
  if (err) { console.log('connect failed: ' + err.message); process.exit(1); }
  const req = new Request('SELECT 6 * 7 AS answer', (e) => {
    if (e) { console.log('query failed: ' + e.message); process.exit(1); }
    conn.close();
  });
  req.on('row', (cols) => console.log('answer ' + cols[0].value));
  conn.execSql(req);
});
"#;

#[tokio::test(flavor = "multi_thread")]
async fn tedious_connects_with_full_and_login_only_tls() {
    if !TEDIOUS.ready("tedious_connects_with_full_and_login_only_tls") {
        return;
    }
    let server = sim(TlsMode::Enabled).await;
    let port = server.port().to_string();
    for encrypt in ["true", "false"] {
        let port = port.clone();
        let out = tokio::task::spawn_blocking(move || {
            Command::new("node")
                .args(["-e", TEDIOUS_SCRIPT, &port, DATABASE, USER, PASSWORD, encrypt])
                .env("NODE_PATH", node_modules())
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.contains("answer 42"),
            "encrypt: {encrypt}\n{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
