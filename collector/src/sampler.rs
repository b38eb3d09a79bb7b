//! One instance: a kept connection (polite session settings, reconnect with backoff), the
//! families that exist there and that the login may read, the state deltas need, and one
//! sampling round. Round trips: the per-interval families go as one batch; query stats, when
//! due, are a second.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use cutover_mssql::{Connection, Error, ErrorKind, ServerIdentity, ServerTarget};
use futures_util::TryStreamExt;
use tiberius::{QueryItem, Row};

use crate::catalog::{self, Family, Shape, Tier};
use crate::delta::{GapCause, Stamp, Tolerance, Tracker};
use crate::families::{self, CounterState, Output};
use crate::rows::{text, timestamp};
use crate::sample::{FamilyError, Gap, Round};

/// Intervals and limits, shared by every instance.
#[derive(Clone, Debug)]
pub struct Settings {
    pub interval: Duration,
    pub query_interval: Duration,
    pub config_interval: Duration,
    pub top_n: usize,
    pub tolerance: Tolerance,
    /// Per-query timeout.
    pub query_timeout: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            interval: Duration::from_secs(15),
            query_interval: Duration::from_secs(300),
            config_interval: Duration::from_secs(3600),
            top_n: 20,
            tolerance: Tolerance::default(),
            query_timeout: Duration::from_secs(10),
        }
    }
}

/// Everything one instance needs between rounds.
pub struct InstanceSampler {
    pub name: String,
    target: ServerTarget,
    settings: Settings,
    conn: Option<Connection>,
    pub identity: Option<ServerIdentity>,
    /// The fast families that exist here and were readable at the last check.
    fast: Vec<(&'static Family, &'static str)>,
    /// Families refused (permission, missing object) with the error, re-tried with the config.
    pub refused: BTreeMap<&'static str, String>,
    probed: bool,
    clock_sql: &'static str,
    trackers: HashMap<&'static str, Tracker<Vec<String>>>,
    counters: CounterState,
    queries: Tracker<String>,
    physical_names: HashMap<String, String>,
    /// query_hash → statement text, fetched once per hash.
    pub query_text: BTreeMap<String, String>,
    /// query_hash → every query_plan_hash seen cached for it.
    pub query_plans: BTreeMap<String, BTreeSet<String>>,
    last_queries: Option<Instant>,
    last_config: Option<Instant>,
    /// The latest static configuration (for baseline.json).
    pub config: Option<serde_json::Value>,
    lost: Option<String>,
    backoff: Duration,
    next_connect: Option<Instant>,
}

impl InstanceSampler {
    /// Why the connection is down, while it is.
    pub fn connection_error(&self) -> Option<&str> {
        self.lost.as_deref()
    }

    pub fn new(name: String, mut target: ServerTarget, settings: Settings) -> Self {
        target.command_timeout = Some(settings.query_timeout);
        InstanceSampler {
            name,
            target,
            settings,
            conn: None,
            identity: None,
            fast: Vec::new(),
            refused: BTreeMap::new(),
            probed: false,
            clock_sql: catalog::CLOCK_SQL,
            trackers: HashMap::new(),
            counters: CounterState::default(),
            queries: Tracker::default(),
            physical_names: HashMap::new(),
            query_text: BTreeMap::new(),
            query_plans: BTreeMap::new(),
            last_queries: None,
            last_config: None,
            config: None,
            lost: None,
            backoff: Duration::from_millis(500),
            next_connect: None,
        }
    }

    /// Series held in memory (for the memory bench): flat whatever the run length.
    pub fn state_series(&self) -> usize {
        self.trackers.values().map(Tracker::len).sum::<usize>()
            + self.queries.len()
            + self.query_text.len()
            + self.query_plans.len()
    }

