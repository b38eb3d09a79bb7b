//! INSERT, UPDATE and DELETE under row locks, as SQL Server runs them at READ COMMITTED
//! ("Transaction locking and row versioning guide": a modification takes an exclusive lock on
//! each row it changes and holds it to the end of the transaction; a statement that needs a
//! row another transaction holds waits for it, up to `LOCK_TIMEOUT`, then 1222; a cycle of
//! waits is a deadlock, one session gets 1205 and its transaction is rolled back).
//!
//! SQLite has one writer per database, so each statement runs in a short SQLite transaction
//! of its own: temporary triggers capture the rows it touched (`undo.rs`); when another
//! session holds one of them, the statement is rolled back, waits for that session, and runs
//! again (so it reads the other session's outcome, as a blocked SQL Server statement does);
//! otherwise its rows are locked, their before-images kept in the transaction's undo log, and
//! the SQLite transaction commits. Readers still wait per table (`locks.rs`).
//!
//! A statement also reads rows it does not change (a scan, a seek whose other predicates fail):
//! it conflicts with *any* other session's row lock on the table unless SQLite seeks one row by
//! a unique key (`EXPLAIN QUERY PLAN`: rowid or unique index, every key column `=`, no IN/OR/IS
//! in the statement) and the statement changed that row.
//!
//! Where this cannot be faithful the statement takes the database lock instead (the exclusive
//! claim and SQLite's write lock, as before row locks): REPEATABLE READ and stricter, a
//! transaction that already holds the database lock, temporary tables, tables with triggers
//! (rowversion, change tracking), foreign keys, computed columns or WITHOUT ROWID storage.

use super::database::{literal, quote};
use super::errors::{Action, Failure};
use super::exec::Count;
use super::objects::TableRef;
use super::rowlocks::{TableKey, Touched, index_key};
use super::session::Session;
use super::undo::{self, Change, Kind, UndoEntry};
use crate::engine::{ObjectName, ResultSink};

impl Session {
    /// INSERT / UPDATE / DELETE, under row locks when they apply, else the database lock.
    pub(crate) fn modify_locked(
        &mut self,
        sql: &str,
        table: &ObjectName,
        sink: &mut dyn ResultSink,
    ) -> Result<Count, Failure> {
        let target = self.locate_table(table)?;
        let table_allows = self.table_allows_row_locks(&target)?;
        let session_allows = self.isolation <= 2 && !self.tran.locked && self.conn.is_autocommit();
        if !table_allows && self.trancount == 0 {
            // No transaction can hold rows of this table: a plain statement, as before.
            return self.modify(sql, table);
        }
        if !(table_allows && session_allows) {
            return self.modify_exclusively(sql, table, sink);
        }
        let key: TableKey = (target.database.to_ascii_lowercase(), target.sqlite_name.to_ascii_lowercase());
        let (spid, shared) = (self.shared.spid, self.shared.clone());
        let registry = &shared.instance.inner.uncommitted;
        let (columns, rowid_alias) = self.table_columns(&target)?;
        loop {
            self.conn.execute_batch("BEGIN IMMEDIATE").map_err(|e| self.sql_error(e, Action::Other))?;
            let armed = undo::arm(&self.conn, &target.alias, &target.sqlite_name, &columns);
            let result =
                armed.map_err(|e| self.sql_error(e, Action::Other)).and_then(|_| self.modify(sql, table));
            let changes = match result {
                Ok(_) => undo::collect(&self.conn, &target.alias, &target.sqlite_name)
                    .map_err(|e| self.sql_error(e, Action::Other)),
                Err(_) => Ok(Vec::new()),
            };
            let (result, changes) = match changes {
                Ok(c) => (result, c),
                Err(f) => (Err(f), Vec::new()),
            };
            let count = match result {
                Ok(count) => count,
                Err(f) => {
                    let _ = self.conn.execute_batch("ROLLBACK");
                    // A duplicate key may be another transaction's uncommitted row: wait for it
                    // (SQL Server waits on that key's lock), then try again.
                    match (&f, registry.table_holder(spid, &key)) {
                        (Failure::Error(e), Some(holder)) if matches!(e.number, 2627 | 2601) => {
                            self.wait_for_holder(sink, holder, &key)?;
                            continue;
                        }
                        _ => return Err(f),
                    }
                }
            };
            let mine = undo::first_per_row(changes);
            let touched = match self.touched(sql, &target, &mine) {
                Ok(t) => t,
                Err(f) => {
                    let _ = self.conn.execute_batch("ROLLBACK");
                    return Err(f);
                }
            };
            if let Some(holder) = registry.row_conflict(spid, &key, &touched) {
                let _ = self.conn.execute_batch("ROLLBACK");
                self.wait_for_holder(sink, holder, &key)?;
                continue;
            }
            let kept = self.tran.undo.len();
            if self.trancount > 0 {
                // Marked before SQLite commits: readers of the table wait from here on.
                self.mark_uncommitted(&target.database, &target.sqlite_name);
                registry.lock_rows(spid, &key, &touched);
                self.tran.undo.extend(mine.into_iter().map(|change| UndoEntry {
                    change,
                    columns: columns.clone(),
                    rowid_alias,
                }));
                // The before-images are committed with the rows (`journal.rs`).
                let tran = self.tran.descriptor as i64;
                if let Err(e) = super::journal::write(&self.conn, tran, kept, &self.tran.undo[kept..]) {
                    let _ = self.conn.execute_batch("ROLLBACK");
                    self.tran.undo.truncate(kept);
                    return Err(self.sql_error(e, Action::Other));
                }
            }
            let committed = {
                let _gate = registry.gate.write().unwrap_or_else(|p| p.into_inner());
                self.conn.execute_batch("COMMIT")
            };
            if let Err(e) = committed {
                let _ = self.conn.execute_batch("ROLLBACK");
                self.tran.undo.truncate(kept);
                return Err(self.sql_error(e, Action::Other));
            }
            return Ok(count);
        }
    }

