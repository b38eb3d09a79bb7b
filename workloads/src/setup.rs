//! `cutover workload init`: create a workload's schema and fill its tables with deterministic
//! data (the same seed and scale give the same rows), through the one connection layer with
//! typed parameters, in multi-row INSERTs.

use rand::SeedableRng;
use rand::rngs::StdRng;
use tiberius::ToSql;

use cutover_mssql::Connection;

use crate::error::{Error, Result};
use crate::spec::{Setup, SetupTable, Workload};
use crate::value::ParamValue;

/// SQL Server allows 2,100 parameters per RPC; stay well below.
const MAX_PARAMS_PER_INSERT: usize = 1000;
/// Rows per INSERT at most.
const MAX_ROWS_PER_INSERT: usize = 100;

/// What init did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct InitReport {
    /// Schema batches run.
    pub batches: usize,
    /// Rows inserted per table.
    pub rows: Vec<(String, u64)>,
}

/// Runs the workload's schema and fills its tables at `scale`.
pub async fn init(
    conn: &mut Connection,
    workload: &Workload,
    scale: u64,
    mut progress: impl FnMut(&str, u64, u64),
) -> Result<InitReport> {
    let Some(setup) = &workload.setup else {
        return Err(Error::setting(
            "--workload",
            format!(
                "{} has no [setup] section: nothing to create; add [setup] schema and [[setup.table]] entries",
                workload.file
            ),
        ));
    };
    if let Some(db) = &workload.database {
        let sql = format!("USE [{}]", db.replace(']', "]]"));
        conn.simple_query(&sql).await.map_err(|source| Error::Server {
            context: format!("cannot use database {db}: create it first"),
            source,
        })?;
    }
    run_schema(conn, setup).await?;
    let mut report = InitReport { batches: setup.schema.len(), rows: Vec::new() };
    for (i, table) in setup.tables.iter().enumerate() {
        let rows = table.rows.saturating_mul(scale);
        fill(conn, table, rows, workload.seed.wrapping_add(i as u64 + 1), &mut progress).await?;
        report.rows.push((table.name.clone(), rows));
    }
    Ok(report)
}

async fn run_schema(conn: &mut Connection, setup: &Setup) -> Result<()> {
    for (i, batch) in setup.schema.iter().enumerate() {
        conn.simple_query(batch).await.map_err(|source| Error::Server {
            context: format!("schema batch {} of {} failed", i + 1, setup.schema.len()),
            source,
        })?;
    }
    Ok(())
}

/// The INSERT for `rows` rows of `table`, with `@P1…` parameters row by row.
pub fn insert_sql(table: &SetupTable, rows: usize) -> String {
    let columns: Vec<&str> = table.columns.iter().map(|(n, _)| n.as_str()).collect();
    let width = columns.len();
    let tuples: Vec<String> = (0..rows)
        .map(|r| {
            let ps: Vec<String> = (0..width).map(|c| format!("@P{}", r * width + c + 1)).collect();
            format!("({})", ps.join(", "))
        })
        .collect();
    format!("INSERT INTO {} ({}) VALUES {}", table.name, columns.join(", "), tuples.join(", "))
}

/// The rows of `table`: row `i` draws its columns in order from one generator seeded by `seed`.
pub fn rows(table: &SetupTable, count: u64, seed: u64) -> impl Iterator<Item = Vec<ParamValue>> + '_ {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..count).map(move |i| table.columns.iter().map(|(_, g)| g.generate(&mut rng, i)).collect())
}

async fn fill(
    conn: &mut Connection,
    table: &SetupTable,
    count: u64,
    seed: u64,
    progress: &mut impl FnMut(&str, u64, u64),
) -> Result<()> {
    let per_insert = (MAX_PARAMS_PER_INSERT / table.columns.len().max(1)).clamp(1, MAX_ROWS_PER_INSERT);
    let full_sql = insert_sql(table, per_insert);
    let mut batch: Vec<ParamValue> = Vec::with_capacity(per_insert * table.columns.len());
    let mut done = 0u64;
    let mut pending = 0usize;
    for row in rows(table, count, seed) {
        batch.extend(row);
        pending += 1;
        if pending == per_insert {
            insert(conn, table, &full_sql, &batch).await?;
            done += pending as u64;
            progress(&table.name, done, count);
            batch.clear();
            pending = 0;
        }
    }
    if pending > 0 {
        insert(conn, table, &insert_sql(table, pending), &batch).await?;
        done += pending as u64;
        progress(&table.name, done, count);
    }
    Ok(())
}

async fn insert(conn: &mut Connection, table: &SetupTable, sql: &str, values: &[ParamValue]) -> Result<()> {
    let params: Vec<&dyn ToSql> = values.iter().map(|v| v as &dyn ToSql).collect();
    conn.execute(sql, &params)
        .await
        .map_err(|source| Error::Server { context: format!("filling {} failed", table.name), source })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Workload;

    #[test]
    fn data_is_deterministic_and_inserts_are_positional() {
        for (name, text) in crate::bundled::BUNDLED {
            let w = Workload::parse(name, text, std::path::Path::new("."))
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            let setup = w.setup.as_ref().expect("bundled workloads have a setup");
            for t in &setup.tables {
                let a: Vec<_> = rows(t, 50, 3).collect();
                assert_eq!(a, rows(t, 50, 3).collect::<Vec<_>>(), "{name} {}", t.name);
            }
        }
        let w = Workload::parse("o", crate::bundled::BUNDLED[0].1, std::path::Path::new(".")).unwrap();
        let t = &w.setup.unwrap().tables[0];
        let sql = insert_sql(t, 2);
        let width = t.columns.len();
        assert!(sql.ends_with(&format!("@P{})", 2 * width)), "{sql}");
    }
}
