//! [`connect`] and [`Connection`]: a tiberius client over TCP with the
//! target's connect timeout (TCP + TLS + login), command timeout and error
//! context applied. TLS and certificate validation follow the target (on by
//! default). One Azure gateway redirect is followed.
//!
//! After a timeout or a network failure the connection is marked broken:
//! further calls fail fast with [`Error::Broken`] (retryable) until
//! [`Connection::reconnect`].

use std::future::Future;
use std::time::Duration;

use tiberius::error::Error as TdsError;
use tiberius::{Client, Config, FromSqlOwned, QueryStream, Row, ToSql};
use tokio::net::TcpStream;
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

use crate::classify::ErrorKind;
use crate::convert::{command_error, command_timeout, connect_error, connect_timeout, statement_first_line};
use crate::error::Error;
use crate::target::ServerTarget;

/// The tiberius client type cutover uses.
pub type TdsClient = Client<Compat<TcpStream>>;

/// Redirects followed at most (Azure SQL gateway → the node).
const MAX_REDIRECTS: usize = 1;

/// Opens a connection to `target`, bounded by its connect timeout.
pub async fn connect(target: &ServerTarget) -> Result<Connection, Error> {
    let config = target.to_config()?;
    tracing::debug!(server = %target, "connecting");
    if target.trust_server_certificate {
        warn_untrusted_once(target);
    }
    let client = match with_timeout(target.connect_timeout, open(config, target)).await {
        Some(result) => result?,
        None => return Err(connect_timeout(target)),
    };
    Ok(Connection { client, target: target.clone(), broken: false })
}

/// One warning per server and process (tiberius warns on every connection; the CLI silences it).
fn warn_untrusted_once(target: &ServerTarget) {
    static WARNED: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let server = target.to_string();
    let mut warned = WARNED.lock().unwrap_or_else(|p| p.into_inner());
    if !warned.contains(&server) {
        tracing::warn!(
            "{server}: TrustServerCertificate=true, so the server's certificate is not validated \
             (fine for a simulator or a lab; on a real network give TrustServerCertificateCA or install the CA)"
        );
        warned.push(server);
    }
}

/// TCP connect and TDS handshake, following one redirect.
async fn open(mut config: Config, target: &ServerTarget) -> Result<TdsClient, Error> {
    let (mut host, mut port) = (target.host.clone(), target.port);
    for _ in 0..=MAX_REDIRECTS {
        let tcp = TcpStream::connect((host.as_str(), port)).await.map_err(|source| Error::Connect {
            server: target.to_string(),
            addr: format!("{host}:{port}"),
            source,
        })?;
        // Nagle only delays small TDS packets; failure to turn it off is harmless.
        let _ = tcp.set_nodelay(true);
        match Client::connect(config.clone(), tcp.compat_write()).await {
            Ok(client) => return Ok(client),
            Err(TdsError::Routing { host: to_host, port: to_port }) => {
                tracing::debug!(server = %target, %to_host, to_port, "redirected");
                config.host(&to_host);
                config.port(to_port);
                (host, port) = (to_host, to_port);
            }
            Err(e) => return Err(connect_error(e, target)),
        }
    }
    Err(Error::Unsupported {
        what: format!("more than {MAX_REDIRECTS} redirect from {target}"),
        fix: "connect to the server the gateway redirects to directly".into(),
    })
}

/// Runs `fut`, giving up after `limit` (`None`: no limit). `None` on timeout.
async fn with_timeout<F: Future>(limit: Option<Duration>, fut: F) -> Option<F::Output> {
    match limit {
        Some(limit) => tokio::time::timeout(limit, fut).await.ok(),
        None => Some(fut.await),
    }
}

/// An open connection to one server.
pub struct Connection {
    client: TdsClient,
    target: ServerTarget,
    broken: bool,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("target", &self.target.to_string())
            .field("broken", &self.broken)
            .finish()
    }
}

impl Connection {
    /// The target this connection was opened for.
    pub fn target(&self) -> &ServerTarget {
        &self.target
    }

    /// True after a timeout or network failure: reconnect before use.
    pub fn is_broken(&self) -> bool {
        self.broken
    }

    /// The raw client, for streaming and bulk work. Timeouts there are
    /// tiberius's per-response `command_timeout` (set from the target).
    pub fn client_mut(&mut self) -> &mut TdsClient {
        &mut self.client
    }

    /// Replaces the connection with a fresh one to the same target.
    pub async fn reconnect(&mut self) -> Result<(), Error> {
        *self = connect(&self.target).await?;
        Ok(())
    }

    /// Closes the connection politely.
    pub async fn close(self) -> Result<(), Error> {
        let target = self.target;
        self.client.close().await.map_err(|e| command_error(e, &target, ""))
    }