    /// Under the database lock: the exclusive claim (waiting for other sessions' row locks),
    /// then SQLite's write lock inside a transaction.
    fn modify_exclusively(
        &mut self,
        sql: &str,
        table: &ObjectName,
        sink: &mut dyn ResultSink,
    ) -> Result<Count, Failure> {
        let target = self.locate_table(table)?;
        if self.trancount > 0 {
            self.lock_for_writing(sink)?;
            let count = self.modify(sql, table)?;
            self.mark_uncommitted(&target.database, &target.sqlite_name);
            return Ok(count);
        }
        // Outside a transaction: its own SQLite transaction, once no other transaction holds
        // rows of the table (checked under SQLite's write lock, which row locks are taken under).
        let key: TableKey = (target.database.to_ascii_lowercase(), target.sqlite_name.to_ascii_lowercase());
        let shared = self.shared.clone();
        let registry = &shared.instance.inner.uncommitted;
        loop {
            self.conn.execute_batch("BEGIN IMMEDIATE").map_err(|e| self.sql_error(e, Action::Other))?;
            if let Some(holder) = registry.table_holder(self.shared.spid, &key) {
                let _ = self.conn.execute_batch("ROLLBACK");
                self.wait_for_holder(sink, holder, &key)?;
                continue;
            }
            let result = self.modify(sql, table);
            let end = if result.is_ok() { "COMMIT" } else { "ROLLBACK" };
            let ended = self.conn.execute_batch(end).map_err(|e| self.sql_error(e, Action::Other));
            return result.and_then(|count| ended.map(|_| count));
        }
    }

    /// Waits until no other session holds row locks (then holds the claim).
    pub(crate) fn claim_exclusive(&mut self, sink: &mut dyn ResultSink) -> Result<(), Failure> {
        let (spid, shared) = (self.shared.spid, self.shared.clone());
        let registry = &shared.instance.inner.uncommitted;
        self.wait_blocked(sink, || registry.claim_exclusive(spid))
    }

