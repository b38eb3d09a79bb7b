//! Comparing a table's contents: segment checksums on both servers, recursive bisection of the
//! segments that differ, and below `leaf_rows` a streaming merge of (key, row hash) that names
//! the exact keys. Keyless tables are bags: checksums per hash-prefix bucket, then the
//! multiplicity of each distinct row hash in the buckets that differ.

use crate::cells::{bytes, bytes_ref, int, str_ref, text_or_empty};
use crate::error::ValidateError;
use crate::plan::{Range, TablePlan};
use crate::report::{DiffKind, RowDifference};
use crate::sums::Checksum;
use cutover_mssql::Connection;
use cutover_mssql::convert::command_error;
use futures_util::StreamExt;
use std::collections::{BTreeMap, HashMap};
use tiberius::Row;

/// Knobs for one table's comparison.
#[derive(Debug, Clone)]
pub struct Tuning {
    /// Segments at or below this many rows are merged row by row.
    pub leaf_rows: u64,
    /// How many parts a differing segment splits into.
    pub fanout: u64,
    /// Differences listed per table (all are counted).
    pub max_diffs: usize,
    /// Name the differing columns of changed rows.
    pub columns: bool,
}

/// What the comparison found.
#[derive(Debug, Default)]
pub struct Outcome {
    pub differences: Vec<RowDifference>,
    pub total: u64,
    pub segments: u64,
    pub rows_merged: u64,
    pub queries: u64,
    pub rows_received: u64,
}

impl Outcome {
    /// The differences and tallies found so far, leaving the query and row counts behind.
    pub fn take_findings(&mut self) -> Outcome {
        Outcome {
            differences: std::mem::take(&mut self.differences),
            total: self.total,
            segments: self.segments,
            rows_merged: self.rows_merged,
            queries: 0,
            rows_received: 0,
        }
    }
}

/// Both connections and the running tallies.
pub struct Sides<'a> {
    pub src: &'a mut Connection,
    pub tgt: &'a mut Connection,
    pub table: String,
    pub out: Outcome,
}

impl Sides<'_> {
    async fn both(&mut self, sql: &str) -> Result<(Vec<Row>, Vec<Row>), ValidateError> {
        let table = self.table.clone();
        let err = |conn: &Connection, source| ValidateError::Query {
            server: conn.target().to_string(),
            table: table.clone(),
            source: Box::new(source),
        };
        let (a, b) = tokio::join!(self.src.query_rows(sql, &[]), self.tgt.query_rows(sql, &[]));
        let a = a.map_err(|e| err(self.src, e))?;
        let b = b.map_err(|e| err(self.tgt, e))?;
        self.out.queries += 2;
        self.out.rows_received += (a.len() + b.len()) as u64;
        Ok((a, b))
    }

    pub(crate) async fn checksums(
        &mut self,
        plan: &TablePlan,
        range: &Range,
    ) -> Result<(Checksum, Checksum), ValidateError> {
        let (a, b) = self.both(&plan.checksum_sql(range)).await?;
        self.out.segments += 1;
        let read = |rows: &[Row]| match rows.first() {
            Some(r) => Checksum::from_server(int(r, 0).unwrap_or(0) as i64, int(r, 1)),
            None => Checksum::default(),
        };
        Ok((read(&a), read(&b)))
    }

    /// Cuts `range` into parts of about `step` rows at key boundaries one side returns in its
    /// own key order (the source's, or the target's when `from_source` is false).
    pub async fn split(
        &mut self,
        plan: &TablePlan,
        range: &Range,
        step: u64,
        from_source: bool,
    ) -> Result<Vec<Range>, ValidateError> {
        let sql = plan.boundaries_sql(range, step);
        let conn: &mut Connection = if from_source { &mut *self.src } else { &mut *self.tgt };
        let server = conn.target().to_string();
        let bounds = conn.query_rows(&sql, &[]).await.map_err(|e| ValidateError::Query {
            server,
            table: self.table.clone(),
            source: Box::new(e),
        })?;
        self.out.queries += 1;
        self.out.rows_received += bounds.len() as u64;
        let mut lo = range.lo.clone();
        let mut parts = Vec::new();
        for r in &bounds {
            let k: Vec<String> = (0..plan.key.len()).map(|i| text_or_empty(r, i)).collect();
            parts.push(Range { lo: lo.clone(), hi: Some(k.clone()) });
            lo = Some(k);
        }
        parts.push(Range { lo, hi: range.hi.clone() });
        Ok(parts)
    }

    pub(crate) fn record(&mut self, d: RowDifference, max: usize) {
        self.out.total += 1;
        if self.out.differences.len() < max {
            self.out.differences.push(d);
        }
    }
}

/// Compares a keyed table; returns whether the whole table matched.
pub async fn compare_keyed(
    s: &mut Sides<'_>,
    plan: &TablePlan,
    tune: &Tuning,
) -> Result<bool, ValidateError> {
    compare_range(s, plan, Range::default(), tune).await
}

