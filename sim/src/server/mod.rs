//! The simulator's TCP server: accepts connections and speaks TDS to each one.
//!
//! - [`SimServer::start`] binds a port, spawns the accept loop and returns at once; dropping or
//!   [`SimServer::shutdown`] stops it. A closed or misbehaving connection never takes the
//!   server down: each one runs in its own task and its errors end only that connection.
//! - [`connection`] walks one connection through PRELOGIN, TLS, LOGIN7 and requests.
//! - [`worker`] runs the engine session for a connection on its own thread and turns its results
//!   into TDS packets ([`sink`]), streamed back as they are produced.
//! - [`tls`] frames the TLS handshake inside PRELOGIN packets, as TDS requires.

mod bulk;
mod connection;
mod rpc;
mod sink;
pub mod tls;
mod worker;

use crate::engine::runtime::Instance;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Whether the server offers TLS, and whether it insists on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TlsMode {
    /// PRELOGIN answers NOT_SUP: nothing is encrypted (clients must opt out of encryption).
    Disabled,
    /// TLS offered: clients that ask for it get it, including login-only encryption.
    Enabled,
    /// TLS required for every connection.
    Required,
}

/// How to run the server.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    pub bind: SocketAddr,
    pub tls: TlsMode,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig { bind: SocketAddr::from(([127, 0, 0, 1], 0)), tls: TlsMode::Enabled }
    }
}

/// What every connection task shares.
pub(crate) struct Shared {
    pub instance: Instance,
    pub tls: Option<tls::Tls>,
    pub tls_mode: TlsMode,
}

impl Shared {
    /// The name the server reports in ERROR/INFO tokens (@@SERVERNAME).
    pub fn server_name(&self) -> String {
        self.instance.name().to_string()
    }

    /// PRELOGIN / LOGINACK version from the identity's ProductVersion (`16.0.4135.4`).
    pub fn server_version(&self) -> crate::tds::prelogin::ServerVersion {
        let mut parts =
            self.instance.identity().product_version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        let major = parts.next().unwrap_or(16) as u8;
        let minor = parts.next().unwrap_or(0) as u8;
        let build = parts.next().unwrap_or(0) as u16;
        crate::tds::prelogin::ServerVersion { major, minor, build }
    }
}

/// A running simulator server.
pub struct SimServer {
    local_addr: SocketAddr,
    instance: Instance,
    stop: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl SimServer {
    /// Binds `config.bind` and starts accepting connections for `instance`.
    pub async fn start(instance: Instance, config: ServerConfig) -> io::Result<SimServer> {
        let listener = TcpListener::bind(config.bind).await?;
        let local_addr = listener.local_addr()?;
        let tls = match config.tls {
            TlsMode::Disabled => None,
            _ => Some(tls::Tls::generate()?),
        };
        let shared = Arc::new(Shared { instance: instance.clone(), tls, tls_mode: config.tls });
        let (stop, stopped) = watch::channel(false);
        let task = tokio::spawn(accept_loop(listener, shared, stopped));
        Ok(SimServer { local_addr, instance, stop, task: Some(task) })
    }

    /// The address the server listens on (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The simulated instance behind this server.
    pub fn instance(&self) -> &Instance {
        &self.instance
    }

    /// An ADO.NET connection string for this server (the password is not included).
    pub fn connection_string(&self, user: &str) -> String {
        format!(
            "Server=tcp:{},{};User Id={user};TrustServerCertificate=true",
            self.local_addr.ip(),
            self.local_addr.port()
        )
    }

    /// Stops accepting and waits for the accept loop to end. Open connections are closed.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut stopped: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stopped.changed() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let _ = stream.set_nodelay(true);
                    let shared = shared.clone();
                    let stop = stopped.clone();
                    tokio::spawn(async move {
                        if let Err(e) = connection::serve(stream, peer, shared, stop).await {
                            tracing::debug!(%peer, error = %e, "connection ended");
                        }
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
            }
        }
    }
}