    /// Gives the claim back after a statement outside a transaction.
    pub(crate) fn release_exclusive(&self) {
        self.shared.instance.inner.uncommitted.release_exclusive(self.shared.spid);
    }

    fn wait_for_holder(
        &mut self,
        sink: &mut dyn ResultSink,
        holder: u16,
        key: &TableKey,
    ) -> Result<(), Failure> {
        let shared = self.shared.clone();
        let registry = &shared.instance.inner.uncommitted;
        self.wait_blocked(sink, || registry.still_holds(holder, key).then_some(holder))
    }

    /// Whether DML on `target` can run under row locks (see the module comment).
    fn table_allows_row_locks(&self, target: &TableRef) -> Result<bool, Failure> {
        if target.kind != "U"
            || target.alias.eq_ignore_ascii_case("temp")
            || target.database.eq_ignore_ascii_case(super::temp::TEMPDB)
        {
            return Ok(false);
        }
        let (a, t) = (quote(&target.alias), literal(&target.sqlite_name));
        let sql = format!(
            "SELECT (SELECT count(*) FROM {a}.sqlite_master WHERE type = 'trigger' AND tbl_name = {t} \
                     AND name NOT LIKE '%$identity%') \
                  + (SELECT count(*) FROM {a}.\"__cutover_fk_columns\" \
                     WHERE parent_object_id = ?1 OR referenced_object_id = ?1) \
                  + (SELECT count(*) FROM {a}.sqlite_master WHERE type = 'table' AND name = {t} \
                     AND upper(sql) LIKE '%WITHOUT ROWID%') \
                  + (SELECT count(*) FROM pragma_table_xinfo({t}, {}) WHERE hidden <> 0)",
            literal(&target.alias)
        );
        let blockers: i64 = self
            .conn
            .query_row(&sql, [target.object_id], |r| r.get(0))
            .map_err(|e| self.sql_error(e, Action::Other))?;
        Ok(blockers == 0)
    }

