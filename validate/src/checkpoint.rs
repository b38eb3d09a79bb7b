//! The checkpoint that lets `--resume` continue a run that stopped part-way.
//!
//! `DIR/checkpoint.json` holds the run's settings and every table finished so far with its
//! full result; it is rewritten (to a temporary file, then renamed) as each table finishes, so
//! a crash or a dropped connection loses at most the tables in flight. Tables that could not be
//! checked (`error`) are not recorded: a resumed run checks them again. A resumed run refuses a
//! checkpoint written with other settings, so its final report is the one a single
//! uninterrupted run would have written.

use crate::error::ValidateError;
use crate::report::{Stats, TableReport};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The checkpoint's file name inside `--out`.
pub const FILE: &str = "checkpoint.json";

/// Bumped when the file's fields change meaning.
pub const VERSION: u32 = 1;

/// What must be equal for a resumed run to produce the same report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub source: String,
    pub target: String,
    pub mode: String,
    pub relaxations: Vec<String>,
    pub tables: Vec<String>,
    pub exclude: Vec<String>,
    pub leaf_rows: u64,
    pub fanout: u64,
    pub max_diffs: usize,
}

impl Settings {
    /// The first setting that differs, named as the user would spell it.
    pub fn first_difference(&self, other: &Settings) -> Option<String> {
        let pairs = [
            ("--source", self.source == other.source),
            ("--target", self.target == other.target),
            ("--mode", self.mode == other.mode),
            ("relaxations", self.relaxations == other.relaxations),
            ("--tables", self.tables == other.tables),
            ("--exclude", self.exclude == other.exclude),
            ("--leaf-rows", self.leaf_rows == other.leaf_rows),
            ("fanout", self.fanout == other.fanout),
            ("--max-diffs", self.max_diffs == other.max_diffs),
        ];
        pairs.iter().find(|(_, same)| !same).map(|(name, _)| name.to_string())
    }
}

/// The tables finished so far.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Checkpoint {
    pub version: u32,
    pub settings: Settings,
    /// Finished tables (pass or fail, never error), in the order they finished.
    pub done: Vec<TableReport>,
    /// Queries, rows and seconds spent on the finished tables.
    pub stats: Stats,
    #[serde(skip)]
    path: PathBuf,
}

impl Checkpoint {
    /// A new, empty checkpoint at `path`, written at once so an older checkpoint there can
    /// never be resumed by mistake.
    pub fn start(path: &Path, settings: Settings) -> Result<Checkpoint, ValidateError> {
        let cp = Checkpoint {
            version: VERSION,
            settings,
            done: vec![],
            stats: Stats::default(),
            path: path.into(),
        };
        cp.save()?;
        Ok(cp)
    }

    /// Reads the checkpoint at `path` for a run with `settings`.
    pub fn resume(path: &Path, settings: &Settings) -> Result<Checkpoint, ValidateError> {
        let shown = path.display().to_string();
        let bad = |detail: String| ValidateError::Checkpoint { path: shown.clone(), detail };
        let text = std::fs::read(path).map_err(|e| {
            bad(format!("cannot read it ({e}); run without --resume to start from the beginning"))
        })?;
        let mut cp: Checkpoint = serde_json::from_slice(&text)
            .map_err(|e| bad(format!("not a checkpoint ({e}); delete it and run without --resume")))?;
        if cp.version != VERSION {
            return Err(bad(format!(
                "written by checkpoint version {} (this is {VERSION}); run without --resume",
                cp.version
            )));
        }
        if let Some(setting) = cp.settings.first_difference(settings) {
            return Err(bad(format!(
                "written with a different {setting}; resume with the same options, or run without --resume"
            )));
        }
        cp.path = path.into();
        Ok(cp)
    }

    /// The finished result for `table`, if any.
    pub fn get(&self, table: &str) -> Option<&TableReport> {
        self.done.iter().find(|t| t.table == table)
    }

    /// Records a finished table and rewrites the file.
    pub fn finish(&mut self, table: TableReport, queries: u64, rows: u64) -> Result<(), ValidateError> {
        self.stats.queries += queries;
        self.stats.rows_received += rows;
        self.stats.seconds += table.seconds;
        self.done.retain(|t| t.table != table.table);
        self.done.push(table);
        self.save()
    }

    fn save(&self) -> Result<(), ValidateError> {
        let werr = |p: &Path| {
            let path = p.display().to_string();
            move |source| ValidateError::Write { path, source: Box::new(source) }
        };
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(werr(dir))?;
        }
        let tmp = self.path.with_extension("json.tmp");
        let body = serde_json::to_vec_pretty(self).unwrap_or_default();
        std::fs::write(&tmp, body).map_err(werr(&tmp))?;
        std::fs::rename(&tmp, &self.path).map_err(werr(&self.path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Check, Status};

    fn settings() -> Settings {
        Settings {
            source: "a,1/db (u)".into(),
            target: "b,1/db (u)".into(),
            mode: "rows".into(),
            relaxations: vec![],
            tables: vec![],
            exclude: vec![],
            leaf_rows: 16,
            fanout: 16,
            max_diffs: 10,
        }
    }

    fn table(name: &str) -> TableReport {
        TableReport {
            key: Some(vec!["id".into()]),
            checks: vec![Check {
                check: "schema".into(),
                status: Status::Pass,
                source: None,
                target: None,
                details: vec![],
            }],
            segments_compared: 3,
            seconds: 0.5,
            ..TableReport::new(name)
        }
    }

    #[test]
    fn round_trips_and_refuses_other_settings() {
        let dir = std::env::temp_dir().join(format!("cutover-checkpoint-{}", std::process::id()));
        let path = dir.join(FILE);
        let mut cp = Checkpoint::start(&path, settings()).unwrap();
        cp.finish(table("dbo.a"), 4, 2).unwrap();
        cp.finish(table("dbo.b"), 6, 2).unwrap();
        let back = Checkpoint::resume(&path, &settings()).unwrap();
        assert_eq!(back.done.len(), 2);
        assert_eq!(back.get("dbo.b").map(|t| t.segments_compared), Some(3));
        assert_eq!((back.stats.queries, back.stats.rows_received), (10, 4));
        let other = Settings { mode: "counts".into(), ..settings() };
        let err = Checkpoint::resume(&path, &other).unwrap_err().to_string();
        assert!(err.contains("--mode"), "{err}");
        let missing = Checkpoint::resume(&dir.join("nope.json"), &settings()).unwrap_err().to_string();
        assert!(missing.contains("without --resume"), "{missing}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
