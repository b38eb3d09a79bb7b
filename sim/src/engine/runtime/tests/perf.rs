//! Throughput: streaming and bulk loading a million rows. Ignored by default (they want a
//! release build): `cargo test -p cutover-sim --release engine::runtime -- --ignored`.

use std::time::Instant;

use super::*;
use crate::engine::{ResultSink, Stop};
use crate::types::{Cell, Column};

/// Counts rows and touches every cell, as an encoder would.
struct CountingSink {
    rows: u64,
    bytes: usize,
}

impl ResultSink for CountingSink {
    fn columns(&mut self, _: &[Column]) -> Result<(), Stop> {
        Ok(())
    }
    fn row(&mut self, cells: &[Cell<'_>]) -> Result<(), Stop> {
        self.rows += 1;
        for c in cells {
            self.bytes += match c {
                Cell::Text(t) => t.len(),
                Cell::Blob(b) => b.len(),
                _ => 8,
            };
        }
        Ok(())
    }
    fn done(&mut self, _: Option<u64>) {}
    fn error(&mut self, e: &SqlError) {
        panic!("{e}");
    }
    fn info(&mut self, _: i32, _: &str) {}
    fn database_changed(&mut self, _: &str, _: &str) {}
    fn cancelled(&self) -> bool {
        false
    }
}

#[test]
#[ignore = "throughput check; run with --release --ignored"]
fn a_million_rows_load_and_stream_fast() {
    let inst = instance();
    inst.create_database("big").unwrap();
    let mut s = sa(&inst, "big");
    let mut id = col("id", "int", false);
    id.identity = Some((1, 1));
    run_ok(
        &mut s,
        Step::CreateTable(table(
            "dbo.t",
            vec![
                id,
                col("a", "int", false),
                col("b", "nvarchar(40)", false),
                col("c", "float", true),
                col("d", "datetime2(7)", true),
            ],
            Some(key(&["id"])),
        )),
    );
    let started = Instant::now();
    let batch = 1000;
    for chunk in 0..1000 {
        let values: Vec<String> = (0..batch)
            .map(|i| {
                let n = chunk * batch + i;
                format!("({n}, 'customer-{n:08}', {n}.5, '2024-01-01 00:00:00.0000000')")
            })
            .collect();
        let out = run(
            &mut s,
            modify(&format!("INSERT INTO main.\"dbo.t\" (a, b, c, d) VALUES {}", values.join(", ")), "dbo.t"),
        );
        assert!(out.errors.is_empty(), "{:?}", out.errors);
    }
    let load = started.elapsed();
    eprintln!("bulk insert of 1M rows: {load:?}");
    assert!(load.as_secs_f64() < 15.0, "bulk insert took {load:?}");

    let started = Instant::now();
    let mut sink = CountingSink { rows: 0, bytes: 0 };
    s.execute_step(&query("SELECT id, a, b, c, d FROM main.\"dbo.t\""), &mut sink);
    let secs = started.elapsed().as_secs_f64();
    let rate = sink.rows as f64 / secs;
    eprintln!("streamed {} rows in {secs:.3}s = {rate:.0} rows/s ({} bytes)", sink.rows, sink.bytes);
    assert_eq!(sink.rows, 1_000_000);
    assert!(rate > 500_000.0, "{rate:.0} rows/s");
}
