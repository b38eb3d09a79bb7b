//! Named servers in `cutover.toml`, and [`resolve`]: turning a `--server`
//! argument (a connection string or a name) into a [`ServerTarget`].
//!
//! ```toml
//! [servers.src]
//! connection = "Server=tcp:sql1,1433;Database=Sales;User Id=cutover"
//! password_env = "SRC_PASSWORD"        # or password_file = "secrets/src.pw"
//!
//! [servers.mi]
//! connection = "Server=tcp:mi1.abc.database.windows.net,1433;Database=Sales"
//! access_token_env = "MI_TOKEN"        # or access_token_file = "…"
//! ```
//!
//! Other top-level tables are left for other commands. Relative file paths
//! are relative to the `cutover.toml` that names them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::connstr::looks_like_connection_string;
use crate::env::{Env, secret_from_env, secret_from_file};
use crate::error::Error;
use crate::parse::{Parsed, apply_password_fallback, parse_connection_string};
use crate::redact::redact;
use crate::secret::{Secret, SecretSource};
use crate::spec::ServerSpec;

/// The default config file name, looked up in the working directory.
pub const DEFAULT_CONFIG_FILE: &str = "cutover.toml";

/// One `[servers.NAME]` table.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct ServerEntry {
    /// ADO.NET or JDBC connection string (prints redacted).
    pub connection: ServerSpec,
    /// Environment variable holding the password.
    pub password_env: Option<String>,
    /// File holding the password.
    pub password_file: Option<PathBuf>,
    /// Environment variable holding an Entra ID access token.
    pub access_token_env: Option<String>,
    /// File holding an Entra ID access token.
    pub access_token_file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
struct FileShape {
    #[serde(default)]
    servers: BTreeMap<String, ServerEntry>,
}

/// The server section of a `cutover.toml`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CutoverConfig {
    /// Where it was read from (relative secret paths are resolved against it).
    pub path: PathBuf,
    /// Named servers.
    pub servers: BTreeMap<String, ServerEntry>,
}

impl CutoverConfig {
    /// Reads and parses the file at `path`.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| Error::ConfigRead { path: path.to_path_buf(), source })?;
        Self::from_toml(&text, path)
    }

    /// Loads `path` if given (it must exist), else `./cutover.toml` if present.
    pub fn load_default(path: Option<&Path>) -> Result<Option<Self>, Error> {
        match path {
            Some(path) => Self::load(path).map(Some),
            None if Path::new(DEFAULT_CONFIG_FILE).is_file() => {
                Self::load(Path::new(DEFAULT_CONFIG_FILE)).map(Some)
            }
            None => Ok(None),
        }
    }

    /// Parses TOML text said to come from `path`.
    pub fn from_toml(text: &str, path: &Path) -> Result<Self, Error> {
        let shape: FileShape = toml::from_str(text).map_err(|e| Error::ConfigParse {
            path: path.to_path_buf(),
            // toml quotes the offending line, which may hold a password.
            message: redact(&e.to_string()),
        })?;
        Ok(Self { path: path.to_path_buf(), servers: shape.servers })
    }

    /// The server names, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.servers.keys().map(String::as_str).collect()
    }

    /// Builds the target for server `name`, reading its secrets.
    pub fn target(&self, name: &str, env: &dyn Env) -> Result<Parsed, Error> {
        let entry = self.servers.get(name).ok_or_else(|| self.unknown(name))?;
        let mut parsed =
            parse_connection_string(entry.connection.expose(), env).map_err(|e| self.in_entry(name, e))?;
        self.apply_entry_secrets(name, entry, &mut parsed, env)?;
        parsed.target.name = Some(name.to_string());
        apply_password_fallback(&mut parsed.target, env);
        Ok(parsed)
    }

    fn apply_entry_secrets(
        &self,
        name: &str,
        entry: &ServerEntry,
        parsed: &mut Parsed,
        env: &dyn Env,
    ) -> Result<(), Error> {
        let base = self.path.parent().unwrap_or(Path::new(""));
        let password = self.secret(name, base, &entry.password_env, &entry.password_file, "password", env)?;
        if let Some((secret, source)) = password {
            self.check_not_twice(name, parsed.target.password_source.as_ref(), "password")?;
            parsed.target.password = Some(secret);
            parsed.target.password_source = Some(source);
        }
        let token =
            self.secret(name, base, &entry.access_token_env, &entry.access_token_file, "access token", env)?;
        if let Some((secret, source)) = token {
            self.check_not_twice(name, parsed.target.access_token_source.as_ref(), "access token")?;
            parsed.target.access_token = Some(secret);
            parsed.target.access_token_source = Some(source);
        }
        Ok(())
    }

    /// Reads a secret from `*_env` or `*_file`, refusing both at once.
    fn secret(
        &self,
        name: &str,
        base: &Path,
        var: &Option<String>,
        file: &Option<PathBuf>,
        purpose: &'static str,
        env: &dyn Env,
    ) -> Result<Option<(Secret, SecretSource)>, Error> {
        let read = match (var, file) {
            (Some(_), Some(_)) => {
                return Err(
                    self.entry_problem(name, format!("sets both the {purpose} variable and file; keep one"))
                );
            }
            (Some(var), None) => secret_from_env(env, var, purpose),
            (None, Some(file)) => secret_from_file(&base.join(file), purpose),
            (None, None) => return Ok(None),
        };
        read.map(Some).map_err(|e| self.in_entry(name, e))
    }

    fn check_not_twice(
        &self,
        name: &str,
        existing: Option<&SecretSource>,
        purpose: &str,
    ) -> Result<(), Error> {
        match existing {
            Some(source) => Err(self.entry_problem(
                name,
                format!("the {purpose} is given both in `connection` ({source}) and in a *_env/*_file key; keep one"),
            )),
            None => Ok(()),
        }
    }

    fn entry_problem(&self, name: &str, problem: String) -> Error {
        Error::ConfigServer { path: self.path.clone(), name: name.to_string(), problem }
    }

    fn in_entry(&self, name: &str, error: Error) -> Error {
        self.entry_problem(name, error.to_string())
    }

    fn unknown(&self, name: &str) -> Error {
        let known = if self.servers.is_empty() { "none".to_string() } else { self.names().join(", ") };
        Error::UnknownServer {
            name: name.to_string(),
            detail: format!(
                "{} has no [servers.{name}] (known: {known}); pass a connection string or add the server there",
                self.path.display()
            ),
        }
    }
}

