//! The format version: stored in `baseline.json` by the writer and checked by every reader
//! before anything else, so a baseline from another tool or another format version is refused
//! with a message that names both versions and the fix, never half read.

use std::path::Path;

use crate::BaselineError;

/// The version of this format, stored in baseline.json (`docs/baseline-format.md`).
pub const FORMAT_VERSION: u32 = 1;

/// The `tool` every baseline.json of this format names.
pub const TOOL: &str = "cutover";

/// Checks `tool` and `format_version` of the parsed baseline.json at `path`.
pub fn check(path: &Path, value: &serde_json::Value) -> Result<(), BaselineError> {
    let tool = value.get("tool").and_then(|t| t.as_str()).unwrap_or("");
    let version = value.get("format_version").and_then(|v| v.as_u64());
    if tool == TOOL && version == Some(u64::from(FORMAT_VERSION)) {
        return Ok(());
    }
    let tool_version = value.get("tool_version").and_then(|t| t.as_str()).unwrap_or("?");
    let found = match version {
        Some(v) => format!(
            "{} {tool_version} (baseline format_version {v})",
            if tool.is_empty() { "an unknown tool" } else { tool }
        ),
        None => "another tool (no format_version)".to_string(),
    };
    Err(BaselineError::Version {
        path: path.to_path_buf(),
        found,
        wanted: format!("baseline format_version {FORMAT_VERSION}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_version_or_tool_is_named() {
        let p = Path::new("b/baseline.json");
        assert!(check(p, &serde_json::json!({"tool": "cutover", "format_version": 1})).is_ok());
        let e = check(p, &serde_json::json!({"tool": "cutover", "tool_version": "9.0", "format_version": 2}))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("cutover 9.0 (baseline format_version 2)") && e.contains("format_version 1"),
            "{e}"
        );
        let e = check(p, &serde_json::json!({"rows": []})).unwrap_err().to_string();
        assert!(e.contains("another tool (no format_version)"), "{e}");
    }
}