    /// The table's column names in order, and whether it has an INTEGER PRIMARY KEY.
    fn table_columns(&self, target: &TableRef) -> Result<(Vec<String>, bool), Failure> {
        let sql = format!(
            "SELECT name, pk, upper(type) FROM pragma_table_info({}, {}) ORDER BY cid",
            literal(&target.sqlite_name),
            literal(&target.alias)
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.sql_error(e, Action::Other))?;
        let rows: Vec<(String, i64, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(|e| self.sql_error(e, Action::Other))?
            .filter_map(Result::ok)
            .collect();
        let keys: Vec<&(String, i64, String)> = rows.iter().filter(|r| r.1 > 0).collect();
        let rowid_alias = keys.len() == 1 && keys[0].2 == "INTEGER";
        Ok((rows.into_iter().map(|r| r.0).collect(), rowid_alias))
    }

    /// What the statement touched in its table, for the lock check.
    fn touched(&self, sql: &str, target: &TableRef, mine: &[Change]) -> Result<Touched, Failure> {
        let action = Action::of_sql(sql);
        let unique = self.unique_indexes(target)?;
        let point = self.single_row_access(sql, matches!(action, Action::Insert), &unique)?;
        // Per unique index: the keys each change moved away from and made.
        let moved = |c: &Change, cols: &[usize]| {
            c.kind == Kind::Update && cols.iter().any(|&i| c.old.get(i) != c.new.get(i))
        };
        let mut created = Vec::new();
        let mut vacated = Vec::new();
        for c in mine {
            for (index, cols) in &unique {
                let (gone, made) = match c.kind {
                    Kind::Insert => (None, index_key(&c.new, cols)),
                    Kind::Delete => (index_key(&c.old, cols), None),
                    Kind::Update if moved(c, cols) => (index_key(&c.old, cols), index_key(&c.new, cols)),
                    Kind::Update => (None, None),
                };
                vacated.extend(gone.map(|k| (index.clone(), k)));
                created.extend(made.map(|k| (index.clone(), k)));
            }
        }
        let mut rows: Vec<i64> = mine
            .iter()
            .flat_map(|c| match c.kind {
                Kind::Insert => vec![c.new_rowid],
                Kind::Delete => vec![c.old_rowid],
                Kind::Update => vec![c.old_rowid, c.new_rowid],
            })
            .collect();
        rows.sort_unstable();
        rows.dedup();
        let changes_one_row = mine.len() == 1;
        Ok(Touched {
            rows,
            whole_table: !point || (!matches!(action, Action::Insert) && !changes_one_row),
            created,
            vacated,
        })
    }

    /// The table's unique indexes: name → column positions.
    fn unique_indexes(&self, target: &TableRef) -> Result<Vec<(String, Vec<usize>)>, Failure> {
        let schema = literal(&target.alias);
        let sql = format!(
            "SELECT il.name, ii.cid FROM pragma_index_list({}, {schema}) AS il, \
             pragma_index_info(il.name, {schema}) AS ii WHERE il.\"unique\" = 1 ORDER BY il.name, ii.seqno",
            literal(&target.sqlite_name)
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.sql_error(e, Action::Other))?;
        let pairs: Vec<(String, i64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(|e| self.sql_error(e, Action::Other))?
            .filter_map(Result::ok)
            .collect();
        let mut out: Vec<(String, Vec<usize>)> = Vec::new();
        for (name, cid) in pairs {
            match out.last_mut() {
                Some((n, cols)) if *n == name => cols.push(cid.max(0) as usize),
                _ => out.push((name, vec![cid.max(0) as usize])),
            }
        }
        Ok(out)
    }

    /// True when SQLite reaches at most one row of the table: one seek by the rowid or by every
    /// column of a unique index with `=` (an UPDATE/DELETE), or no table access at all (an
    /// INSERT … VALUES).
    fn single_row_access(
        &self,
        sql: &str,
        insert: bool,
        unique: &[(String, Vec<usize>)],
    ) -> Result<bool, Failure> {
        const WIDENING: [&str; 6] = ["IN", "OR", "IS", "SELECT", "EXISTS", "JOIN"];
        let upper = sql.to_ascii_uppercase();
        if upper.split(|c: char| !c.is_ascii_alphanumeric() && c != '_').any(|w| WIDENING.contains(&w)) {
            return Ok(false);
        }
        let details: Vec<String> = {
            let mut stmt = self
                .conn
                .prepare_cached(&format!("EXPLAIN QUERY PLAN {sql}"))
                .map_err(|e| self.sql_error(e, Action::Other))?;
            self.bind(&mut stmt)?;
            let mut rows = stmt.raw_query();
            let mut out = Vec::new();
            while let Some(row) = rows.next().map_err(|e| self.sql_error(e, Action::Other))? {
                out.push(row.get::<_, String>(3).unwrap_or_default());
            }
            out
        };
        let access: Vec<&String> = details.iter().filter(|d| !d.contains("CONSTANT ROW")).collect();
        if insert {
            return Ok(access.is_empty());
        }
        let [line] = access.as_slice() else { return Ok(false) };
        Ok(unique_seek(line, unique))
    }
}

/// `SEARCH t USING INTEGER PRIMARY KEY (rowid=?)`, or `SEARCH t USING [COVERING] INDEX ix
/// (a=? AND b=?)` with `ix` unique on exactly those columns.
fn unique_seek(line: &str, unique: &[(String, Vec<usize>)]) -> bool {
    if !line.starts_with("SEARCH ") {
        return false;
    }
    if line.ends_with("USING INTEGER PRIMARY KEY (rowid=?)") {
        return true;
    }
    let Some(at) = line.find(" INDEX ") else { return false };
    let rest = &line[at + " INDEX ".len()..];
    let Some(open) = rest.find(" (") else { return false };
    let (name, terms) = (&rest[..open], rest[open + 2..].trim_end_matches(')'));
    let terms: Vec<&str> = terms.split(" AND ").collect();
    if !terms.iter().all(|t| t.ends_with("=?") && !t.contains('<') && !t.contains('>')) {
        return false;
    }
    unique.iter().any(|(n, cols)| n == name && cols.len() == terms.len())
}
