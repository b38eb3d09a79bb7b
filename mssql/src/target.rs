//! [`ServerTarget`]: one SQL Server to connect to, parsed and validated, with
//! secrets held as [`Secret`]s. Built by [`ServerTarget::parse`] (a connection
//! string) or [`crate::config::resolve`] (a string or a name in
//! `cutover.toml`); turned into a tiberius [`tiberius::Config`] by
//! [`ServerTarget::to_config`]. `Display` shows `host,port/database (user)`.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::Serialize;
use tiberius::{AuthMethod, Config, EncryptionLevel};

use crate::error::Error;
use crate::secret::{Secret, SecretSource};

/// The default TCP port.
pub const DEFAULT_PORT: u16 = 1433;
/// The default `Connect Timeout` (TCP + TLS + login).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// The default `Command Timeout`.
pub const DEFAULT_COMMAND_TIMEOUT: Duration = Duration::from_secs(30);
/// The default `Application Name`, visible in `sys.dm_exec_sessions.program_name`.
pub const DEFAULT_APPLICATION_NAME: &str = "cutover";

/// How the connection is encrypted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Encryption {
    /// Everything encrypted, certificate validated (the default; `Encrypt=true`).
    #[default]
    Required,
    /// Only the login is encrypted (`Encrypt=false`, an explicit opt-in).
    Off,
    /// TDS 8.0 strict: TLS before anything else (`Encrypt=strict`).
    Strict,
    /// No TLS at all, not even for the login (`Encrypt=NotSupported`); only
    /// for the embedded simulator's `--no-tls` mode.
    NotSupported,
}

impl Encryption {
    /// The tiberius level for this setting.
    pub fn level(self) -> EncryptionLevel {
        match self {
            Self::Required => EncryptionLevel::Required,
            Self::Off => EncryptionLevel::Off,
            Self::Strict => EncryptionLevel::Strict,
            Self::NotSupported => EncryptionLevel::NotSupported,
        }
    }
}

/// A server to connect to. Fields are public so tests and the simulator can
/// build one directly; `parse`/`resolve` are the validated way in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServerTarget {
    /// Its name in `cutover.toml`, when it came from there.
    pub name: Option<String>,
    /// Host name or IP address.
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Named instance (informational: the port is what connects).
    pub instance: Option<String>,
    /// Database to open; the login's default database when `None`.
    pub database: Option<String>,
    /// SQL login name.
    pub user: Option<String>,
    /// SQL login password.
    pub password: Option<Secret>,
    /// Where the password came from.
    pub password_source: Option<SecretSource>,
    /// Entra ID (Azure AD) access token; used instead of user/password.
    pub access_token: Option<Secret>,
    /// Where the token came from.
    pub access_token_source: Option<SecretSource>,
    /// Encryption mode.
    pub encryption: Encryption,
    /// Accept any server certificate (explicit opt-in; insecure).
    pub trust_server_certificate: bool,
    /// Extra CA certificate (PEM or DER) to trust for this server.
    pub ca_file: Option<PathBuf>,
    /// Name expected in the server certificate, when it differs from `host`.
    pub hostname_in_certificate: Option<String>,
    /// Bound on TCP connect + TLS + login; `None` waits forever.
    pub connect_timeout: Option<Duration>,
    /// Bound on each command; `None` waits forever.
    pub command_timeout: Option<Duration>,
    /// `Application Name`.
    pub application_name: String,
}

impl ServerTarget {
    /// A target for `host:port` with every default (TLS required, certificate
    /// validated, 15 s connect timeout, 30 s command timeout) and no credentials.
    pub fn new(host: impl Into<String>, port: u16) -> Self {
        Self {
            name: None,
            host: host.into(),
            port,
            instance: None,
            database: None,
            user: None,
            password: None,
            password_source: None,
            access_token: None,
            access_token_source: None,
            encryption: Encryption::default(),
            trust_server_certificate: false,
            ca_file: None,
            hostname_in_certificate: None,
            connect_timeout: Some(DEFAULT_CONNECT_TIMEOUT),
            command_timeout: Some(DEFAULT_COMMAND_TIMEOUT),
            application_name: DEFAULT_APPLICATION_NAME.to_string(),
        }
    }

