//! [`Secret`]: a password or access token that never prints.
//!
//! `Debug`, `Display` and serde all show `***`; the only way to the value is
//! [`Secret::expose`], which is called in exactly one place (building the
//! tiberius `Config`). [`SecretSource`] records where a secret came from, so
//! error messages can say "the password is read from environment variable X"
//! without ever showing the secret itself.

use std::fmt;
use std::path::PathBuf;

use serde::{Serialize, Serializer};

/// What every rendering of a secret shows instead of the value.
pub const MASK: &str = "***";

/// A password or token. Cloneable, comparable, never printable.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself. Use only to hand it to the driver.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(MASK)
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(MASK)
    }
}

/// Where a secret was read from; safe to print.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "snake_case")]
pub enum SecretSource {
    /// Written literally in the connection string (discouraged).
    ConnectionString,
    /// An environment variable, by name.
    Env(String),
    /// A file, by path.
    File(PathBuf),
}

impl fmt::Display for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ConnectionString => f.write_str("the connection string"),
            Self::Env(name) => write!(f, "environment variable {name}"),
            Self::File(path) => write!(f, "file {}", path.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_the_value() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(format!("{s:?}"), "***");
        assert_eq!(format!("{s:#?}"), "***");
        assert_eq!(serde_json::to_string(&s).unwrap(), "\"***\"");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn source_names_the_origin_only() {
        assert_eq!(SecretSource::Env("SRC_PASSWORD".into()).to_string(), "environment variable SRC_PASSWORD");
        assert_eq!(SecretSource::File("/run/pw".into()).to_string(), "file /run/pw");
    }
}