/// Resolves a `--server` argument: a connection string (anything with `=`, or
/// `jdbc:`) is parsed; anything else is looked up in `config`.
pub fn resolve(arg: &str, config: Option<&CutoverConfig>, env: &dyn Env) -> Result<Parsed, Error> {
    if arg.trim().is_empty() {
        return Err(Error::EmptyServer);
    }
    if looks_like_connection_string(arg) {
        let mut parsed = parse_connection_string(arg, env)?;
        apply_password_fallback(&mut parsed.target, env);
        return Ok(parsed);
    }
    match config {
        Some(config) => config.target(arg.trim(), env),
        None => Err(Error::UnknownServer {
            name: arg.to_string(),
            detail: format!(
                "there is no {DEFAULT_CONFIG_FILE} to look it up in; pass a connection string \
                 (Server=tcp:host,1433;…) or create {DEFAULT_CONFIG_FILE} with [servers.{arg}]"
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    const TOML: &str = r#"
[collect]
interval = "15s"

[servers.src]
connection = "Server=tcp:sql1,1433;Database=Sales;User Id=cutover"
password_env = "SRC_PASSWORD"

[servers.mi]
connection = "Server=tcp:mi1.abc.database.windows.net,1433;Database=Sales"
access_token_env = "MI_TOKEN"

[servers.filepw]
connection = "Server=h;User Id=u"
password_file = "pw.txt"
"#;

    fn config() -> CutoverConfig {
        CutoverConfig::from_toml(TOML, Path::new("/etc/cutover/cutover.toml")).unwrap()
    }

    #[test]
    fn named_server_with_password_env() {
        let p = resolve("src", Some(&config()), &env(&[("SRC_PASSWORD", "pw")])).unwrap();
        assert_eq!(p.target.name.as_deref(), Some("src"));
        assert_eq!(p.target.password.as_ref().map(Secret::expose), Some("pw"));
        assert_eq!(p.target.password_source, Some(SecretSource::Env("SRC_PASSWORD".into())));
        assert_eq!(p.target.to_string(), "sql1,1433/Sales (cutover)");
    }

    #[test]
    fn named_server_with_token() {
        let p = resolve("mi", Some(&config()), &env(&[("MI_TOKEN", "eyJ")])).unwrap();
        assert_eq!(p.target.access_token.as_ref().map(Secret::expose), Some("eyJ"));
        assert!(p.target.to_config().is_ok());
    }

    #[test]
    fn password_file_is_relative_to_the_config() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        std::fs::write(dir.join("pw.txt"), "from-file\n").unwrap();
        let config = CutoverConfig::from_toml(TOML, &dir.join("cutover.toml")).unwrap();
        let p = config.target("filepw", &env(&[])).unwrap();
        assert_eq!(p.target.password.as_ref().map(Secret::expose), Some("from-file"));
    }

    #[test]
    fn missing_env_var_names_server_and_variable() {
        let err = resolve("src", Some(&config()), &env(&[])).unwrap_err().to_string();
        assert!(err.contains("`src`") && err.contains("SRC_PASSWORD"), "{err}");
    }

    #[test]
    fn an_empty_server_says_so_instead_of_looking_it_up() {
        let err = resolve("  ", Some(&config()), &env(&[])).unwrap_err().to_string();
        assert!(err.contains("empty") && err.contains("unset shell variable"), "{err}");
    }

    #[test]
    fn unknown_name_lists_known_ones() {
        let err = resolve("tgt", Some(&config()), &env(&[])).unwrap_err().to_string();
        assert!(err.contains("tgt") && err.contains("filepw, mi, src"), "{err}");
        let err = resolve("tgt", None, &env(&[])).unwrap_err().to_string();
        assert!(err.contains("cutover.toml"), "{err}");
    }

    #[test]
    fn connection_string_argument_bypasses_config() {
        let p = resolve("Server=h;User Id=u", None, &env(&[("CUTOVER_PASSWORD", "x")])).unwrap();
        assert_eq!(p.target.password.as_ref().map(Secret::expose), Some("x"));
    }

    #[test]
    fn password_twice_is_an_error() {
        let text = "[servers.a]\nconnection = \"Server=h;User Id=u;Password=${A}\"\npassword_env = \"B\"\n";
        let config = CutoverConfig::from_toml(text, Path::new("c.toml")).unwrap();
        let err = config.target("a", &env(&[("A", "1"), ("B", "2")])).unwrap_err().to_string();
        assert!(err.contains("keep one"), "{err}");
    }

    #[test]
    fn typos_and_bad_toml_are_reported_without_secrets() {
        let err = CutoverConfig::from_toml(
            "[servers.a]\nconnection = \"Server=h\"\npasword_env = \"X\"\n",
            Path::new("c.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("pasword_env") && err.contains("c.toml"), "{err}");
        let err = CutoverConfig::from_toml(
            "[servers.a]\nconnection = \"Password=hunter2;\" x\n",
            Path::new("c.toml"),
        )
        .unwrap_err()
        .to_string();
        assert!(!err.contains("hunter2"), "{err}");
    }
}