    /// `host:port`, the TCP address.
    pub fn addr(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The name to put in a `GRANT … TO [name]`: the SQL login, if known.
    pub fn login(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// Builds the tiberius configuration. Fails when credentials are missing
    /// or trust settings contradict each other.
    pub fn to_config(&self) -> Result<Config, Error> {
        let mut config = Config::new();
        config.host(&self.host);
        config.port(self.port);
        if let Some(instance) = &self.instance {
            config.instance_name(instance);
        }
        if let Some(database) = &self.database {
            config.database(database);
        }
        config.application_name(&self.application_name);
        config.encryption(self.encryption.level());
        self.apply_trust(&mut config)?;
        config.authentication(self.auth_method()?);
        config.handshake_timeout(self.connect_timeout);
        config.command_timeout(self.command_timeout);
        Ok(config)
    }

    fn apply_trust(&self, config: &mut Config) -> Result<(), Error> {
        if let Some(name) = &self.hostname_in_certificate {
            config.hostname_in_certificate(name);
        }
        match (&self.ca_file, self.trust_server_certificate) {
            (Some(_), true) => Err(Error::InvalidValue {
                key: "TrustServerCertificate".into(),
                problem: "cannot be combined with a CA file".into(),
                fix:
                    "keep TrustServerCertificateCA=/path/ca.pem (safer) and drop TrustServerCertificate=true"
                        .into(),
            }),
            (Some(path), false) => {
                config.trust_cert_ca(path.display());
                Ok(())
            }
            (None, true) => {
                config.trust_cert();
                Ok(())
            }
            (None, false) => Ok(()),
        }
    }

    fn auth_method(&self) -> Result<AuthMethod, Error> {
        if let Some(token) = &self.access_token {
            return Ok(AuthMethod::aad_token(token.expose()));
        }
        let Some(user) = &self.user else {
            return Err(Error::MissingCredentials {
                server: self.to_string(),
                fix: "add User Id=<login> to the connection string, or set access_token_env / \
                      access_token_file for an Entra ID token in cutover.toml"
                    .into(),
            });
        };
        let Some(password) = &self.password else {
            return Err(Error::MissingCredentials {
                server: self.to_string(),
                fix: format!(
                    "no password for `{user}`: write Password=${{VAR}} in the connection string, set \
                     password_env or password_file in cutover.toml, or export CUTOVER_PASSWORD"
                ),
            });
        };
        Ok(AuthMethod::sql_server(user, password.expose()))
    }
}

impl fmt::Display for ServerTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.host)?;
        if let Some(instance) = &self.instance {
            write!(f, "\\{instance}")?;
        }
        write!(f, ",{}", self.port)?;
        if let Some(database) = &self.database {
            write!(f, "/{database}")?;
        }
        match (&self.user, &self.access_token) {
            (_, Some(_)) => f.write_str(" (access token)"),
            (Some(user), None) => write!(f, " ({user})"),
            (None, None) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> ServerTarget {
        let mut t = ServerTarget::new("sql1.corp", 1433);
        t.database = Some("Sales".into());
        t.user = Some("cutover".into());
        t.password = Some(Secret::new("pa55word!"));
        t
    }

    #[test]
    fn display_is_host_port_database_user() {
        assert_eq!(target().to_string(), "sql1.corp,1433/Sales (cutover)");
        let mut t = ServerTarget::new("h", 1500);
        t.instance = Some("INST".into());
        assert_eq!(t.to_string(), "h\\INST,1500");
    }

    #[test]
    fn debug_and_serde_hide_secrets() {
        let mut t = target();
        t.access_token = Some(Secret::new("eyJtoken"));
        let debug = format!("{t:?} {t:#?}");
        let json = serde_json::to_string(&t).unwrap();
        for text in [debug, json, t.to_string()] {
            assert!(!text.contains("pa55word!") && !text.contains("eyJtoken"), "{text}");
        }
    }

    #[test]
    fn defaults_are_safe() {
        let t = ServerTarget::new("h", 1433);
        assert_eq!(t.encryption, Encryption::Required);
        assert!(!t.trust_server_certificate);
        assert_eq!(t.connect_timeout, Some(Duration::from_secs(15)));
        assert_eq!(t.command_timeout, Some(Duration::from_secs(30)));
        assert_eq!(t.application_name, "cutover");
    }

    #[test]
    fn config_carries_settings() {
        let config = target().to_config().unwrap();
        assert_eq!(config.get_addr(), "sql1.corp:1433");
        assert_eq!(config.get_command_timeout(), Some(Duration::from_secs(30)));
        assert_eq!(config.get_handshake_timeout(), Some(Duration::from_secs(15)));
    }

    #[test]
    fn missing_credentials_say_how_to_fix() {
        let mut t = target();
        t.password = None;
        let err = t.to_config().unwrap_err().to_string();
        assert!(err.contains("CUTOVER_PASSWORD") && err.contains("password_env"), "{err}");
        t.user = None;
        let err = t.to_config().unwrap_err().to_string();
        assert!(err.contains("User Id"), "{err}");
    }

    #[test]
    fn trust_and_ca_file_conflict_is_an_error_not_a_panic() {
        let mut t = target();
        t.trust_server_certificate = true;
        t.ca_file = Some("/etc/ca.pem".into());
        let err = t.to_config().unwrap_err().to_string();
        assert!(err.contains("TrustServerCertificate"), "{err}");
    }
}
