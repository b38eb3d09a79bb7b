//! Every query of the catalog runs on every simulator profile (through cutover's connection
//! layer, over TDS) and returns the columns the generic loop reads.

use cutover_collector::catalog::{self, Tier};
use cutover_sim::engine::runtime::{Instance, InstanceConfig, LoginDef};
use cutover_sim::profile::Profile;
use cutover_sim::server::{ServerConfig, SimServer, TlsMode};

const PASSWORD: &str = "Test-Passw0rd!";

pub async fn start(profile: &str) -> (SimServer, cutover_mssql::Connection) {
    let profile = Profile::named(profile).expect("profile exists");
    let config =
        InstanceConfig::for_profile("SIM-CAT", profile, vec![LoginDef::sysadmin("cutover", PASSWORD)]);
    let instance = Instance::start(config).expect("simulator starts");
    instance.create_database("shop").expect("database");
    let server = SimServer::start(instance, ServerConfig { tls: TlsMode::Disabled, ..Default::default() })
        .await
        .expect("server starts");
    let conn = format!(
        "Server=tcp:127.0.0.1,{};Database=shop;User Id=cutover;Password={PASSWORD};Encrypt=not_supported",
        server.local_addr().port()
    );
    let target = cutover_mssql::resolve(&conn, None, &cutover_mssql::SystemEnv).expect("parses").target;
    let conn = cutover_mssql::connect(&target).await.expect("connects");
    (server, conn)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_query_runs_on_every_profile() {
    let mut failures = Vec::new();
    for profile in ["sqlserver-2019", "sqlserver-2022", "mi-gp", "mi-bc"] {
        let (_server, mut conn) = start(profile).await;
        let identity = cutover_mssql::read_identity(&mut conn).await.expect("identity");
        conn.simple_query(catalog::SESSION_SQL).await.expect("session settings");
        let mut queries: Vec<(String, &str)> = vec![("clock".into(), catalog::CLOCK_SQL)];
        for tier in [Tier::Fast, Tier::Queries] {
            for (f, sql) in catalog::plan(tier, identity.family, identity.major_version) {
                queries.push((f.name.to_string(), sql));
            }
        }
        queries.push(("query_text".into(), catalog::QUERY_TEXT_SQL));
        queries.extend(catalog::CONFIG_QUERIES.iter().map(|(n, s)| (n.to_string(), *s)));
        queries.push(("physical_names".into(), catalog::PHYSICAL_NAMES_SQL));
        for (name, sql) in queries {
            match conn.query_rows(sql, &[]).await {
                Ok(rows) => eprintln!("{profile} {name}: {} rows", rows.len()),
                Err(e) => failures.push(format!("{profile} {name}: {e}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
