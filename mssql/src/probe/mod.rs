//! [`probe`]: connect, identify the server, time a few round trips, check the
//! permissions cutover needs, say what can be collected with them, and write
//! the exact GRANT statements for what is missing.
//!
//! | module | concept |
//! |---|---|
//! | this file | the report, the probe's queries, and [`evaluate`] that builds the report from them |
//! | [`permissions`] | the permissions and capabilities as tables ([`PERMISSIONS`], [`CAPABILITIES`]), their query and the GRANTs |
//! | `render` | the terminal rendering of the report |
//!
//! The tables are evaluated by pure functions, so the reasoning is tested without a server.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::connect::{Connection, connect};
use crate::error::Error;
use crate::identity::{ServerIdentity, cell, read_identity};
use crate::target::ServerTarget;

pub mod permissions;
mod render;
#[cfg(test)]
mod tests;

pub use permissions::{
    CAPABILITIES, Capability, CapabilitySpec, CapabilityStatus, PERMISSIONS, PermissionCheck, PermissionSpec,
    PermissionStatus, Principal, Scope, bracket, grant_statement, permissions_sql,
};
use permissions::{capability, grants};

/// Round trips timed by the probe.
pub const LATENCY_SAMPLES: usize = 5;

/// The round trip the probe times.
pub const LATENCY_SQL: &str = "SELECT 1";

/// Round-trip latency of `SELECT 1`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Latency {
    /// Round trips timed.
    pub samples: usize,
    /// Fastest, in milliseconds.
    pub min_ms: f64,
    /// Median, in milliseconds.
    pub median_ms: f64,
}

impl Latency {
    /// Min and median of `samples` (none → zeros).
    pub fn from_samples(samples: &[Duration]) -> Self {
        let mut ms: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1000.0).collect();
        ms.sort_by(f64::total_cmp);
        let median = match ms.len() {
            0 => 0.0,
            n if n % 2 == 1 => ms[n / 2],
            n => (ms[n / 2 - 1] + ms[n / 2]) / 2.0,
        };
        Self { samples: ms.len(), min_ms: ms.first().copied().unwrap_or(0.0), median_ms: median }
    }
}

/// Everything `cutover probe` reports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProbeReport {
    /// The target, as `host,port/database (user)`.
    pub target: String,
    /// What the server is.
    pub identity: ServerIdentity,
    /// Who we are on it.
    pub principal: Principal,
    /// `SELECT 1` round trips.
    pub latency: Latency,
    /// Each permission checked.
    pub permissions: Vec<PermissionCheck>,
    /// What can be collected.
    pub capabilities: Vec<Capability>,
    /// GRANT statements that would enable what is unavailable.
    pub grants: Vec<String>,
}

/// Connects to `target` and probes it.
pub async fn probe(target: &ServerTarget) -> Result<ProbeReport, Error> {
    let mut conn = connect(target).await?;
    let report = probe_connection(&mut conn).await?;
    if let Err(e) = conn.close().await {
        tracing::debug!(error = %e, "closing after probe");
    }
    Ok(report)
}

/// Probes over an open connection.
pub async fn probe_connection(conn: &mut Connection) -> Result<ProbeReport, Error> {
    let identity = read_identity(conn).await?;
    let latency = measure_latency(conn).await?;
    let specs: Vec<&PermissionSpec> = PERMISSIONS.iter().filter(|p| (p.applies)(&identity)).collect();
    let (principal, held) = read_permissions(conn, &specs).await?;
    Ok(evaluate(conn.target(), identity, principal, latency, &held))
}

async fn measure_latency(conn: &mut Connection) -> Result<Latency, Error> {
    let mut samples = Vec::with_capacity(LATENCY_SAMPLES);
    for _ in 0..LATENCY_SAMPLES {
        let start = Instant::now();
        conn.query_scalar::<i32>(LATENCY_SQL, &[]).await?;
        samples.push(start.elapsed());
    }
    Ok(Latency::from_samples(&samples))
}

/// Permission name → held (`Some(true/false)`) or unknown (`None`).
type Held = Vec<(&'static str, Option<bool>)>;

async fn read_permissions(
    conn: &mut Connection,
    specs: &[&PermissionSpec],
) -> Result<(Principal, Held), Error> {
    let sql = permissions_sql(specs);
    let rows = conn.query_rows(&sql, &[]).await?;
    let Some(row) = rows.first() else {
        return Ok((Principal::default(), specs.iter().map(|s| (s.name, None)).collect()));
    };
    let text = |name: &str| cell::<&str>(row, name).ok().flatten().map(str::to_string);
    let principal =
        Principal { login: text("login_name"), user: text("user_name"), database: text("database_name") };
    let held = specs
        .iter()
        .enumerate()
        .map(|(i, s)| (s.name, cell::<i32>(row, format!("p{i}").as_str()).ok().flatten().map(|v| v == 1)))
        .collect();
    Ok((principal, held))
}

/// Builds the report from what was read (pure; tested without a server).
pub fn evaluate(
    target: &ServerTarget,
    identity: ServerIdentity,
    principal: Principal,
    latency: Latency,
    held: &[(&'static str, Option<bool>)],
) -> ProbeReport {
    let status_of = |name: &str| match held.iter().find(|(n, _)| *n == name) {
        None => PermissionStatus::NotApplicable,
        Some((_, Some(true))) => PermissionStatus::Held,
        Some((_, Some(false))) => PermissionStatus::Missing,
        Some((_, None)) => PermissionStatus::Unknown,
    };
    let permissions = PERMISSIONS
        .iter()
        .map(|p| PermissionCheck {
            permission: p.name.to_string(),
            scope: p.scope,
            status: status_of(p.name),
        })
        .collect();
    let family = identity.family;
    let capabilities: Vec<Capability> =
        CAPABILITIES.iter().map(|c| capability(c.name, c.needs(family), &status_of)).collect();
    let grants = grants(&capabilities, &principal, target, identity.family);
    ProbeReport {
        target: target.to_string(),
        identity,
        principal,
        latency,
        permissions,
        capabilities,
        grants,
    }
}
