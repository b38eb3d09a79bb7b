//! The capture itself: create and start the event session, read it once per poll from where the
//! last read ended (file name + offset), write each kept event at once, and always stop and
//! drop the session at the end — after the duration, on Ctrl-C, and after an error, on a fresh
//! connection when the old one broke. If that fails, the summary carries the T-SQL to run.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use cutover_mssql::{Connection, ServerTarget};
use tiberius::Row;

use super::convert::{Converted, convert};
use super::ddl::{
    IDENTIFY_SQL, READ_SQL, SESSION_EXISTS_SQL, SESSION_RUNNING_SQL, SessionPlan, TargetLocation,
};
use super::error::CaptureError;
use super::filters::{CAPTURE_APP, Filters};
use super::order::SessionOrder;
use super::statement::Prepared;
use super::writer::{Identity, Rotation, TraceWriter};
use super::xml::parse_event;

/// How to capture.
#[derive(Clone, Debug)]
pub struct CaptureOptions {
    pub target: ServerTarget,
    /// The capture's folder (its parts go there).
    pub out: PathBuf,
    /// When parts rotate, and whether they are compressed.
    pub rotation: Rotation,
    pub duration: Duration,
    pub poll: Duration,
    pub filters: Filters,
    /// Where the event files go; `None`: the instance's LOG directory (SQL Server only).
    pub location: Option<TargetLocation>,
    /// Now, in Unix seconds (names the session).
    pub now_unix: i64,
}

/// How the capture ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stopped {
    Duration,
    Interrupted,
}

/// Whether the event session is gone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Cleanup {
    Done,
    /// The session may still be running: run `sql` on the server.
    Failed {
        sql: String,
        error: String,
    },
}

/// What a capture did.
#[derive(Clone, Debug)]
pub struct CaptureSummary {
    pub session: String,
    pub events_written: u64,
    pub events_filtered: u64,
    /// Events not written, with why (the first 20; `reports_total` counts all).
    pub reports: Vec<String>,
    pub reports_total: u64,
    /// Read queries sent (one per poll, plus the final read).
    pub polls: u64,
    /// The files written, in order.
    pub files: Vec<PathBuf>,
    /// Their size on disk.
    pub bytes_on_disk: u64,
    pub stopped: Stopped,
    pub cleanup: Cleanup,
    pub elapsed: Duration,
}

/// A capture that failed part-way: the error, what was written, and the cleanup's outcome.
#[derive(Debug)]
pub struct CaptureFailure {
    pub error: CaptureError,
    pub summary: Option<CaptureSummary>,
}

/// Where reading resumes.
#[derive(Clone, Debug, Default)]
struct Cursor {
    file: Option<String>,
    offset: Option<i64>,
}

struct Capture {
    plan: SessionPlan,
    filters: Filters,
    writer: TraceWriter,
    prepared: Prepared,
    order: SessionOrder,
    cursor: Cursor,
    summary: CaptureSummary,
}

/// Runs a capture until `duration` passes or `stop` turns true.
pub async fn capture(
    options: &CaptureOptions,
    mut stop: tokio::sync::watch::Receiver<bool>,
) -> Result<CaptureSummary, CaptureFailure> {
    let fail = |error| CaptureFailure { error, summary: None };
    let mut target = options.target.clone();
    target.application_name = CAPTURE_APP.to_string();
    let mut conn = cutover_mssql::connect(&target)
        .await
        .map_err(CaptureError::server(format!("cannot connect to {target} to capture")))
        .map_err(fail)?;
    let (spid, edition) = identify(&mut conn).await.map_err(fail)?;
    let location = match (&options.location, edition == 8) {
        (Some(TargetLocation::ServerPath(_)), true) | (None, true) => {
            return Err(fail(CaptureError::Setting(format!(
                "{target} is an Azure SQL Managed Instance: its event files must go to Azure Blob Storage; \
                 give --blob-url https://<account>.blob.core.windows.net/<container> and create the credential \
                 first (docs/capture.md)"
            ))));
        }
        (Some(l), _) => l.clone(),
        (None, false) => TargetLocation::ServerPath(String::new()),
    };
    let mut filters = options.filters.clone();
    filters.own_session = Some(spid);
    let plan = SessionPlan::new(spid, options.now_unix, &location);
    let identity = Identity {
        capture: plan.name.clone(),
        started_at: chrono::DateTime::from_timestamp(options.now_unix, 0)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        source: Some(target.to_string()),
    };
    let writer = TraceWriter::create(&options.out, options.rotation.clone(), identity).map_err(fail)?;
    let mut c = Capture {
        summary: CaptureSummary {
            session: plan.name.clone(),
            events_written: 0,
            events_filtered: 0,
            reports: Vec::new(),
            reports_total: 0,
            polls: 0,
            files: Vec::new(),
            bytes_on_disk: 0,
            stopped: Stopped::Duration,
            cleanup: Cleanup::Done,
            elapsed: Duration::ZERO,
        },
        plan,
        filters,
        writer,
        prepared: Prepared::default(),
        order: SessionOrder::default(),
        cursor: Cursor::default(),
    };
    let started = Instant::now();
    let result = c.run(&mut conn, options, &mut stop).await;
    // Stop, read what the stop flushed, drop: on every path.
    let result = match result {
        Ok(()) => c.finish(&mut conn).await,
        Err(e) => Err(e),
    };
    c.summary.cleanup = c.cleanup(&mut conn).await;
    c.summary.elapsed = started.elapsed();
    if result.is_err() {
        c.writer.discard_if_empty();
    }
    let _ = c.writer.finish();
    c.summary.files = c.writer.files.clone();
    c.summary.bytes_on_disk = c.writer.bytes_on_disk();
    match result {
        Ok(()) => Ok(c.summary),
        Err(error) => Err(CaptureFailure { error, summary: Some(c.summary) }),
    }
}

