//! The JSON Schemas in `docs/schemas/` checked against real output: a test that produced a
//! JSON file or standard output calls [`check`] with the schema that documents it.

use std::path::{Path, PathBuf};

/// The folder of the published schemas.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/schemas")
}

/// Reads and compiles `docs/schemas/<name>`; a schema that is not valid JSON Schema fails.
pub fn validator(name: &str) -> jsonschema::Validator {
    let path = dir().join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let schema: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    jsonschema::validator_for(&schema)
        .unwrap_or_else(|e| panic!("{} is not a valid schema: {e}", path.display()))
}

/// Asserts that `value` (written by `what`) follows `docs/schemas/<name>`, listing every error
/// with where in the document it is.
pub fn check(name: &str, what: &str, value: &serde_json::Value) {
    let errors: Vec<String> =
        validator(name).iter_errors(value).map(|e| format!("  at {}: {e}", e.instance_path())).collect();
    assert!(errors.is_empty(), "{what} does not follow docs/schemas/{name}:\n{}", errors.join("\n"));
}

/// [`check`] for a JSON file on disk.
pub fn check_file(name: &str, path: &Path) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    check(name, &path.display().to_string(), &value);
}
