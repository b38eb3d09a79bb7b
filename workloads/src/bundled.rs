//! The bundled workloads (`workloads/*.toml`), compiled into the binary so `--workload orders`
//! works anywhere; a path to a file is read from disk instead.

use std::path::Path;

use crate::error::Result;
use crate::spec::Workload;

/// Name and text of every bundled workload.
pub const BUNDLED: &[(&str, &str)] =
    &[("orders", include_str!("../orders.toml")), ("reporting", include_str!("../reporting.toml"))];

/// Loads `arg`: a file when one exists at that path, else a bundled workload by name.
pub fn load(arg: &str) -> Result<Workload> {
    let path = Path::new(arg);
    if path.exists() {
        return Workload::load(path);
    }
    match BUNDLED.iter().find(|(name, _)| *name == arg) {
        Some((name, text)) => Workload::parse(&format!("{name} (bundled)"), text, Path::new(".")),
        None => Err(crate::Error::Read {
            path: path.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!(
                    "no such file, and not a bundled workload ({}): give a path to a .toml workload file",
                    BUNDLED.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                ),
            ),
        }),
    }
}