    /// Starts a parameterised query (`@P1`, `@P2`, …) and returns its row
    /// stream; the command timeout bounds the first response, tiberius's
    /// per-response timeout the rest.
    pub async fn query<'a>(
        &'a mut self,
        sql: &'a str,
        params: &'a [&'a dyn ToSql],
    ) -> Result<QueryStream<'a>, Error> {
        self.check_usable()?;
        let limit = self.target.command_timeout;
        let Connection { client, target, broken } = self;
        match with_timeout(limit, client.query(sql, params)).await {
            Some(Ok(stream)) => Ok(stream),
            Some(Err(e)) => Err(failed(target, broken, command_error(e, target, sql))),
            None => Err(failed(target, broken, command_timeout(target, sql))),
        }
    }

    /// Runs a parameterised query and collects its first result set.
    pub async fn query_rows(&mut self, sql: &str, params: &[&dyn ToSql]) -> Result<Vec<Row>, Error> {
        self.check_usable()?;
        let limit = self.target.command_timeout;
        let client = &mut self.client;
        let outcome =
            with_timeout(limit, async { client.query(sql, params).await?.into_first_result().await }).await;
        self.finish(sql, outcome)
    }

    /// Runs a parameterised query and collects every result set.
    pub async fn query_results(&mut self, sql: &str, params: &[&dyn ToSql]) -> Result<Vec<Vec<Row>>, Error> {
        self.check_usable()?;
        let limit = self.target.command_timeout;
        let client = &mut self.client;
        let outcome =
            with_timeout(limit, async { client.query(sql, params).await?.into_results().await }).await;
        self.finish(sql, outcome)
    }

    /// Runs a batch without parameters (never with user input) and collects
    /// every result set.
    pub async fn simple_query(&mut self, sql: &str) -> Result<Vec<Vec<Row>>, Error> {
        self.check_usable()?;
        let limit = self.target.command_timeout;
        let client = &mut self.client;
        let outcome =
            with_timeout(limit, async { client.simple_query(sql).await?.into_results().await }).await;
        self.finish(sql, outcome)
    }

    /// Runs a statement and returns the total rows affected.
    pub async fn execute(&mut self, sql: &str, params: &[&dyn ToSql]) -> Result<u64, Error> {
        self.check_usable()?;
        let limit = self.target.command_timeout;
        let client = &mut self.client;
        let outcome = with_timeout(limit, async { Ok(client.execute(sql, params).await?.total()) }).await;
        self.finish(sql, outcome)
    }

    /// The first column of the first row, or `None` when there is no row or
    /// the value is NULL.
    pub async fn query_scalar<T: FromSqlOwned>(
        &mut self,
        sql: &str,
        params: &[&dyn ToSql],
    ) -> Result<Option<T>, Error> {
        let rows = self.query_rows(sql, params).await?;
        let Some(row) = rows.into_iter().next() else {
            return Ok(None);
        };
        let Some(cell) = row.into_iter().next() else {
            return Ok(None);
        };
        T::from_sql_owned(cell).map_err(|e| Error::Result {
            server: self.target.to_string(),
            statement: statement_first_line(sql),
            detail: e.to_string(),
        })
    }

    fn check_usable(&self) -> Result<(), Error> {
        if self.broken {
            return Err(Error::Broken { server: self.target.to_string() });
        }
        Ok(())
    }

    fn finish<T>(&mut self, sql: &str, outcome: Option<Result<T, TdsError>>) -> Result<T, Error> {
        match outcome {
            Some(Ok(value)) => Ok(value),
            Some(Err(e)) => Err(failed(&self.target, &mut self.broken, command_error(e, &self.target, sql))),
            None => Err(failed(&self.target, &mut self.broken, command_timeout(&self.target, sql))),
        }
    }
}

/// Marks the connection broken when `error` leaves it out of sync.
fn failed(target: &ServerTarget, broken: &mut bool, error: Error) -> Error {
    if matches!(error.kind(), ErrorKind::Connection | ErrorKind::Timeout) {
        *broken = true;
    }
    tracing::debug!(server = %target, error = %error, "query failed");
    error
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn target(port: u16) -> ServerTarget {
        let mut t = ServerTarget::new("127.0.0.1", port);
        t.user = Some("u".into());
        t.password = Some(Secret::new("pw"));
        t
    }

    #[tokio::test]
    async fn refused_connection_is_a_connection_error_naming_the_address() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let err = connect(&target(port)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Connection, "{err}");
        assert!(err.to_string().contains(&format!("127.0.0.1:{port}")), "{err}");
        assert!(err.is_retryable());
    }

    #[tokio::test]
    async fn silent_server_hits_the_connect_timeout() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let accept = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
            drop(socket);
        });
        let mut t = target(port);
        t.connect_timeout = Some(Duration::from_millis(200));
        let err = connect(&t).await.unwrap_err();
        accept.abort();
        assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
        assert!(err.to_string().contains("Connect Timeout="), "{err}");
    }

    #[tokio::test]
    async fn missing_credentials_fail_before_the_network() {
        let mut t = target(1);
        t.password = None;
        let err = connect(&t).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Login);
    }
}