/// Compares one key range of a keyed table: checksums, then bisection of the parts that
/// differ down to merged leaves; returns whether the range matched.
pub async fn compare_range(
    s: &mut Sides<'_>,
    plan: &TablePlan,
    range: Range,
    tune: &Tuning,
) -> Result<bool, ValidateError> {
    let (a, b) = s.checksums(plan, &range).await?;
    if a == b {
        return Ok(true);
    }
    bisect(s, plan, range, a, b, tune).await?;
    Ok(false)
}

/// Splits a range whose checksums `a` (source) and `b` (target) differ until each differing
/// part is small enough to merge row by row, recording every difference in `s.out`.
pub async fn bisect(
    s: &mut Sides<'_>,
    plan: &TablePlan,
    range: Range,
    a: Checksum,
    b: Checksum,
    tune: &Tuning,
) -> Result<(), ValidateError> {
    let mut work = vec![(range, a, b)];
    while let Some((range, a, b)) = work.pop() {
        let rows = a.count.max(b.count);
        if rows <= tune.leaf_rows.max(1) {
            merge(s, plan, &range, tune).await?;
            continue;
        }
        let step = rows.div_ceil(tune.fanout.max(2));
        // Boundaries come from the side with more rows, in that server's own key order.
        let parts = s.split(plan, &range, step, a.count >= b.count).await?;
        if parts.len() < 2 {
            merge(s, plan, &range, tune).await?;
            continue;
        }
        for part in parts.into_iter().rev() {
            let (a, b) = s.checksums(plan, &part).await?;
            if a != b {
                work.push((part, a, b));
            }
        }
    }
    Ok(())
}

/// Unmatched (key, hash) per side while two key-ordered streams are paired, and the keys whose
/// hashes differ.
#[derive(Default)]
struct Pairing {
    pending: [HashMap<Vec<String>, Vec<u8>>; 2],
    changed: Vec<Vec<String>>,
}

impl Pairing {
    /// A row from each side. In step (equal keys, the common case) they pair up from the
    /// borrowed cells without touching the maps; out of step, each goes through [`Self::add`].
    fn pair(&mut self, a: &Row, b: &Row, n: usize) {
        if (0..n).all(|i| str_ref(a, i) == str_ref(b, i)) {
            if bytes_ref(a, n) != bytes_ref(b, n) {
                self.changed.push(owned_key(a, n));
            }
        } else {
            self.add(0, a, n);
            self.add(1, b, n);
        }
    }

    /// One row of `side` (0 source, 1 target): paired with the other side's waiting row of the
    /// same key, else left waiting.
    fn add(&mut self, side: usize, row: &Row, n: usize) {
        let key = owned_key(row, n);
        let hash = bytes(row, n).unwrap_or_default();
        match self.pending[1 - side].remove(&key) {
            Some(h) if h == hash => {}
            Some(_) => self.changed.push(key),
            None => {
                self.pending[side].insert(key, hash);
            }
        }
    }
}

fn owned_key(row: &Row, n: usize) -> Vec<String> {
    (0..n).map(|i| text_or_empty(row, i)).collect()
}

/// Streams (key, hash) from both sides in key order and pairs them up. Unmatched keys wait in
/// a map until the other side shows them; since both sides stream in the same order, the maps
/// hold only the differences and the lag between the two streams.
pub async fn merge(
    s: &mut Sides<'_>,
    plan: &TablePlan,
    range: &Range,
    tune: &Tuning,
) -> Result<(), ValidateError> {
    let sql = plan.leaf_sql(range);
    let n = plan.key.len();
    let table = s.table.clone();
    let mut pairing = Pairing::default();
    let mut merged = 0u64;
    {
        let (src_target, tgt_target) = (s.src.target().clone(), s.tgt.target().clone());
        let qerr = |t: &cutover_mssql::ServerTarget, e| ValidateError::Query {
            server: t.to_string(),
            table: table.clone(),
            source: Box::new(e),
        };
        let stream_a = s.src.query(&sql, &[]).await.map_err(|e| qerr(&src_target, e))?;
        let stream_b = s.tgt.query(&sql, &[]).await.map_err(|e| qerr(&tgt_target, e))?;
        let [mut a, mut b] = [stream_a.into_row_stream(), stream_b.into_row_stream()];
        loop {
            let (ra, rb) = tokio::join!(a.next(), b.next());
            let ra = ra.transpose().map_err(|e| qerr(&src_target, command_error(e, &src_target, &sql)))?;
            let rb = rb.transpose().map_err(|e| qerr(&tgt_target, command_error(e, &tgt_target, &sql)))?;
            merged += u64::from(ra.is_some()) + u64::from(rb.is_some());
            match (ra, rb) {
                (None, None) => break,
                (Some(ra), Some(rb)) => pairing.pair(&ra, &rb, n),
                (Some(row), None) => pairing.add(0, &row, n),
                (None, Some(row)) => pairing.add(1, &row, n),
            }
        }
    }
    let Pairing { pending, changed } = pairing;
    s.out.queries += 2;
    s.out.rows_received += merged;
    s.out.rows_merged += merged;
    let [missing, extra] = pending;
    let mut found: Vec<RowDifference> = Vec::new();
    for (kind, keys) in [
        (DiffKind::MissingInTarget, missing.into_keys().collect::<Vec<_>>()),
        (DiffKind::ExtraInTarget, extra.into_keys().collect()),
    ] {
        for k in keys {
            found.push(RowDifference {
                kind,
                key: key_map(plan, &k),
                columns: vec![],
                source_count: None,
                target_count: None,
            });
        }
    }
    for k in changed {
        let columns = if tune.columns && s.out.total < tune.max_diffs as u64 {
            differing_columns(s, plan, &k).await?
        } else {
            Vec::new()
        };
        found.push(RowDifference {
            kind: DiffKind::Changed,
            key: key_map(plan, &k),
            columns,
            source_count: None,
            target_count: None,
        });
    }
    found.sort();
    for d in found {
        s.record(d, tune.max_diffs);
    }
    Ok(())
}

