//! The five report forms, all rendered from one [`Comparison`]: [`terminal`] (worst first),
//! [`markdown`], JSON (the struct itself, schema `cutover.compare/1`), [`junit`] (one test case
//! per check) and [`html`] (one self-contained page, charts as inline SVG from [`svg`]).

pub mod html;
pub mod junit;
pub mod markdown;
pub mod svg;
pub mod terminal;

use std::path::{Path, PathBuf};

use crate::error::CompareError;
use crate::model::Comparison;

/// A report form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Terminal,
    Markdown,
    Json,
    Junit,
    Html,
}

impl Format {
    /// Every form, in the order they are written.
    pub const ALL: [Format; 5] =
        [Format::Terminal, Format::Markdown, Format::Json, Format::Junit, Format::Html];

    /// The file this form is written to.
    pub fn file_name(self) -> &'static str {
        match self {
            Format::Terminal => "report.txt",
            Format::Markdown => "report.md",
            Format::Json => "report.json",
            Format::Junit => "junit.xml",
            Format::Html => "report.html",
        }
    }

    /// Parses `terminal`, `markdown`/`md`, `json`, `junit`, `html`.
    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "terminal" | "text" | "txt" => Some(Format::Terminal),
            "markdown" | "md" => Some(Format::Markdown),
            "json" => Some(Format::Json),
            "junit" | "xml" => Some(Format::Junit),
            "html" => Some(Format::Html),
            _ => None,
        }
    }
}

/// One report form as text.
pub fn render(c: &Comparison, format: Format) -> String {
    match format {
        Format::Terminal => terminal::render(c),
        Format::Markdown => markdown::render(c),
        Format::Json => serde_json::to_string_pretty(c).expect("the comparison serialises") + "\n",
        Format::Junit => junit::render(c),
        Format::Html => html::render(c),
    }
}

/// Writes each form to `out_dir` (created if needed); returns the files written.
pub fn write_reports(
    c: &Comparison,
    out_dir: &Path,
    formats: &[Format],
) -> Result<Vec<PathBuf>, CompareError> {
    std::fs::create_dir_all(out_dir)
        .map_err(|source| CompareError::Write { path: out_dir.to_path_buf(), source })?;
    let mut written = Vec::new();
    for &f in formats {
        let path = out_dir.join(f.file_name());
        let tmp = out_dir.join(format!(".{}.tmp", f.file_name()));
        std::fs::write(&tmp, render(c, f))
            .map_err(|source| CompareError::Write { path: tmp.clone(), source })?;
        std::fs::rename(&tmp, &path).map_err(|source| CompareError::Write { path: path.clone(), source })?;
        written.push(path);
    }
    Ok(written)
}

/// `value` with its unit, or `–`.
pub(crate) fn val(v: Option<f64>, unit: &str) -> String {
    v.map_or("–".into(), |v| cutover_common::units::show(v, unit))
}

/// `+12%`, or `–`.
pub(crate) fn pct(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v:+.0}%"),
        Some(_) => "new".into(),
        None => "–".into(),
    }
}
