//! One output convention for every command that reports (README "Output"):
//!
//! - `--format terminal|markdown|json` picks what standard output shows: a summary for people
//!   (the default), the Markdown report, or the JSON report (the same document as the command's
//!   JSON file, schema in docs/schemas/); `--json` is short for `--format json`. A command that
//!   has no Markdown form says so by name.
//! - `--out DIR` is the folder a command writes its files into, every file form it has.
//!
//! Progress and `wrote …` lines go to standard error, so standard output stays parseable.

use anyhow::bail;

/// What standard output shows.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A summary for people.
    Terminal,
    /// The Markdown report.
    Markdown,
    /// The JSON report.
    Json,
}

/// `--format` and its shorthand `--json`, flattened into each reporting command.
#[derive(clap::Args, Debug, Clone)]
pub struct FormatArgs {
    /// What standard output shows: terminal (a summary for people), markdown (the Markdown
    /// report) or json (the JSON report, the same document as the JSON file).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = Format::Terminal)]
    format: Format,
    /// Short for --format json.
    #[arg(long, conflicts_with = "format")]
    json: bool,
}

impl FormatArgs {
    /// The chosen format.
    pub fn get(&self) -> Format {
        if self.json { Format::Json } else { self.format }
    }

    /// The chosen format, refused by name when `command` has no such form.
    pub fn for_command(&self, command: &str, forms: &[Format]) -> anyhow::Result<Format> {
        let format = self.get();
        if !forms.contains(&format) {
            let names: Vec<&str> = forms.iter().map(|f| name(*f)).collect();
            bail!("{command} --format {}: not available here; choose {}", name(format), names.join(" or "));
        }
        Ok(format)
    }

    /// True when standard output is JSON (progress stays off stdout either way).
    pub fn is_json(&self) -> bool {
        self.get() == Format::Json
    }
}

fn name(format: Format) -> &'static str {
    match format {
        Format::Terminal => "terminal",
        Format::Markdown => "markdown",
        Format::Json => "json",
    }
}

/// Pretty JSON with a final newline.
pub fn json<T: serde::Serialize>(value: &T) -> anyhow::Result<String> {
    Ok(serde_json::to_string_pretty(value)? + "\n")
}

/// Writes `text` to standard output; a closed pipe (`| head`) is not an error worth a message.
pub fn print(text: &str) {
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
}
