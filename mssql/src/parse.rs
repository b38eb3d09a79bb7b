//! From a tokenised connection string to a [`ServerTarget`]: each pair is
//! looked up in the key table ([`crate::keys`]) and applied by one small
//! function per field. Unknown keys become warnings; bad values become errors
//! that name the key and the fix (and never echo a secret).

use std::path::PathBuf;
use std::time::Duration;

use crate::connstr::{Dialect, Pair, Tokens, tokenize};
use crate::env::{CUTOVER_PASSWORD, Env, env_reference, secret_from_env};
use crate::error::Error;
use crate::keys::{Field, field_for, is_secret};
use crate::secret::{Secret, SecretSource};
use crate::target::{DEFAULT_PORT, Encryption, ServerTarget};

/// A parsed target plus what the user should hear about it.
#[derive(Clone, Debug)]
pub struct Parsed {
    /// The target.
    pub target: ServerTarget,
    /// Non-fatal remarks: unknown keys, keys without effect, literal passwords.
    pub warnings: Vec<String>,
}

impl ServerTarget {
    /// Parses an ADO.NET or JDBC connection string. `Password=${VAR}` and
    /// `AccessToken=${VAR}` are read from `env`; with a user and no password,
    /// `CUTOVER_PASSWORD` is the fallback.
    pub fn parse(input: &str, env: &dyn Env) -> Result<Parsed, Error> {
        let mut parsed = parse_connection_string(input, env)?;
        apply_password_fallback(&mut parsed.target, env);
        Ok(parsed)
    }
}

/// Parses without the `CUTOVER_PASSWORD` fallback (cutover.toml applies its
/// own sources first).
pub(crate) fn parse_connection_string(input: &str, env: &dyn Env) -> Result<Parsed, Error> {
    let tokens = tokenize(input)?;
    let mut builder = Builder::default();
    if let Some(address) = &tokens.jdbc_address {
        builder.address(address, Dialect::Jdbc)?;
    }
    for pair in &tokens.pairs {
        builder.apply(pair, &tokens, env)?;
    }
    builder.finish()
}

/// Uses `CUTOVER_PASSWORD` when a user is set and nothing else gave a password.
pub(crate) fn apply_password_fallback(target: &mut ServerTarget, env: &dyn Env) {
    if target.user.is_none() || target.password.is_some() || target.access_token.is_some() {
        return;
    }
    if let Some(value) = env.var(CUTOVER_PASSWORD).filter(|v| !v.is_empty()) {
        target.password = Some(Secret::new(value));
        target.password_source = Some(SecretSource::Env(CUTOVER_PASSWORD.to_string()));
    }
}

/// Accumulates settings; `finish` checks they make a target.
struct Builder {
    target: ServerTarget,
    host: Option<String>,
    port: Option<u16>,
    warnings: Vec<String>,
}

impl Default for Builder {
    fn default() -> Self {
        Self { target: ServerTarget::new("", DEFAULT_PORT), host: None, port: None, warnings: Vec::new() }
    }
}

impl Builder {
    fn apply(&mut self, pair: &Pair, tokens: &Tokens, env: &dyn Env) -> Result<(), Error> {
        let Some(field) = field_for(&pair.canonical_key()) else {
            self.warnings.push(format!("unknown key `{}` ignored", pair.key));
            return Ok(());
        };
        let value = pair.value.as_str();
        if value.is_empty() && !is_secret(field) {
            return Ok(());
        }
        let key = pair.key.as_str();
        match field {
            Field::Server => self.address(value, tokens.dialect)?,
            Field::Host => self.host = Some(value.to_string()),
            Field::Instance => self.target.instance = Some(value.to_string()),
            Field::Port => self.port = Some(parse_port(key, value)?),
            Field::Database => self.target.database = Some(value.to_string()),
            Field::User => self.target.user = Some(value.to_string()),
            Field::Password => self.password(key, value, env)?,
            Field::AccessToken => self.access_token(key, value, env)?,
            Field::Encrypt => self.target.encryption = parse_encryption(key, value)?,
            Field::TrustServerCertificate => self.target.trust_server_certificate = parse_bool(key, value)?,
            Field::CaFile => self.target.ca_file = Some(PathBuf::from(value)),
            Field::HostNameInCertificate => self.target.hostname_in_certificate = Some(value.to_string()),
            Field::ConnectTimeout => self.target.connect_timeout = parse_seconds(key, value)?,
            Field::CommandTimeout => self.target.command_timeout = parse_seconds(key, value)?,
            Field::ApplicationName => self.target.application_name = value.to_string(),
            Field::IntegratedSecurity => integrated_security(key, value)?,
            Field::NoEffect => self.warnings.push(format!("`{key}` has no effect in cutover and is ignored")),
        }
        Ok(())
    }

