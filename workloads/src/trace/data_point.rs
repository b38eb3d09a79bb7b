//! Is the target's data the right starting point for a replay that writes? Before anything is
//! sent, each target database's **data point** is read — what its data is as of:
//!
//! - its last restore in `msdb.dbo.restorehistory` (SQL Server; `restore_date`, `stop_at` = the
//!   point in time recovered to, `backup_set_id`) joined to `msdb.dbo.backupset`
//!   (`backup_finish_date`): the data is as of `stop_at`, else the restored backup's finish;
//! - else `sys.databases.create_date` (created or renamed; a restore that creates the database
//!   sets it), which is all Managed Instance shows of a restore: a database never restored is
//!   live, so its data is as of now.
//!
//! Server times are local (`datetime`); they are turned into UTC with the server's offset
//! (`DATEDIFF(minute, GETUTCDATE(), GETDATE())`), then compared with the capture's start: data
//! from after the capture began means the replay re-applies changes already in it; data from
//! long before (more than [`LONG_BEFORE`]) means changes between are missing. Both times are
//! named. What cannot be read (no permission on msdb, the table missing) is said, never guessed.

use std::time::Duration;

use chrono::{NaiveDateTime, TimeDelta};
use cutover_mssql::{Connection, ServerTarget};
use serde::Serialize;

use crate::error::{Error, Result};

/// Data older than this before the capture began is warned about.
pub const LONG_BEFORE: Duration = Duration::from_secs(3600);
/// Clock differences between the capture's client and the server tolerated.
const SLACK: Duration = Duration::from_secs(1);

/// The server's offset from UTC, to read its local restore times.
pub const OFFSET_SQL: &str = "SELECT DATEDIFF(minute, GETUTCDATE(), GETDATE()) AS offset_minutes";
/// When the replay's target database was created (`@P1`: its name).
pub const CREATED_SQL: &str = "SELECT create_date FROM sys.databases WHERE name = @P1";
/// The last restore of the replay's target database (`@P1`: its name), with its backup.
pub const RESTORE_SQL: &str = "SELECT TOP (1) rh.restore_date, rh.stop_at, rh.restore_type, bs.backup_finish_date \
     FROM msdb.dbo.restorehistory AS rh LEFT JOIN msdb.dbo.backupset AS bs ON bs.backup_set_id = rh.backup_set_id \
     WHERE rh.destination_database_name = @P1 ORDER BY rh.restore_date DESC, rh.restore_history_id DESC";

/// The last restore of a database.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Restore {
    /// When it ran (UTC).
    pub restored_at: Option<NaiveDateTime>,
    /// The point in time recovered to (`stop_at`), else the restored backup's finish (UTC).
    pub data_as_of: Option<NaiveDateTime>,
    /// `restore_type`: D database, I differential, L log, …
    pub kind: Option<String>,
}

/// What a target database's data is as of.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DataPoint {
    /// The target database.
    pub database: String,
    /// `sys.databases.create_date` (UTC), when visible.
    pub created: Option<NaiveDateTime>,
    /// The last restore, when restore history is readable and has one.
    pub restore: Option<Restore>,
    /// What could not be read, and what to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unreadable: Option<String>,
}

fn ts(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

impl DataPoint {
    /// One line for the terminal: what the data is as of, and from what.
    pub fn describe(&self) -> String {
        match (&self.restore, self.created) {
            (Some(r), _) => format!(
                "{}: restored {} from a backup of data as of {}",
                self.database,
                r.restored_at.map(ts).unwrap_or_else(|| "at an unknown time".into()),
                r.data_as_of.map(ts).unwrap_or_else(|| "an unknown time".into())
            ),
            (None, Some(c)) => format!("{}: created {} (no restore recorded since)", self.database, ts(c)),
            (None, None) => format!("{}: its creation and restore points are not visible", self.database),
        }
    }

    /// A warning when the data is from after `capture_began`, or long before it.
    pub fn warning(&self, capture_began: NaiveDateTime, now: NaiveDateTime) -> Option<String> {
        let began = ts(capture_began);
        if let Some(r) = &self.restore {
            let at = r.data_as_of?;
            return if at > capture_began + slack(SLACK) {
                Some(format!(
                    "{}'s data is as of {} (restored from that backup), after the capture began at {began}: \
                     the replay re-applies changes the data already holds; restore a backup from before {began}",
                    self.database,
                    ts(at)
                ))
            } else if at + slack(LONG_BEFORE) < capture_began {
                Some(format!(
                    "{}'s data is as of {} (restored from that backup), {} before the capture began at {began}: \
                     changes made in between are missing, so replayed events may fail or act on other rows",
                    self.database,
                    ts(at),
                    span(capture_began - at)
                ))
            } else {
                None
            };
        }
        let created = self.created?;
        if created > capture_began + slack(SLACK) {
            Some(format!(
                "{} was created (or restored) at {}, after the capture began at {began}, and no restore history \
                 says what its data is as of: if it was restored from a backup taken after {began}, the replay \
                 re-applies changes the data already holds",
                self.database,
                ts(created)
            ))
        } else {
            Some(format!(
                "{} was created at {} and no restore is recorded since: its data is live, as of now ({}), after \
                 the capture began at {began}; replaying writes re-applies changes if this database has them \
                 already (replay onto a copy restored from before the capture)",
                self.database,
                ts(created),
                ts(now)
            ))
        }
    }
}

fn slack(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::zero())
}