async fn identify(conn: &mut Connection) -> Result<(i64, i32), CaptureError> {
    let rows = conn
        .query_rows(IDENTIFY_SQL, &[])
        .await
        .map_err(CaptureError::server("cannot read the capture's session id"))?;
    let row = rows.first();
    let spid = row.and_then(|r| r.get::<i32, _>(0)).unwrap_or(0);
    let edition = row.and_then(|r| r.get::<i32, _>(1)).unwrap_or(0);
    Ok((i64::from(spid), edition))
}

impl Capture {
    async fn run(
        &mut self,
        conn: &mut Connection,
        options: &CaptureOptions,
        stop: &mut tokio::sync::watch::Receiver<bool>,
    ) -> Result<(), CaptureError> {
        let create = self.plan.create_sql(&self.filters);
        conn.execute(&create, &[]).await.map_err(CaptureError::server(format!(
            "cannot create the event session {}; the login needs ALTER ANY EVENT SESSION (docs/capture.md)",
            self.plan.name
        )))?;
        conn.execute(&self.plan.start_sql(), &[])
            .await
            .map_err(CaptureError::server(format!("cannot start the event session {}", self.plan.name)))?;
        let deadline = tokio::time::Instant::now() + options.duration;
        loop {
            let next = (tokio::time::Instant::now() + options.poll).min(deadline);
            tokio::select! {
                _ = tokio::time::sleep_until(next) => {}
                _ = stop.wait_for(|s| *s) => {
                    self.summary.stopped = Stopped::Interrupted;
                    return Ok(());
                }
            }
            self.poll(conn).await?;
            if tokio::time::Instant::now() >= deadline {
                return Ok(());
            }
        }
    }

    /// One read query: every event after the cursor; each kept one written, then flushed.
    async fn poll(&mut self, conn: &mut Connection) -> Result<(), CaptureError> {
        let file = self.cursor.file.clone();
        let offset = self.cursor.offset;
        let rows = conn.query_rows(READ_SQL, &[&self.plan.read_pattern, &file, &offset]).await.map_err(
            CaptureError::server(format!(
                "cannot read the event files of {} (sys.fn_xe_file_target_read_file needs VIEW SERVER STATE)",
                self.plan.name
            )),
        )?;
        self.summary.polls += 1;
        for row in &rows {
            self.take(row)?;
        }
        self.writer.flush()
    }

    fn take(&mut self, row: &Row) -> Result<(), CaptureError> {
        let xml = row.get::<&str, _>("event_data").unwrap_or("");
        if let (Some(f), Some(o)) = (row.get::<&str, _>("file_name"), row.get::<i64, _>("file_offset")) {
            self.cursor = Cursor { file: Some(f.to_string()), offset: Some(o) };
        }
        let event = match parse_event(xml) {
            Ok(e) => e,
            Err(m) => return self.report(format!("an event could not be read ({m})")),
        };
        if !self.filters.keeps(&event) {
            self.summary.events_filtered += 1;
            return Ok(());
        }
        match convert(&event, &mut self.prepared) {
            Converted::Line(mut line) => {
                line.start_us = self.order.start(line.session, line.start_us);
                self.writer.write(&line)?;
                self.summary.events_written += 1;
                Ok(())
            }
            Converted::State(state) => self.writer.write(&state),
            Converted::Skip => Ok(()),
            Converted::Report(m) => self.report(m),
        }
    }

    fn report(&mut self, message: String) -> Result<(), CaptureError> {
        self.summary.reports_total += 1;
        self.writer.note(&format!("not captured: {message}"))?;
        if self.summary.reports.len() < 20 {
            self.summary.reports.push(message);
        }
        Ok(())
    }

    /// Stops the session (which flushes its buffers) and reads what is left.
    async fn finish(&mut self, conn: &mut Connection) -> Result<(), CaptureError> {
        conn.execute(&self.plan.stop_sql(), &[])
            .await
            .map_err(CaptureError::server(format!("cannot stop the event session {}", self.plan.name)))?;
        self.poll(conn).await
    }

    /// Drops the session (stopping it first when needed), reconnecting once if the connection
    /// broke.
    async fn cleanup(&mut self, conn: &mut Connection) -> Cleanup {
        let mut last = String::new();
        for attempt in 0..2 {
            if (attempt > 0 || conn.is_broken())
                && let Err(e) = conn.reconnect().await
            {
                last = cutover_mssql::one_line(&e);
                continue;
            }
            match self.drop_session(conn).await {
                Ok(()) => return Cleanup::Done,
                Err(e) => last = cutover_mssql::one_line(&e),
            }
        }
        Cleanup::Failed { sql: self.plan.manual_cleanup(), error: last }
    }

    async fn drop_session(&self, conn: &mut Connection) -> Result<(), cutover_mssql::Error> {
        let running: Option<i32> = conn.query_scalar(SESSION_RUNNING_SQL, &[&self.plan.name]).await?;
        if running.unwrap_or(0) > 0 {
            conn.execute(&self.plan.stop_sql(), &[]).await?;
        }
        let defined: Option<i32> = conn.query_scalar(SESSION_EXISTS_SQL, &[&self.plan.name]).await?;
        if defined.unwrap_or(0) > 0 {
            conn.execute(&self.plan.drop_sql(), &[]).await?;
        }
        Ok(())
    }
}
