//! tiberius with its DEFAULT features (native-tls, OpenSSL) connects to the simulator with
//! TrustServerCertificate=true: the TLS-inside-PRELOGIN handshake works for OpenSSL clients too,
//! not only rustls. The client lives in interop/native-tls-client (outside the workspace).
//! Skipped when OpenSSL's headers are missing, unless CUTOVER_REQUIRE_NATIVE_TLS=1 (as in CI).

mod common;

use common::{PASSWORD, USER, sim};
use cutover_sim::server::TlsMode;
use std::process::Command;

fn openssl_available() -> bool {
    Command::new("pkg-config").args(["--exists", "openssl"]).status().map(|s| s.success()).unwrap_or(false)
}

#[tokio::test(flavor = "multi_thread")]
async fn tiberius_with_default_features_connects_over_tls() {
    if !openssl_available() {
        assert!(
            std::env::var("CUTOVER_REQUIRE_NATIVE_TLS").is_err(),
            "libssl-dev and pkg-config are required here"
        );
        eprintln!(
            "skipped: OpenSSL development files are not installed (apt-get install libssl-dev pkg-config)"
        );
        return;
    }
    let server = sim(TlsMode::Enabled).await;
    let port = server.port().to_string();
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/interop/native-tls-client/Cargo.toml");
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO"))
            .args(["run", "--quiet", "--manifest-path", manifest, "--", &port, USER, PASSWORD])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && stdout.contains("answer 42"), "stdout: {stdout}\nstderr: {stderr}");
}