    /// The setup before the schedule starts: connect, read the identity and probe which
    /// families exist and are readable. Not a sample (`setup` is set; no points); refused
    /// families and connection errors are in its errors. A failed setup is retried by the
    /// first round.
    pub async fn prepare(&mut self, now: Instant) -> Round {
        let started = Instant::now();
        let mut round = Round { instance: self.name.clone(), setup: true, ..Default::default() };
        match self.ensure_connected(now, &mut round).await {
            Err(e) => self.note_error(&mut round, "connection", &e, None),
            Ok(()) if !self.probed => match self.probe_families(&mut round).await {
                Ok(()) => {
                    self.probed = true;
                    round.up = true;
                }
                Err(e) => self.lose(&mut round, e),
            },
            Ok(()) => round.up = true,
        }
        round.duration_secs = started.elapsed().as_secs_f64();
        round
    }

    /// One sampling round.
    pub async fn round(&mut self, now: Instant) -> Round {
        let started = Instant::now();
        let mut round = Round { instance: self.name.clone(), ..Default::default() };
        if let Err(e) = self.ensure_connected(now, &mut round).await {
            self.note_error(&mut round, "connection", &e, None);
            round.duration_secs = started.elapsed().as_secs_f64();
            return round;
        }
        match self.fast_round(&mut round).await {
            Ok(()) => round.up = true,
            Err(e) => self.lose(&mut round, e),
        }
        let queries_due = self.last_queries.is_none_or(|t| {
            now.duration_since(t) + Duration::from_millis(50) >= self.settings.query_interval
        });
        if round.up && queries_due {
            self.last_queries = Some(now);
            if let Err(e) = self.query_round(&mut round).await {
                self.lose(&mut round, e);
            }
        }
        let config_due =
            self.last_config.is_none_or(|t| now.duration_since(t) >= self.settings.config_interval);
        if round.up && config_due {
            self.last_config = Some(now);
            if let Err(e) = self.config_round(&mut round).await {
                self.lose(&mut round, e);
            }
        }
        round.duration_secs = started.elapsed().as_secs_f64();
        round
    }

    async fn ensure_connected(&mut self, now: Instant, round: &mut Round) -> Result<(), Error> {
        if self.conn.as_ref().is_some_and(|c| !c.is_broken()) {
            return Ok(());
        }
        if let Some(at) = self.next_connect
            && now < at
        {
            return Err(Error::Broken { server: self.target.to_string() });
        }
        match self.open().await {
            Ok(conn) => {
                self.conn = Some(conn);
                self.backoff = Duration::from_millis(500);
                self.next_connect = None;
                round.round_trips += 2;
                Ok(())
            }
            Err(e) => {
                self.next_connect = Some(now + self.backoff);
                self.backoff = (self.backoff * 2).min(Duration::from_secs(30));
                if self.lost.is_none() {
                    self.lost = Some(cutover_mssql::one_line(&e));
                }
                Err(e)
            }
        }
    }

    async fn open(&mut self) -> Result<Connection, Error> {
        let mut conn = cutover_mssql::connect(&self.target).await?;
        conn.simple_query(catalog::SESSION_SQL).await?;
        if self.identity.is_none() {
            let identity = cutover_mssql::read_identity(&mut conn).await?;
            if identity.start_time.is_none() {
                self.clock_sql = catalog::CLOCK_ONLY_SQL;
            }
            self.identity = Some(identity);
        }
        Ok(conn)
    }

    /// Marks the connection lost: trackers restart, the next success records the gap.
    fn lose(&mut self, round: &mut Round, e: Error) {
        if matches!(e.kind(), ErrorKind::Connection | ErrorKind::Timeout)
            || self.conn.as_ref().is_some_and(|c| c.is_broken())
        {
            self.conn = None;
            self.lost.get_or_insert_with(|| cutover_mssql::one_line(&e));
            round.up = false;
        }
        self.note_error(round, "connection", &e, None);
    }

    fn note_error(&self, round: &mut Round, family: &str, e: &Error, at: Option<chrono::NaiveDateTime>) {
        round.errors.push(FamilyError {
            instance: self.name.clone(),
            family: family.to_string(),
            at: at.unwrap_or_else(|| chrono::Utc::now().naive_utc()),
            kind: format!("{:?}", e.kind()).to_ascii_lowercase(),
            message: cutover_mssql::one_line(e),
        });
    }