    /// `tcp:host\instance,port` (ADO.NET) or `host\instance:port` (JDBC).
    fn address(&mut self, value: &str, dialect: Dialect) -> Result<(), Error> {
        let address = server_address(value, dialect)?;
        self.host = Some(address.host);
        if address.instance.is_some() {
            self.target.instance = address.instance;
        }
        if address.port.is_some() {
            self.port = address.port;
        }
        Ok(())
    }

    fn password(&mut self, key: &str, value: &str, env: &dyn Env) -> Result<(), Error> {
        let (secret, source) = self.secret(key, value, env, "password")?;
        self.target.password = Some(secret);
        self.target.password_source = Some(source);
        Ok(())
    }

    fn access_token(&mut self, key: &str, value: &str, env: &dyn Env) -> Result<(), Error> {
        let (secret, source) = self.secret(key, value, env, "access token")?;
        self.target.access_token = Some(secret);
        self.target.access_token_source = Some(source);
        Ok(())
    }

    /// `${VAR}` reads the environment; anything else is a literal (warned about).
    fn secret(
        &mut self,
        key: &str,
        value: &str,
        env: &dyn Env,
        purpose: &'static str,
    ) -> Result<(Secret, SecretSource), Error> {
        if let Some(var) = env_reference(value) {
            return secret_from_env(env, var, purpose);
        }
        if value.is_empty() {
            return Err(Error::InvalidValue {
                key: key.to_string(),
                problem: "is empty".into(),
                fix: format!("write {key}=${{VAR}} and export VAR, or leave the key out"),
            });
        }
        self.warnings.push(format!(
            "the {purpose} is written literally in the connection string; prefer {key}=${{VAR}} \
             or password_env in cutover.toml so it stays out of shell history"
        ));
        Ok((Secret::new(value), SecretSource::ConnectionString))
    }

    fn finish(mut self) -> Result<Parsed, Error> {
        let host = self.host.filter(|h| !h.is_empty()).ok_or(Error::MissingServer)?;
        self.target.host = host;
        match (self.port, &self.target.instance) {
            (Some(port), _) => self.target.port = port,
            (None, Some(instance)) => return Err(instance_needs_port(instance)),
            (None, None) => self.target.port = DEFAULT_PORT,
        }
        Ok(Parsed { target: self.target, warnings: self.warnings })
    }
}

/// The parts of a server address.
#[derive(Debug, PartialEq, Eq)]
struct Address {
    host: String,
    instance: Option<String>,
    port: Option<u16>,
}

fn server_address(value: &str, dialect: Dialect) -> Result<Address, Error> {
    let value = strip_protocol(value.trim())?;
    let (rest, port) = split_port(value, dialect)?;
    let (host, instance) = match rest.split_once('\\') {
        Some((h, i)) if !i.is_empty() => (h, Some(i.to_string())),
        Some((h, _)) => (h, None),
        None => (rest, None),
    };
    let host = match host.trim() {
        "." | "(local)" | "(localdb)" => "localhost",
        other => other.trim_start_matches('[').trim_end_matches(']'),
    };
    if host.is_empty() {
        return Err(Error::MissingServer);
    }
    Ok(Address { host: host.to_string(), instance, port })
}

