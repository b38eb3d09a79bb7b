//! Shared bench setup: an in-process simulator and raw tiberius clients (the physical limit the
//! issue names: what a client can pull through the protocol).
#![allow(dead_code)]

use cutover_sim::engine::runtime::{Identity, Instance, InstanceConfig, LoginDef};
use cutover_sim::server::{ServerConfig, SimServer, TlsMode};
use tiberius::{AuthMethod, Client, Config, EncryptionLevel};
use tokio::net::TcpStream;
use tokio_util::compat::{Compat, TokioAsyncWriteCompatExt};

pub const PASSWORD: &str = "Bench-Passw0rd";

pub async fn start_sim() -> SimServer {
    let config = InstanceConfig {
        name: "SIM-BENCH".into(),
        data_dir: None,
        logins: vec![LoginDef::sysadmin("bench", PASSWORD)],
        identity: Identity::sqlserver_2022(),
        profile: cutover_sim::profile::Profile::default_profile(),
    };
    let instance = Instance::start(config).expect("simulator starts");
    instance.create_database("bench").expect("database");
    SimServer::start(instance, ServerConfig { tls: TlsMode::Disabled, ..Default::default() }).await.expect("server")
}

/// A raw tiberius client (no cutover layer), unencrypted, to the bench database.
pub async fn raw_client(server: &SimServer) -> Client<Compat<TcpStream>> {
    let mut config = Config::new();
    config.host("127.0.0.1");
    config.port(server.local_addr().port());
    config.database("bench");
    config.authentication(AuthMethod::sql_server("bench", PASSWORD));
    config.encryption(EncryptionLevel::NotSupported);
    let tcp = TcpStream::connect(config.get_addr()).await.expect("tcp");
    tcp.set_nodelay(true).expect("nodelay");
    Client::connect(config, tcp.compat_write()).await.expect("login")
}

/// Creates `dbo.wide` (id bigint PK, qty int, price decimal(12,2), name nvarchar(40), placed
/// datetime2) and loads `rows` rows in 1,000-row INSERT batches; returns the seconds taken.
pub async fn load_wide(client: &mut Client<Compat<TcpStream>>, rows: u64) -> f64 {
    client
        .simple_query(
            "CREATE TABLE dbo.wide (id bigint NOT NULL PRIMARY KEY, qty int NOT NULL, price decimal(12,2) NOT NULL, \
             name nvarchar(40) NOT NULL, placed datetime2(7) NOT NULL)",
        )
        .await
        .expect("create")
        .into_results()
        .await
        .expect("create done");
    let started = std::time::Instant::now();
    let mut id = 0u64;
    while id < rows {
        let end = (id + 1000).min(rows);
        let values: Vec<String> = (id..end)
            .map(|i| {
                format!(
                    "({i},{},{}.{:02},N'customer {}','2024-01-01 00:00:00.{:07}')",
                    i % 100,
                    i % 1000,
                    i % 100,
                    i % 5000,
                    i % 10_000_000
                )
            })
            .collect();
        let sql = format!("INSERT INTO dbo.wide (id, qty, price, name, placed) VALUES {}", values.join(","));
        client.execute(sql, &[]).await.expect("insert");
        id = end;
    }
    started.elapsed().as_secs_f64()
}
