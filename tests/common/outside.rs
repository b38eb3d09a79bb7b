//! Outside TDS clients the tests run: python-tds, FreeTDS's `tsql` and node's tedious. Each is
//! installed by `.ci/run` (pinned versions); a test skips (and says so) when one is missing,
//! unless `CUTOVER_REQUIRE_<CLIENT>=1` says this machine must have it (as CI does).

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// One outside client: how to tell it is installed and the variable that makes it required.
#[derive(Clone, Copy, Debug)]
pub struct Client {
    pub name: &'static str,
    pub require_var: &'static str,
    pub install: &'static str,
}

pub const PYTDS: Client = Client {
    name: "python-tds",
    require_var: "CUTOVER_REQUIRE_PYTDS",
    install: "pip install python-tds==1.17.1",
};
pub const FREETDS: Client = Client {
    name: "FreeTDS tsql",
    require_var: "CUTOVER_REQUIRE_FREETDS",
    install: "apt-get install freetds-bin",
};
/// FreeTDS's db-lib headers and a C compiler, for `interop/conformance/freetds_probe.c`.
pub const FREETDS_DBLIB: Client = Client {
    name: "FreeTDS db-lib",
    require_var: "CUTOVER_REQUIRE_FREETDS",
    install: "apt-get install freetds-dev",
};
pub const TEDIOUS: Client = Client {
    name: "tedious",
    require_var: "CUTOVER_REQUIRE_TEDIOUS",
    install: "npm install --prefix $CUTOVER_NODE_DIR tedious@19.2.2 (see .ci/run)",
};

impl Client {
    pub fn installed(&self) -> bool {
        match self.name {
            "python-tds" => runs("python3", &["-c", "import pytds"]),
            "FreeTDS tsql" => runs("tsql", &["-C"]),
            "FreeTDS db-lib" => {
                std::path::Path::new("/usr/include/sybdb.h").exists() && runs("cc", &["--version"])
            }
            _ => node_modules().join("tedious").is_dir() && runs("node", &["--version"]),
        }
    }

    /// `true` when the client can run; otherwise prints the skip line (or panics when this
    /// machine is required to have it).
    pub fn ready(&self, test: &str) -> bool {
        if self.installed() {
            return true;
        }
        assert!(
            std::env::var(self.require_var).is_err(),
            "{} is required here ({}=1) but not installed: {}",
            self.name,
            self.require_var,
            self.install
        );
        eprintln!("skipped: {test}: {} is not installed ({})", self.name, self.install);
        false
    }
}

fn runs(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Where tedious is installed: `$CUTOVER_NODE_DIR/node_modules`, by default
/// `~/.cache/cutover-interop/node_modules` (outside the clone; `.ci/run` installs it there).
pub fn node_modules() -> PathBuf {
    let dir = std::env::var_os("CUTOVER_NODE_DIR").map(PathBuf::from).unwrap_or_else(|| {
        let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/tmp"));
        home.join(".cache/cutover-interop")
    });
    dir.join("node_modules")
}

/// A `freetds.conf` for one server entry named `sim`, with the TDS version and encryption
/// level FreeTDS reads from it (`require` = full TLS, `request` = login-only when the server
/// answers ENCRYPT_OFF, `off` = none).
pub fn freetds_conf(dir: &std::path::Path, port: u16, encryption: &str) -> PathBuf {
    let path = dir.join(format!("freetds-{encryption}.conf"));
    let text = format!(
        "[sim]\n\thost = 127.0.0.1\n\tport = {port}\n\ttds version = 7.4\n\tencryption = {encryption}\n\
         \tclient charset = UTF-8\n"
    );
    std::fs::write(&path, text).expect("freetds.conf written");
    path
}