pub(crate) fn key_map(plan: &TablePlan, key: &[String]) -> BTreeMap<String, String> {
    plan.key.iter().zip(key).map(|(k, v)| (k.name.clone(), v.clone())).collect()
}

pub(crate) async fn differing_columns(
    s: &mut Sides<'_>,
    plan: &TablePlan,
    key: &[String],
) -> Result<Vec<String>, ValidateError> {
    let (a, b) = s.both(&plan.columns_sql(key)).await?;
    let (Some(a), Some(b)) = (a.first(), b.first()) else { return Ok(vec![]) };
    Ok(plan
        .hashed_names
        .iter()
        .enumerate()
        .filter(|(i, _)| bytes(a, *i) != bytes(b, *i))
        .map(|(_, name)| name.clone())
        .collect())
}

/// Compares a keyless table as a bag of rows; returns whether it matched.
pub async fn compare_bag(s: &mut Sides<'_>, plan: &TablePlan, tune: &Tuning) -> Result<bool, ValidateError> {
    let (a, b) = s.checksums(plan, &Range::default()).await?;
    if a == b {
        return Ok(true);
    }
    let mut work: Vec<Vec<u8>> = vec![Vec::new()];
    while let Some(prefix) = work.pop() {
        let (ra, rb) = s.both(&plan.buckets_sql(&prefix)).await?;
        let read = |rows: &[Row]| -> BTreeMap<Vec<u8>, Checksum> {
            rows.iter()
                .map(|r| {
                    (
                        bytes(r, 0).unwrap_or_default(),
                        Checksum::from_server(int(r, 1).unwrap_or(0) as i64, int(r, 2)),
                    )
                })
                .collect()
        };
        let (ba, bb) = (read(&ra), read(&rb));
        let mut keys: Vec<&Vec<u8>> = ba.keys().chain(bb.keys()).collect();
        keys.sort();
        keys.dedup();
        for p in keys {
            let (ca, cb) = (ba.get(p).copied().unwrap_or_default(), bb.get(p).copied().unwrap_or_default());
            if ca == cb {
                continue;
            }
            if ca.count.max(cb.count) > tune.leaf_rows && p.len() < 8 {
                work.push(p.clone());
            } else {
                bag_leaf(s, plan, p, tune).await?;
            }
        }
    }
    Ok(false)
}

async fn bag_leaf(
    s: &mut Sides<'_>,
    plan: &TablePlan,
    prefix: &[u8],
    tune: &Tuning,
) -> Result<(), ValidateError> {
    let (ra, rb) = s.both(&plan.bag_rows_sql(prefix)).await?;
    let read = |rows: &[Row]| -> BTreeMap<Vec<u8>, u64> {
        rows.iter().map(|r| (bytes(r, 0).unwrap_or_default(), int(r, 1).unwrap_or(0) as u64)).collect()
    };
    let (ma, mb) = (read(&ra), read(&rb));
    let mut hashes: Vec<&Vec<u8>> = ma.keys().chain(mb.keys()).collect();
    hashes.sort();
    hashes.dedup();
    for h in hashes {
        let (na, nb) = (ma.get(h).copied().unwrap_or(0), mb.get(h).copied().unwrap_or(0));
        if na == nb {
            continue;
        }
        let hex: String = h.iter().map(|b| format!("{b:02x}")).collect();
        let kind = match (na, nb) {
            (_, 0) => DiffKind::MissingInTarget,
            (0, _) => DiffKind::ExtraInTarget,
            _ => DiffKind::CountDiffers,
        };
        let key = BTreeMap::from([("row_sha256".to_string(), hex)]);
        s.record(
            RowDifference { kind, key, columns: vec![], source_count: Some(na), target_count: Some(nb) },
            tune.max_diffs,
        );
    }
    Ok(())
}
