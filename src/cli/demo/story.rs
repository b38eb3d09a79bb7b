//! The demo's data: the order-entry workload seeded on both sides, one planted difference on the
//! target, and the gate file that checks them (written to the output folder for the reader).

use super::sims::{PASSWORD_ENV, Side};
use anyhow::Context;
use cutover_mssql::Env;

/// The one difference the demo plants on the target, and how the report names it.
pub const PLANTED_TABLE: &str = "dbo.customers";
pub const PLANTED_KEY: &str = "customer_id=42";
pub const PLANTED_COLUMN: &str = "email";
const PLANT_SQL: &str = "UPDATE dbo.customers SET email = N'moved@example.invalid' WHERE customer_id = 42";

/// Secrets for the demo's connections: its own password, nothing else from the environment.
pub struct DemoEnv(pub String);

impl Env for DemoEnv {
    fn var(&self, name: &str) -> Option<String> {
        (name == PASSWORD_ENV).then(|| self.0.clone())
    }
}

async fn connect(side: &Side, env: &DemoEnv) -> anyhow::Result<cutover_mssql::Connection> {
    let conn = format!("{};Password=${{{PASSWORD_ENV}}}", side.connection());
    let target = cutover_mssql::resolve(&conn, None, env)?.target;
    cutover_mssql::connect(&target)
        .await
        .with_context(|| format!("could not connect to the simulated {}", side.role))
}

/// Creates the order-entry tables and fills them with the same deterministic rows.
pub async fn seed(side: &Side, env: &DemoEnv) -> anyhow::Result<u64> {
    let workload = cutover_workloads::bundled::load("orders")?;
    let mut conn = connect(side, env).await?;
    let report = cutover_workloads::setup::init(&mut conn, &workload, 1, |_, _, _| {})
        .await
        .with_context(|| format!("could not seed the order-entry workload on the {}", side.role))?;
    let _ = conn.close().await;
    Ok(report.rows.iter().map(|(_, n)| n).sum())
}

/// Changes one customer's email on the target: the difference validation must find.
pub async fn plant(side: &Side, env: &DemoEnv) -> anyhow::Result<()> {
    let mut conn = connect(side, env).await?;
    conn.simple_query(PLANT_SQL).await.context("could not plant the demo's difference on the target")?;
    let _ = conn.close().await;
    Ok(())
}

/// The gate file for this run, as a user would write it for their own servers.
pub fn gate_toml(source: &Side, target: &Side, seconds: u64, rate: &str) -> String {
    format!(
        r#"# Written by `cutover demo`: the gate it ran. The two servers were simulators in the demo's
# process (gone now); point source and target at your own servers to run it yourself:
#   cutover gate --policy gate.toml        (docs/gate.md)
name = "demo: SQL Server 2019 -> Managed Instance General Purpose"
source = "source"
target = "target"

[servers.source]
connection = "{src}"
password_env = "{PASSWORD_ENV}"

[servers.target]
connection = "{tgt}"
password_env = "{PASSWORD_ENV}"

[validate]
tables = ["dbo.*"]
mode = "rows"

[performance.run]
workload = "orders"          # bundled order-entry OLTP mix (workloads/orders.toml)
duration = "{seconds}s"      # replayed on each side while the collector samples it
rate = "{rate}"
interval = "1s"
allow_writes = true          # the demo's simulators are disposable copies
"#,
        src = source.connection(),
        tgt = target.connection(),
    )
}