    fn plan(&self) -> Vec<(&'static Family, &'static str)> {
        let id = self.identity.as_ref();
        let family = id.map_or(cutover_mssql::EditionFamily::OnPremises, |i| i.family);
        catalog::plan(Tier::Fast, family, id.and_then(|i| i.major_version))
    }

    async fn fast_round(&mut self, round: &mut Round) -> Result<(), Error> {
        if !self.probed {
            // First round: each family on its own, so one refusal names its grant and the
            // others are kept.
            self.probe_families(round).await?;
            self.probed = true;
        }
        let mut sql = String::from(self.clock_sql);
        for (_, q) in &self.fast {
            sql.push_str(";\n");
            sql.push_str(q);
        }
        round.queries += 1 + self.fast.len() as u64;
        round.round_trips += 1;
        let conn = self.conn.as_mut().ok_or_else(|| Error::Broken { server: self.target.to_string() })?;
        let sets = match batch(conn, &sql, self.settings.query_timeout).await {
            Ok(sets) => sets,
            Err(e) if matches!(e.kind(), ErrorKind::Permission | ErrorKind::InvalidObject) => {
                // A grant was revoked mid-run: find which family on the next round.
                round.queries_failed += 1;
                self.probed = false;
                self.note_error(round, "batch", &e, None);
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        let Some(stamp) = sets.first().and_then(|rows| rows.first()).and_then(|r| {
            Some(Stamp { at: timestamp(r, "now_utc")?, start_time: timestamp(r, "sqlserver_start_time") })
        }) else {
            return Err(Error::Result {
                server: self.target.to_string(),
                statement: None,
                detail: "the clock query returned no row".into(),
            });
        };
        round.at = Some(stamp.at);
        self.take_loss(round, stamp.at);
        let fast = self.fast.clone();
        for (i, (family, _)) in fast.iter().enumerate() {
            let rows = sets.get(i + 1).map(Vec::as_slice).unwrap_or(&[]);
            let out = self.process(family, rows, stamp);
            self.absorb(round, family.name, stamp, out);
        }
        Ok(())
    }

    /// On a Managed Instance, reads physical_database_name → name (counter instance names are
    /// those GUIDs). Done before the first batch, so no round carries a GUID, and with the
    /// hourly configuration, for databases created since.
    async fn load_physical_names(&mut self, round: &mut Round) {
        let is_mi = matches!(
            self.identity.as_ref().map(|i| i.family),
            Some(cutover_mssql::EditionFamily::ManagedInstance)
        );
        let Some(conn) = self.conn.as_mut().filter(|_| is_mi) else { return };
        round.queries += 1;
        round.round_trips += 1;
        if let Ok(rows) = conn.query_rows(catalog::PHYSICAL_NAMES_SQL, &[]).await {
            self.physical_names =
                rows.iter().map(|r| (text(r, "physical_database_name"), text(r, "name"))).collect();
        }
    }

    /// Runs each family once on its own; keeps those that work, records the refused.
    async fn probe_families(&mut self, round: &mut Round) -> Result<(), Error> {
        self.load_physical_names(round).await;
        let conn = self.conn.as_mut().ok_or_else(|| Error::Broken { server: self.target.to_string() })?;
        if self.clock_sql == catalog::CLOCK_SQL
            && let Err(e) = conn.query_rows(catalog::CLOCK_SQL, &[]).await
        {
            if !matches!(e.kind(), ErrorKind::Permission | ErrorKind::InvalidObject) {
                return Err(e);
            }
            self.clock_sql = catalog::CLOCK_ONLY_SQL;
        }
        self.fast.clear();
        let plan = self.plan();
        let conn = self.conn.as_mut().ok_or_else(|| Error::Broken { server: self.target.to_string() })?;
        for (family, sql) in plan {
            round.queries += 1;
            round.round_trips += 1;
            match conn.query_rows(&catalog::marked(sql), &[]).await {
                Ok(_) => {
                    self.refused.remove(family.name);
                    self.fast.push((family, sql));
                }
                Err(e) if matches!(e.kind(), ErrorKind::Permission | ErrorKind::InvalidObject) => {
                    round.queries_failed += 1;
                    let message = cutover_mssql::one_line(&e);
                    tracing::warn!(instance = %self.name, family = family.name, "{message}");
                    self.refused.insert(family.name, message);
                    round.errors.push(FamilyError {
                        instance: self.name.clone(),
                        family: family.name.into(),
                        at: chrono::Utc::now().naive_utc(),
                        kind: format!("{:?}", e.kind()).to_ascii_lowercase(),
                        message: cutover_mssql::one_line(&e),
                    });
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn take_loss(&mut self, round: &mut Round, at: chrono::NaiveDateTime) {
        if let Some(detail) = self.lost.take() {
            for t in self.trackers.values_mut() {
                t.reset();
            }
            self.counters.reset();
            self.queries.reset();
            round.gaps.push(Gap {
                instance: self.name.clone(),
                family: "*".into(),
                at,
                cause: GapCause::ConnectionLost { detail },
            });
        }
    }

    fn process(&mut self, family: &'static Family, rows: &[Row], stamp: Stamp) -> Output {
        let secs = self.settings.interval.as_secs_f64();
        let tol = self.settings.tolerance;
        match family.shape {
            Shape::Table { labels, values, ratios } => {
                let tracker = self.trackers.entry(family.name).or_default();
                families::table(family.name, labels, values, ratios, rows, stamp, secs, tol, tracker)
            }
            Shape::PerfCounters => self.counters.process(rows, &self.physical_names, stamp, secs, tol),
            Shape::RingBuffer => families::ring_buffer(rows),
            Shape::QueryStats => Output::default(),
        }
    }

    fn absorb(&self, round: &mut Round, family: &'static str, stamp: Stamp, out: Output) {
        round.points.extend(out.points);
        round.prom.extend(out.prom);
        if let Some(cause) = out.gap {
            round.gaps.push(Gap { instance: self.name.clone(), family: family.into(), at: stamp.at, cause });
        }
        round.families_ok.push(family);
    }

    async fn query_round(&mut self, round: &mut Round) -> Result<(), Error> {
        if self.refused.contains_key("query_stats") && self.last_config.is_some() {
            return Ok(());
        }
        let id = self.identity.as_ref();
        let Some((family, sql)) = catalog::plan(
            Tier::Queries,
            id.map_or(cutover_mssql::EditionFamily::OnPremises, |i| i.family),
            id.and_then(|i| i.major_version),
        )
        .into_iter()
        .next() else {
            return Ok(());
        };
        let full = format!("{};\n{sql}", self.clock_sql);
        round.queries += 2;
        round.round_trips += 1;
        let conn = self.conn.as_mut().ok_or_else(|| Error::Broken { server: self.target.to_string() })?;
        let sets = match batch(conn, &full, self.settings.query_timeout).await {
            Ok(s) => s,
            Err(e) if matches!(e.kind(), ErrorKind::Permission | ErrorKind::InvalidObject) => {
                round.queries_failed += 1;
                self.refused.insert(family.name, cutover_mssql::one_line(&e));
                self.note_error(round, family.name, &e, round.at);
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        let Some(stamp) = sets.first().and_then(|rows| rows.first()).and_then(|r| {
            Some(Stamp { at: timestamp(r, "now_utc")?, start_time: timestamp(r, "sqlserver_start_time") })
        }) else {
            return Ok(());
        };
        let rows = sets.get(1).map(Vec::as_slice).unwrap_or(&[]);
        let expected = self.settings.query_interval.as_secs_f64();
        let (out, chosen) = families::query_stats(
            rows,
            stamp,
            expected,
            self.settings.tolerance,
            self.settings.top_n,
            &mut self.queries,
        );
        self.absorb(round, family.name, stamp, out);
        for (query, plan) in chosen.plans {
            self.query_plans.entry(query).or_default().insert(plan);
        }
        let chosen = chosen.hashes;
        if chosen.iter().any(|h| !self.query_text.contains_key(h)) {
            let conn = self.conn.as_mut().ok_or_else(|| Error::Broken { server: self.target.to_string() })?;
            round.queries += 1;
            round.round_trips += 1;
            if let Ok(rows) = conn.query_rows(catalog::QUERY_TEXT_SQL, &[]).await {
                for r in rows {
                    let hash = text(&r, "query_hash");
                    if chosen.contains(&hash) {
                        self.query_text.entry(hash).or_insert_with(|| text(&r, "statement_text"));
                    }
                }
            }
        }
        Ok(())
    }

    async fn config_round(&mut self, round: &mut Round) -> Result<(), Error> {
        let conn = self.conn.as_mut().ok_or_else(|| Error::Broken { server: self.target.to_string() })?;
        let mut config = serde_json::Map::new();
        let on_mi =
            self.identity.as_ref().is_some_and(|i| i.family == cutover_mssql::EditionFamily::ManagedInstance);
        let mi_only = if on_mi { catalog::MI_CONFIG_QUERIES } else { &[] };
        for (name, sql) in catalog::CONFIG_QUERIES.iter().chain(mi_only) {
            round.queries += 1;
            round.round_trips += 1;
            match conn.query_rows(&catalog::marked(sql), &[]).await {
                Ok(rows) => {
                    config.insert((*name).into(), rows_to_json(&rows));
                }
                Err(e) if !matches!(e.kind(), ErrorKind::Connection | ErrorKind::Timeout) => {
                    round.queries_failed += 1;
                    config
                        .insert((*name).into(), serde_json::json!({ "error": cutover_mssql::one_line(&e) }));
                }
                Err(e) => return Err(e),
            }
        }
        self.load_physical_names(round).await;
        self.config = Some(serde_json::Value::Object(config));
        if !self.refused.is_empty() {
            // Grants may have been given since: check the refused families again.
            self.probed = false;
        }
        Ok(())
    }
}

/// Every cell as JSON (numbers, text, NULL).
fn rows_to_json(rows: &[Row]) -> serde_json::Value {
    serde_json::Value::Array(
        rows.iter()
            .map(|r| {
                let obj = r
                    .columns()
                    .iter()
                    .map(|c| {
                        let name = c.name();
                        let v = match crate::rows::number(r, name) {
                            Some(n) => serde_json::json!(n),
                            None => serde_json::json!(text(r, name)),
                        };
                        (name.to_string(), v)
                    })
                    .collect();
                serde_json::Value::Object(obj)
            })
            .collect(),
    )
}

/// Runs a batch and returns its result sets by index (empty result sets included, which
/// `into_results` would drop), bounded by `limit`.
pub async fn batch(conn: &mut Connection, sql: &str, limit: Duration) -> Result<Vec<Vec<Row>>, Error> {
    let server = conn.target().to_string();
    let target = conn.target().clone();
    let work = async {
        let mut stream = conn.query(sql, &[]).await?;
        let mut sets: Vec<Vec<Row>> = Vec::new();
        loop {
            match stream.try_next().await {
                Ok(Some(QueryItem::Metadata(m))) => {
                    while sets.len() <= m.result_index() {
                        sets.push(Vec::new());
                    }
                }
                Ok(Some(QueryItem::Row(r))) => {
                    while sets.len() <= r.result_index() {
                        sets.push(Vec::new());
                    }
                    let i = r.result_index();
                    sets[i].push(r);
                }
                Ok(None) => break,
                Err(e) => return Err(cutover_mssql::convert::command_error(e, &target, sql)),
            }
        }
        Ok(sets)
    };
    match tokio::time::timeout(limit, work).await {
        Ok(result) => result,
        Err(_) => {
            let _ = server;
            Err(cutover_mssql::convert::command_timeout(&target, sql))
        }
    }
}
