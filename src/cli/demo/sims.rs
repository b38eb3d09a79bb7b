//! The demo's two simulated instances: a SQL Server 2019 source and a General Purpose Managed
//! Instance target, in this process, on free ports of 127.0.0.1, with TLS on.

use anyhow::Context;
use cutover_sim::engine::runtime::{Instance, InstanceConfig, LoginDef};
use cutover_sim::profile::Profile;
use cutover_sim::server::{ServerConfig, SimServer};

/// The demo's login (the password comes from [`PASSWORD_ENV`], never from the gate file).
pub const USER: &str = "cutover";
/// The environment variable the demo's gate file names for the password.
pub const PASSWORD_ENV: &str = "CUTOVER_DEMO_PASSWORD";
/// The database both instances hold.
pub const DATABASE: &str = "shop";

/// One running simulated instance.
pub struct Side {
    pub role: &'static str,
    pub server: SimServer,
}

impl Side {
    /// The ADO.NET connection string without the password.
    pub fn connection(&self) -> String {
        format!("{};Database={DATABASE}", self.server.connection_string(USER))
    }
}

/// Starts one instance with the demo login and an empty `shop` database.
pub async fn start(
    role: &'static str,
    profile: &'static str,
    name: &str,
    password: &str,
) -> anyhow::Result<Side> {
    let p = Profile::named(profile).with_context(|| format!("the simulator has no profile {profile}"))?;
    let config = InstanceConfig {
        name: name.to_string(),
        data_dir: None,
        logins: vec![LoginDef::sysadmin(USER, password)],
        identity: p.identity(name),
        profile: p,
    };
    let instance = Instance::start(config)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("could not start the simulated {role} ({profile})"))?;
    instance
        .create_database(DATABASE)
        .map_err(|e| anyhow::anyhow!("{e}"))
        .with_context(|| format!("could not create database {DATABASE} on the {role}"))?;
    let server = SimServer::start(instance, ServerConfig::default())
        .await
        .with_context(|| format!("could not listen on 127.0.0.1 for the simulated {role}"))?;
    Ok(Side { role, server })
}
