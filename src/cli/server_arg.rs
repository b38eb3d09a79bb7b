//! Turning a `--server` argument into a connection target, the same way for every command.

use cutover_mssql::{CutoverConfig, ServerSpec, ServerTarget, SystemEnv};
use std::path::Path;

/// Resolves a connection string or a name from cutover.toml; prints the parser's warnings.
pub fn resolve_server(arg: &ServerSpec, config: Option<&Path>) -> anyhow::Result<ServerTarget> {
    let config = CutoverConfig::load_default(config)?;
    let parsed = cutover_mssql::resolve(arg.expose(), config.as_ref(), &SystemEnv)?;
    for warning in &parsed.warnings {
        eprintln!("warning: {warning}");
    }
    Ok(parsed.target)
}
