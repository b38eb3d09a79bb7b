//! Reading secrets from the environment and from files.
//!
//! The environment is injected through the [`Env`] trait ([`SystemEnv`] in the
//! binary, a `HashMap` in tests), so nothing here depends on process state.
//! Files are read whole and their trailing newline dropped.

use std::collections::HashMap;
use std::path::Path;

use crate::error::Error;
use crate::secret::{Secret, SecretSource};

/// The fallback variable for a password when nothing else names one.
pub const CUTOVER_PASSWORD: &str = "CUTOVER_PASSWORD";

/// A source of environment variables.
pub trait Env {
    /// The variable's value, or `None` when it is unset or not valid Unicode.
    fn var(&self, name: &str) -> Option<String>;
}

/// The process environment.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemEnv;

impl Env for SystemEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl Env for HashMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

/// What a secret is for, named in messages ("password", "access token").
pub type Purpose = &'static str;

/// Reads a secret from environment variable `name`.
pub fn secret_from_env(env: &dyn Env, name: &str, purpose: Purpose) -> Result<(Secret, SecretSource), Error> {
    let value = env.var(name).ok_or_else(|| Error::EnvVarMissing { var: name.to_string(), purpose })?;
    let source = SecretSource::Env(name.to_string());
    non_empty(value, source, purpose)
}

/// Reads a secret from the file at `path`, dropping one trailing newline.
pub fn secret_from_file(path: &Path, purpose: Purpose) -> Result<(Secret, SecretSource), Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::SecretFile {
        path: path.to_path_buf(),
        purpose,
        source,
    })?;
    let value = text.strip_suffix('\n').map(|t| t.strip_suffix('\r').unwrap_or(t)).unwrap_or(&text);
    non_empty(value.to_string(), SecretSource::File(path.to_path_buf()), purpose)
}

fn non_empty(value: String, source: SecretSource, purpose: Purpose) -> Result<(Secret, SecretSource), Error> {
    if value.is_empty() {
        return Err(Error::SecretEmpty { purpose, origin: source.to_string() });
    }
    Ok((Secret::new(value), source))
}

/// If `value` is exactly `${NAME}`, returns `NAME`.
pub fn env_reference(value: &str) -> Option<&str> {
    let name = value.trim().strip_prefix("${")?.strip_suffix('}')?;
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    (first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_references() {
        assert_eq!(env_reference("${SRC_PASSWORD}"), Some("SRC_PASSWORD"));
        assert_eq!(env_reference(" ${_x1} "), Some("_x1"));
        assert_eq!(env_reference("${1X}"), None);
        assert_eq!(env_reference("${}"), None);
        assert_eq!(env_reference("pa${X}"), None);
        assert_eq!(env_reference("$X"), None);
    }

    #[test]
    fn missing_variable_names_it() {
        let env = HashMap::new();
        let err = secret_from_env(&env, "SRC_PASSWORD", "password").unwrap_err();
        assert!(err.to_string().contains("SRC_PASSWORD"), "{err}");
    }

    #[test]
    fn file_secret_drops_newline() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("password.txt");
        std::fs::write(&path, "s3cret\r\n").unwrap();
        let (secret, source) = secret_from_file(&path, "password").unwrap();
        assert_eq!(secret.expose(), "s3cret");
        assert_eq!(source, SecretSource::File(path));
    }

    #[test]
    fn missing_and_empty_files_are_errors() {
        let missing = Path::new("/nonexistent/cutover/pw");
        let err = secret_from_file(missing, "password").unwrap_err();
        assert!(err.to_string().contains("/nonexistent/cutover/pw"), "{err}");
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("password.txt");
        std::fs::write(&path, "\n").unwrap();
        let err = secret_from_file(&path, "password").unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
    }
}