/// `3 h 20 min`, `2 days 4 h`.
fn span(d: TimeDelta) -> String {
    let m = d.num_minutes();
    match m {
        m if m >= 2 * 24 * 60 => format!("{} days {} h", m / (24 * 60), (m / 60) % 24),
        m if m >= 60 => format!("{} h {} min", m / 60, m % 60),
        m => format!("{m} min"),
    }
}

/// A wall-clock time as UTC (the caller reads the clock).
pub fn utc(t: std::time::SystemTime) -> NaiveDateTime {
    chrono::DateTime::<chrono::Utc>::from(t).naive_utc()
}

/// The capture's start (UTC): its header's `started_at`, else its first event's `start_us` when
/// that is a time since the Unix epoch (after 2000), as `cutover capture` writes it.
pub fn capture_began(started_at: Option<&str>, origin_us: Option<u64>) -> Option<NaiveDateTime> {
    if let Some(t) = started_at.and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok()) {
        return Some(t.naive_utc());
    }
    let us = i64::try_from(origin_us?).ok().filter(|&us| us > 946_684_800_000_000)?;
    chrono::DateTime::from_timestamp_micros(us).map(|t| t.naive_utc())
}

/// Reads the data point of each database in `databases` on `target`.
pub async fn read(target: &ServerTarget, databases: &[String]) -> Result<Vec<DataPoint>> {
    let mut conn = cutover_mssql::connect(target).await.map_err(|source| Error::Server {
        context: format!("cannot connect to {target} to read the databases' restore points"),
        source,
    })?;
    let offset: i32 = conn.query_scalar(OFFSET_SQL, &[]).await.ok().flatten().unwrap_or(0);
    let to_utc = |t: NaiveDateTime| t - TimeDelta::minutes(i64::from(offset));
    let mut out = Vec::with_capacity(databases.len());
    for db in databases {
        out.push(read_one(&mut conn, db, &to_utc).await);
    }
    let _ = conn.close().await;
    Ok(out)
}

async fn read_one(
    conn: &mut Connection,
    db: &str,
    to_utc: &impl Fn(NaiveDateTime) -> NaiveDateTime,
) -> DataPoint {
    let mut point = DataPoint { database: db.to_string(), created: None, restore: None, unreadable: None };
    let mut problems = Vec::new();
    match conn.query_rows(CREATED_SQL, &[&db]).await {
        Ok(rows) => match rows.first() {
            Some(r) => point.created = r.get::<NaiveDateTime, _>(0).map(to_utc),
            None => problems.push(format!(
                "sys.databases shows no row for {db} (it does not exist, or the login lacks VIEW ANY DATABASE)"
            )),
        },
        Err(e) => problems.push(format!("sys.databases: {e}")),
    }
    match conn.query_rows(RESTORE_SQL, &[&db]).await {
        Ok(rows) => {
            point.restore = rows.first().map(|r| Restore {
                restored_at: r.get::<NaiveDateTime, _>(0).map(to_utc),
                data_as_of: r.get::<NaiveDateTime, _>(1).or_else(|| r.get::<NaiveDateTime, _>(3)).map(to_utc),
                kind: r.get::<&str, _>(2).map(str::to_string),
            })
        }
        Err(e) => problems.push(format!(
            "msdb restore history is not readable ({}); grant SELECT on msdb.dbo.restorehistory and \
             msdb.dbo.backupset, or check the restore point by hand",
            e.sql()
                .map(|s| format!("error {}: {}", s.number, s.message))
                .unwrap_or_else(|| cutover_mssql::one_line(&e))
        )),
    }
    if !problems.is_empty() {
        point.unreadable = Some(problems.join("; "));
    }
    point
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(h: u32, m: u32) -> NaiveDateTime {
        chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap().and_hms_opt(h, m, 0).unwrap()
    }

    fn restored(data: NaiveDateTime) -> DataPoint {
        DataPoint {
            database: "shop".into(),
            created: Some(at(1, 0)),
            restore: Some(Restore {
                restored_at: Some(at(12, 0)),
                data_as_of: Some(data),
                kind: Some("D".into()),
            }),
            unreadable: None,
        }
    }

    #[test]
    fn data_after_the_capture_or_long_before_it_is_warned_about_naming_both_times() {
        let began = at(9, 0);
        let w = restored(at(9, 30)).warning(began, at(13, 0)).unwrap();
        assert!(w.contains("2026-03-01 09:30:00 UTC") && w.contains("2026-03-01 09:00:00 UTC"), "{w}");
        assert!(w.contains("after the capture began"), "{w}");
        let w = restored(at(6, 40)).warning(began, at(13, 0)).unwrap();
        assert!(w.contains("2 h 20 min before") && w.contains("06:40:00"), "{w}");
        assert_eq!(restored(at(8, 50)).warning(began, at(13, 0)), None, "ten minutes before is fine");
        let live = DataPoint { restore: None, ..restored(at(0, 0)) };
        assert!(
            live.warning(began, at(13, 0)).unwrap().contains("live, as of now (2026-03-01 13:00:00 UTC)")
        );
        let new = DataPoint { restore: None, created: Some(at(10, 0)), ..restored(at(0, 0)) };
        assert!(
            new.warning(began, at(13, 0))
                .unwrap()
                .contains("created (or restored) at 2026-03-01 10:00:00 UTC")
        );
    }
}