fn strip_protocol(value: &str) -> Result<&str, Error> {
    let Some((prefix, rest)) = value.split_once(':') else {
        return Ok(value);
    };
    match prefix.to_ascii_lowercase().as_str() {
        "tcp" => Ok(rest),
        "np" | "lpc" | "admin" => Err(Error::Unsupported {
            what: format!("the `{prefix}:` protocol in Server="),
            fix: "cutover connects over TCP only: use Server=tcp:host,port".into(),
        }),
        _ => Ok(value),
    }
}

/// ADO.NET puts the port after a comma; JDBC after the last colon (outside `[…]`).
fn split_port(value: &str, dialect: Dialect) -> Result<(&str, Option<u16>), Error> {
    let split = match dialect {
        Dialect::AdoNet => value.rsplit_once(','),
        Dialect::Jdbc => value.rsplit_once(':').filter(|(h, _)| !h.contains('[') || h.ends_with(']')),
    };
    match split {
        Some((host, port)) => Ok((host, Some(parse_port("Server", port)?))),
        None => Ok((value, None)),
    }
}

fn parse_port(key: &str, value: &str) -> Result<u16, Error> {
    match value.trim().parse::<u16>() {
        Ok(port) if port > 0 => Ok(port),
        _ => Err(Error::InvalidValue {
            key: key.to_string(),
            problem: format!("has port `{}`, which is not a number from 1 to 65535", shown(value)),
            fix: "write the TCP port, e.g. Server=tcp:host,1433".into(),
        }),
    }
}

fn parse_bool(key: &str, value: &str) -> Result<bool, Error> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" => Ok(true),
        "false" | "no" => Ok(false),
        _ => Err(Error::InvalidValue {
            key: key.to_string(),
            problem: format!("is `{}`", shown(value)),
            fix: format!("write {key}=true or {key}=false"),
        }),
    }
}

fn parse_encryption(key: &str, value: &str) -> Result<Encryption, Error> {
    let word: String = value.chars().filter(|c| c.is_alphanumeric()).collect();
    match word.to_ascii_lowercase().as_str() {
        "true" | "yes" | "mandatory" | "required" => Ok(Encryption::Required),
        "false" | "no" | "optional" => Ok(Encryption::Off),
        "strict" => Ok(Encryption::Strict),
        "notsupported" => Ok(Encryption::NotSupported),
        _ => Err(Error::InvalidValue {
            key: key.to_string(),
            problem: format!("is `{}`", shown(value)),
            fix: format!(
                "write {key}=true (the default), {key}=strict (TDS 8.0), {key}=false (only the login \
                 is encrypted) or {key}=NotSupported (no TLS; the simulator's --no-tls mode)"
            ),
        }),
    }
}

/// Whole seconds; `0` means no limit (as in ADO.NET).
fn parse_seconds(key: &str, value: &str) -> Result<Option<Duration>, Error> {
    match value.trim().parse::<u64>() {
        Ok(0) => Ok(None),
        Ok(secs) => Ok(Some(Duration::from_secs(secs))),
        Err(_) => Err(Error::InvalidValue {
            key: key.to_string(),
            problem: format!("is `{}`, not a whole number of seconds", shown(value)),
            fix: format!("write e.g. {key}=30 (0 means no limit)"),
        }),
    }
}

fn integrated_security(key: &str, value: &str) -> Result<(), Error> {
    if parse_bool(key, value).unwrap_or(true) {
        return Err(Error::Unsupported {
            what: format!("{key}={value} (Windows / Kerberos authentication)"),
            fix: "use a SQL login (User Id=…;Password=${VAR}) or an Entra ID access token \
                  (access_token_env in cutover.toml)"
                .into(),
        });
    }
    Ok(())
}

fn instance_needs_port(instance: &str) -> Error {
    Error::Unsupported {
        what: format!("named instance `{instance}` without a port"),
        fix: format!(
            "cutover does not query SQL Browser: add the instance's TCP port, e.g. Server=tcp:host\\{instance},1433"
        ),
    }
}

