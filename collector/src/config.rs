//! The `[collect]` section of `cutover.toml`: servers, intervals and outputs, so a long-running
//! collection is one file and `cutover collect`. Flags given on the command line win over the
//! file, and the file wins over the built-in defaults.
//!
//! ```toml
//! [collect]
//! servers = ["src", "tgt"]   # names from [servers.*], or connection strings
//! interval = "15s"
//! query_interval = "5m"
//! config_interval = "1h"
//! duration = "2h"
//! out = "baselines/src"
//! listen = "127.0.0.1:9399"
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

/// `[collect]` as written; every key optional.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CollectConfig {
    #[serde(default)]
    pub servers: Vec<cutover_mssql::ServerSpec>,
    #[serde(default, deserialize_with = "duration")]
    pub interval: Option<Duration>,
    #[serde(default, deserialize_with = "duration")]
    pub query_interval: Option<Duration>,
    #[serde(default, deserialize_with = "duration")]
    pub config_interval: Option<Duration>,
    #[serde(default, deserialize_with = "duration")]
    pub query_timeout: Option<Duration>,
    #[serde(default, deserialize_with = "duration")]
    pub duration: Option<Duration>,
    #[serde(default, deserialize_with = "duration")]
    pub flush: Option<Duration>,
    pub top: Option<usize>,
    pub out: Option<PathBuf>,
    pub listen: Option<SocketAddr>,
    pub csv: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
struct FileShape {
    collect: Option<CollectConfig>,
}

/// A `[collect]` section that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("could not read {path}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error(
        "{path}: [collect] is not valid: {message} (keys: servers, interval, query_interval, config_interval, query_timeout, duration, flush, top, out, listen, csv; durations like \"15s\", \"5m\", \"1h\")"
    )]
    Parse { path: PathBuf, message: String },
}

impl CollectConfig {
    /// The `[collect]` section of the file at `path` (`None` when the file has none).
    pub fn load(path: &Path) -> Result<Option<Self>, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| ConfigError::Read { path: path.to_path_buf(), source })?;
        Self::from_toml(&text, path)
    }

    /// Parses the `[collect]` section of TOML text said to come from `path`.
    pub fn from_toml(text: &str, path: &Path) -> Result<Option<Self>, ConfigError> {
        let shape: FileShape = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            // toml quotes the offending line, which may hold a password elsewhere in the file.
            message: cutover_mssql::redact(e.message()),
        })?;
        Ok(shape.collect)
    }
}

fn duration<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Duration>, D::Error> {
    let text = String::deserialize(d)?;
    cutover_common::duration::parse_positive(&text).map(Some).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_collect_section_and_ignores_the_rest() {
        let text = r#"
            [servers.src]
            connection = "Server=tcp:db1,1433"
            [collect]
            servers = ["src"]
            interval = "15s"
            query_interval = "5m"
            duration = "2h"
            top = 10
            listen = "127.0.0.1:9399"
        "#;
        let c = CollectConfig::from_toml(text, Path::new("cutover.toml")).unwrap().unwrap();
        assert_eq!(c.servers, [cutover_mssql::ServerSpec::new("src")]);
        assert_eq!(c.interval, Some(Duration::from_secs(15)));
        assert_eq!(c.query_interval, Some(Duration::from_secs(300)));
        assert_eq!(c.duration, Some(Duration::from_secs(7200)));
        assert_eq!(c.config_interval, None);
        assert_eq!(c.top, Some(10));
        assert_eq!(c.listen, Some("127.0.0.1:9399".parse().unwrap()));
        assert_eq!(CollectConfig::from_toml("[servers]", Path::new("x")).unwrap(), None);
    }

    #[test]
    fn bad_keys_and_durations_name_the_fix() {
        let e = CollectConfig::from_toml("[collect]\ninterval = \"15 parsecs\"", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("c.toml") && e.contains("unknown unit"), "{e}");
        let e = CollectConfig::from_toml("[collect]\nintervall = \"15s\"", Path::new("c.toml"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("intervall") && e.contains("keys: servers"), "{e}");
    }
}
