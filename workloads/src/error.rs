//! The crate's one error type. Every message names the input (file and line, template, flag)
//! and says what to do.

use std::path::PathBuf;

/// Everything that can stop a workload from loading or a replay from completing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The workload, trace or CSV file cannot be read.
    #[error("cannot read {}; check the path and its permissions", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A workload or trace file is not valid, with the place and the field.
    #[error("{file}:{line}:{column}: {field}: {message}")]
    Invalid {
        /// The file as given.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The field (`template[2].weight`), or `syntax`.
        field: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The workload writes and `--allow-writes` was not given.
    #[error(
        "workload `{workload}` writes ({templates}); replaying it changes data on the server: \
         pass --allow-writes if this target is a disposable copy, never a production source"
    )]
    WritesRefused {
        /// The workload's name.
        workload: String,
        /// The writing templates or events.
        templates: String,
    },
    /// A setting given on the command line or in the file cannot be used.
    #[error("{setting}: {message}")]
    Setting {
        /// The flag or field.
        setting: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// The server refused or failed (connect, login, setup SQL).
    #[error("{context}")]
    Server {
        /// What was being done.
        context: String,
        /// The connection layer's error.
        #[source]
        source: cutover_mssql::Error,
    },
    /// Writing the output directory failed.
    #[error("cannot write {}; check the --out directory and free space", .path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl Error {
    /// A validation error at a byte offset of `text`.
    pub fn at(
        file: &str,
        text: &str,
        offset: usize,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        let (line, column) = line_col(text, offset);
        Error::Invalid { file: file.to_string(), line, column, field: field.into(), message: message.into() }
    }

    /// A setting error.
    pub fn setting(setting: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Setting { setting: setting.into(), message: message.into() }
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map(|s| s.chars().count()).unwrap_or(0) + 1;
    (line, column)
}

/// Result with this crate's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    #[test]
    fn line_and_column_are_one_based() {
        let text = "a = 1\nbb = 2\n";
        assert_eq!(super::line_col(text, 0), (1, 1));
        assert_eq!(super::line_col(text, 6), (2, 1));
        assert_eq!(super::line_col(text, 11), (2, 6));
        assert_eq!(super::line_col(text, 999), (3, 1));
    }
}