/// A non-secret value, shortened for a message.
fn shown(value: &str) -> String {
    let value = value.trim();
    if value.chars().count() > 40 {
        format!("{}…", value.chars().take(40).collect::<String>())
    } else {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn parse(input: &str) -> Parsed {
        ServerTarget::parse(input, &env(&[])).unwrap()
    }

    fn parse_err(input: &str) -> String {
        ServerTarget::parse(input, &env(&[])).unwrap_err().to_string()
    }

    #[test]
    fn ado_full() {
        let p = ServerTarget::parse(
            "Server=tcp:sql1.corp,1533;Database=Sales;User Id=cutover;Password=${SRC_PW};Encrypt=strict;\
             TrustServerCertificate=true;Connect Timeout=5;Command Timeout=120;Application Name=cutover-probe",
            &env(&[("SRC_PW", "s3cret")]),
        )
        .unwrap();
        let t = &p.target;
        assert_eq!((t.host.as_str(), t.port), ("sql1.corp", 1533));
        assert_eq!(t.database.as_deref(), Some("Sales"));
        assert_eq!(t.user.as_deref(), Some("cutover"));
        assert_eq!(t.password.as_ref().map(Secret::expose), Some("s3cret"));
        assert_eq!(t.password_source, Some(SecretSource::Env("SRC_PW".into())));
        assert_eq!(t.encryption, Encryption::Strict);
        assert!(t.trust_server_certificate);
        assert_eq!(t.connect_timeout, Some(Duration::from_secs(5)));
        assert_eq!(t.command_timeout, Some(Duration::from_secs(120)));
        assert_eq!(t.application_name, "cutover-probe");
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
    }

    #[test]
    fn ado_defaults() {
        let t = parse("Data Source=h;Initial Catalog=d;UID=u").target;
        assert_eq!((t.host.as_str(), t.port), ("h", 1433));
        assert_eq!(t.encryption, Encryption::Required);
        assert!(!t.trust_server_certificate);
        assert_eq!(t.connect_timeout, Some(Duration::from_secs(15)));
        assert_eq!(t.command_timeout, Some(Duration::from_secs(30)));
        assert_eq!(t.application_name, "cutover");
    }

    #[test]
    fn encrypt_values() {
        assert_eq!(parse("Server=h;Encrypt=false").target.encryption, Encryption::Off);
        assert_eq!(parse("Server=h;Encrypt=Yes").target.encryption, Encryption::Required);
        assert_eq!(parse("Server=h;Encrypt=NotSupported").target.encryption, Encryption::NotSupported);
        assert_eq!(parse("Server=h;Encrypt=not_supported").target.encryption, Encryption::NotSupported);
        let err = parse_err("Server=h;Encrypt=maybe");
        assert!(err.contains("`Encrypt`") && err.contains("maybe") && err.contains("strict"), "{err}");
    }

    #[test]
    fn instances_and_local_names() {
        let t = parse("Server=.\\SQLEXPRESS,1500").target;
        assert_eq!((t.host.as_str(), t.instance.as_deref(), t.port), ("localhost", Some("SQLEXPRESS"), 1500));
        let err = parse_err("Server=h\\INST");
        assert!(err.contains("INST") && err.contains("port"), "{err}");
    }

    #[test]
    fn jdbc() {
        let t = ServerTarget::parse(
            "jdbc:sqlserver://sql2:1444;databaseName=db;user=u;password=${PW};encrypt=false;\
             trustServerCertificate=true;loginTimeout=7",
            &env(&[("PW", "x")]),
        )
        .unwrap()
        .target;
        assert_eq!((t.host.as_str(), t.port), ("sql2", 1444));
        assert_eq!(t.database.as_deref(), Some("db"));
        assert_eq!(t.encryption, Encryption::Off);
        assert!(t.trust_server_certificate);
        assert_eq!(t.connect_timeout, Some(Duration::from_secs(7)));
        let t = parse("jdbc:sqlserver://;serverName=h;instanceName=I;portNumber=1600").target;
        assert_eq!((t.host.as_str(), t.instance.as_deref(), t.port), ("h", Some("I"), 1600));
        let t = parse("jdbc:sqlserver://[::1]:1500").target;
        assert_eq!((t.host.as_str(), t.port), ("::1", 1500));
    }

    #[test]
    fn bad_port_names_the_key() {
        let err = parse_err("Server=tcp:h,14x3");
        assert!(err.contains("`Server`") && err.contains("14x3") && err.contains("1 to 65535"), "{err}");
        let err = parse_err("jdbc:sqlserver://;serverName=h;portNumber=70000");
        assert!(err.contains("`portNumber`"), "{err}");
        let err = parse_err("Server=h,0");
        assert!(err.contains("port"), "{err}");
    }

    #[test]
    fn bad_timeouts_and_bools() {
        let err = parse_err("Server=h;Connect Timeout=soon");
        assert!(err.contains("`Connect Timeout`") && err.contains("seconds"), "{err}");
        assert_eq!(parse("Server=h;Command Timeout=0").target.command_timeout, None);
        let err = parse_err("Server=h;TrustServerCertificate=sure");
        assert!(err.contains("TrustServerCertificate=true"), "{err}");
    }

    #[test]
    fn unknown_and_no_effect_keys_warn() {
        let p = parse("Server=h;Frobnicate=1;Pooling=false");
        assert_eq!(p.warnings.len(), 2, "{:?}", p.warnings);
        assert!(p.warnings[0].contains("Frobnicate"));
        assert!(p.warnings[1].contains("Pooling"));
    }

    #[test]
    fn missing_server() {
        assert!(parse_err("Database=d").contains("Server=tcp:host,1433"));
        assert!(parse_err("Server=").contains("no server"));
    }

    #[test]
    fn unsupported_protocols_and_integrated_security() {
        assert!(parse_err("Server=np:\\\\h\\pipe\\sql\\query").contains("TCP only"));
        assert!(parse_err("Server=h;Integrated Security=SSPI").contains("SQL login"));
        assert!(parse("Server=h;Integrated Security=false").warnings.is_empty());
    }

    #[test]
    fn literal_password_is_kept_but_warned() {
        let p = parse("Server=h;User Id=u;Password='a;b'");
        assert_eq!(p.target.password.as_ref().map(Secret::expose), Some("a;b"));
        assert_eq!(p.target.password_source, Some(SecretSource::ConnectionString));
        assert!(p.warnings.iter().any(|w| w.contains("literally")));
        assert!(p.warnings.iter().all(|w| !w.contains("a;b")));
    }

    #[test]
    fn password_env_missing_names_the_variable() {
        let err = parse_err("Server=h;User Id=u;Password=${NOPE}");
        assert!(err.contains("NOPE") && err.contains("export"), "{err}");
    }

    #[test]
    fn cutover_password_is_the_fallback() {
        let e = env(&[("CUTOVER_PASSWORD", "fallback")]);
        let t = ServerTarget::parse("Server=h;User Id=u", &e).unwrap().target;
        assert_eq!(t.password.as_ref().map(Secret::expose), Some("fallback"));
        assert_eq!(t.password_source, Some(SecretSource::Env("CUTOVER_PASSWORD".into())));
        let t = ServerTarget::parse(
            "Server=h;User Id=u;Password=${X}",
            &env(&[("X", "x"), ("CUTOVER_PASSWORD", "f")]),
        )
        .unwrap()
        .target;
        assert_eq!(t.password.as_ref().map(Secret::expose), Some("x"));
        let t = ServerTarget::parse("Server=h", &e).unwrap().target;
        assert!(t.password.is_none());
    }

    #[test]
    fn access_token_from_env() {
        let t = ServerTarget::parse("Server=h;AccessToken=${TOK}", &env(&[("TOK", "eyJ")])).unwrap().target;
        assert_eq!(t.access_token.as_ref().map(Secret::expose), Some("eyJ"));
        assert_eq!(t.to_string(), "h,1433 (access token)");
        assert!(t.to_config().is_ok());
    }
}
