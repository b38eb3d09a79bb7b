//! [`ServerSpec`]: what a user wrote to name a server — an ADO.NET or JDBC
//! connection string, or a name from `cutover.toml` — as it travels through
//! cutover: from `--server`, a gate file or `cutover.toml` to [`crate::resolve`].
//!
//! It is the one boundary for connection strings: `Display`, `Debug` and serde
//! show it redacted by the same tokenizer that reads it ([`crate::connstr`]),
//! so a value is hidden exactly where the parser says it ends. Values of
//! secret keys, and of keys cutover does not know (a misspelt `Pasword=`), are
//! shown as `***`; `${VAR}` references stay visible since they are not
//! secrets. A string that does not tokenise is not shown at all, only why.
//! [`ServerSpec::expose`] is the only way to the raw text.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::connstr::{Dialect, Pair, looks_like_connection_string, tokenize};
use crate::env::env_reference;
use crate::keys::{field_for, is_secret};
use crate::secret::MASK;

/// A `--server` argument, a gate file's `source`/`target`, or a
/// `cutover.toml` `connection`: printable only redacted.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct ServerSpec(String);

impl ServerSpec {
    /// Wraps what the user wrote.
    pub fn new(raw: impl Into<String>) -> Self {
        Self(raw.into())
    }

    /// The text as written. Use only to resolve it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True for a connection string, false for a server name.
    pub fn is_connection_string(&self) -> bool {
        looks_like_connection_string(&self.0)
    }

    /// The text with every secret and unknown value replaced by `***`.
    pub fn redacted(&self) -> String {
        if !self.is_connection_string() {
            return self.0.clone();
        }
        match tokenize(&self.0) {
            Ok(tokens) => render(tokens.dialect, tokens.jdbc_address.as_deref(), &tokens.pairs),
            // The tokenizer's messages never echo a value.
            Err(e) => format!("(a connection string that does not parse: {e})"),
        }
    }
}

fn render(dialect: Dialect, jdbc_address: Option<&str>, pairs: &[Pair]) -> String {
    let shown = pairs.iter().map(|p| format!("{}={}", p.key, shown_value(p)));
    match dialect {
        Dialect::AdoNet => shown.collect::<Vec<_>>().join(";"),
        Dialect::Jdbc => {
            let mut out = format!("jdbc:sqlserver://{}", jdbc_address.unwrap_or(""));
            for pair in shown {
                out.push(';');
                out.push_str(&pair);
            }
            out
        }
    }
}

/// A known, non-secret value as written (braced when it needs quoting), an
/// `${VAR}` reference, or the mask.
fn shown_value(pair: &Pair) -> String {
    let known_plain = field_for(&pair.canonical_key()).is_some_and(|f| !is_secret(f));
    if env_reference(&pair.value).is_some() {
        return pair.value.trim().to_string();
    }
    if !known_plain {
        return MASK.to_string();
    }
    let needs_braces = pair.value.contains(';') || pair.value.starts_with(['{', '\'', '"']);
    if needs_braces { format!("{{{}}}", pair.value.replace('}', "}}")) } else { pair.value.clone() }
}

impl fmt::Display for ServerSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for ServerSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ServerSpec({:?})", self.redacted())
    }
}

impl FromStr for ServerSpec {
    type Err = Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::new(s))
    }
}

impl From<String> for ServerSpec {
    fn from(raw: String) -> Self {
        Self(raw)
    }
}

impl From<&str> for ServerSpec {
    fn from(raw: &str) -> Self {
        Self(raw.to_string())
    }
}

impl Serialize for ServerSpec {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.redacted())
    }
}

impl<'de> Deserialize<'de> for ServerSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(raw: &str) -> String {
        ServerSpec::new(raw).to_string()
    }

    #[test]
    fn secrets_are_masked_where_the_parser_ends_them() {
        assert_eq!(
            shown("Server=tcp:h,1433;User Id=sa;Password=p&ss-SECRET;Database=db"),
            "Server=tcp:h,1433;User Id=sa;Password=***;Database=db"
        );
        assert_eq!(shown("Server=h;Password={a;}}b};Database=x"), "Server=h;Password=***;Database=x");
        assert_eq!(shown("Server=h;PWD='x;''y'"), "Server=h;PWD=***");
    }

    #[test]
    fn unknown_keys_are_masked_env_references_shown() {
        assert_eq!(shown("Server=h;Pasword=oops"), "Server=h;Pasword=***");
        assert_eq!(shown("Server=h;Password=${SRC_PW}"), "Server=h;Password=${SRC_PW}");
    }

    #[test]
    fn jdbc_and_names() {
        assert_eq!(
            shown("jdbc:sqlserver://h:1433;user=sa;password={a;b};databaseName=d"),
            "jdbc:sqlserver://h:1433;user=sa;password=***;databaseName=d"
        );
        assert_eq!(shown("src"), "src");
    }

    #[test]
    fn values_that_need_quoting_stay_readable() {
        assert_eq!(shown("Server=h;Application Name='a;b'"), "Server=h;Application Name={a;b}");
    }

    #[test]
    fn a_string_that_does_not_parse_is_not_shown() {
        let s = shown("Server=h;Password=ab;c!d#e;Database=x");
        assert!(s.starts_with("(a connection string that does not parse"), "{s}");
        assert!(!s.contains("c!d#e") && !s.contains("ab;"), "{s}");
    }

    #[test]
    fn debug_and_serde_are_redacted_and_deserialize_keeps_the_text() {
        let spec = ServerSpec::new("Server=h;Password=hunter2");
        assert!(!format!("{spec:?}").contains("hunter2"));
        assert!(!serde_json::to_string(&spec).unwrap().contains("hunter2"));
        let back: ServerSpec = serde_json::from_str("\"Server=h;Password=hunter2\"").unwrap();
        assert_eq!(back.expose(), "Server=h;Password=hunter2");
    }
}
