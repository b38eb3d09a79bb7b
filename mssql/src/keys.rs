//! The connection-string key table: every key cutover understands, its
//! aliases across ADO.NET and JDBC, and what it sets. One lookup,
//! [`field_for`], drives the parser.

/// What a connection-string key sets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `Server=tcp:host\instance,port`
    Server,
    /// JDBC `serverName=`
    Host,
    /// JDBC `instanceName=`
    Instance,
    /// JDBC `portNumber=`
    Port,
    /// `Database=`, `Initial Catalog=`, `databaseName=`
    Database,
    /// `User Id=`, `UID=`, `user=`
    User,
    /// `Password=`, `PWD=`
    Password,
    /// `AccessToken=${VAR}` (an Entra ID token)
    AccessToken,
    /// `Encrypt=true|false|strict|NotSupported`
    Encrypt,
    /// `TrustServerCertificate=true|false`
    TrustServerCertificate,
    /// `TrustServerCertificateCA=/path/ca.pem`
    CaFile,
    /// `HostNameInCertificate=`
    HostNameInCertificate,
    /// `Connect Timeout=` seconds
    ConnectTimeout,
    /// `Command Timeout=` seconds
    CommandTimeout,
    /// `Application Name=`
    ApplicationName,
    /// `Integrated Security=` (not supported when true)
    IntegratedSecurity,
    /// Known, accepted, but without effect in cutover.
    NoEffect,
}

/// Canonical key (lower case, no spaces or underscores) → field.
const KEYS: &[(&str, Field)] = &[
    ("server", Field::Server),
    ("datasource", Field::Server),
    ("address", Field::Server),
    ("addr", Field::Server),
    ("networkaddress", Field::Server),
    ("servername", Field::Host),
    ("instancename", Field::Instance),
    ("portnumber", Field::Port),
    ("port", Field::Port),
    ("database", Field::Database),
    ("initialcatalog", Field::Database),
    ("databasename", Field::Database),
    ("userid", Field::User),
    ("uid", Field::User),
    ("user", Field::User),
    ("username", Field::User),
    ("password", Field::Password),
    ("pwd", Field::Password),
    ("accesstoken", Field::AccessToken),
    ("encrypt", Field::Encrypt),
    ("trustservercertificate", Field::TrustServerCertificate),
    ("trustservercertificateca", Field::CaFile),
    ("cafile", Field::CaFile),
    ("hostnameincertificate", Field::HostNameInCertificate),
    ("connecttimeout", Field::ConnectTimeout),
    ("connectiontimeout", Field::ConnectTimeout),
    ("timeout", Field::ConnectTimeout),
    ("logintimeout", Field::ConnectTimeout),
    ("commandtimeout", Field::CommandTimeout),
    ("querytimeout", Field::CommandTimeout),
    ("applicationname", Field::ApplicationName),
    ("app", Field::ApplicationName),
    ("integratedsecurity", Field::IntegratedSecurity),
    ("trustedconnection", Field::IntegratedSecurity),
    ("authentication", Field::NoEffect),
    ("pooling", Field::NoEffect),
    ("maxpoolsize", Field::NoEffect),
    ("minpoolsize", Field::NoEffect),
    ("persistsecurityinfo", Field::NoEffect),
    ("multipleactiveresultsets", Field::NoEffect),
    ("multisubnetfailover", Field::NoEffect),
    ("applicationintent", Field::NoEffect),
    ("packetsize", Field::NoEffect),
    ("workstationid", Field::NoEffect),
    ("connectretrycount", Field::NoEffect),
    ("connectretryinterval", Field::NoEffect),
    ("sendstringparametersasunicode", Field::NoEffect),
];

/// The field a canonical key sets, or `None` for an unknown key.
pub fn field_for(canonical_key: &str) -> Option<Field> {
    KEYS.iter().find(|(k, _)| *k == canonical_key).map(|&(_, f)| f)
}

/// True for fields whose values are secrets and must never be echoed.
pub fn is_secret(field: Field) -> bool {
    matches!(field, Field::Password | Field::AccessToken)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connstr::canonical;

    #[test]
    fn aliases() {
        assert_eq!(field_for(&canonical("User ID")), Some(Field::User));
        assert_eq!(field_for(&canonical("Initial Catalog")), Some(Field::Database));
        assert_eq!(field_for(&canonical("trustServerCertificate")), Some(Field::TrustServerCertificate));
        assert_eq!(field_for("nonsense"), None);
    }

    #[test]
    fn keys_are_canonical_and_unique() {
        for (i, (k, _)) in KEYS.iter().enumerate() {
            assert_eq!(&canonical(k), k);
            assert!(KEYS[i + 1..].iter().all(|(o, _)| o != k), "duplicate {k}");
        }
    }
}
