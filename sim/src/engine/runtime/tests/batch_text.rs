//! A monitoring tool's story: sys.dm_exec_sql_text returns the whole batch exactly as sent
//! (comments included), each statement of it is cut out with the offsets of
//! sys.dm_exec_query_stats, and a tool that marks its own batches with a leading comment can
//! filter them out. query_hash stays per statement.

use super::*;

/// The collector's own batch: a marker comment, then two statements (one with a non-ASCII
/// literal, so offsets must count UTF-16, not UTF-8 bytes).
const MARKED: &str =
    "/* cutover collector */\r\nSELECT N'café' AS word;\r\n  SELECT COUNT(*) AS n FROM sys.databases;\r\n";
/// The workload's batch: the collector's second statement again, and one of its own.
const WORKLOAD: &str = "-- workload\nSELECT COUNT(*) AS n FROM sys.databases; SELECT 7 AS lucky";

/// The extraction every monitoring script uses (collector/src/catalog.rs QUERY_TEXT_SQL).
const EXTRACT: &str = "SELECT SUBSTRING(st.text, qs.statement_start_offset / 2 + 1, \
    (CASE qs.statement_end_offset WHEN -1 THEN DATALENGTH(st.text) ELSE qs.statement_end_offset END \
    - qs.statement_start_offset) / 2 + 1) AS statement_text, st.text, qs.query_hash \
    FROM sys.dm_exec_query_stats AS qs CROSS APPLY sys.dm_exec_sql_text(qs.sql_handle) AS st";

fn run_ok(s: &mut Session, sql: &str) -> CollectSink {
    let mut sink = CollectSink::new();
    s.execute(sql, &[], &mut sink);
    assert!(sink.errors.is_empty(), "{sql}: {:?}", sink.errors);
    sink
}

/// (statement as extracted, batch text, query_hash) of every cached statement `filter` keeps.
fn statements(s: &mut Session, filter: &str) -> Vec<(String, String, Value)> {
    let out = run_ok(s, &format!("{EXTRACT} {filter}"));
    let rows = &out.single().rows;
    // A statement that runs to the end of its batch (-1) is extracted with what trails it.
    rows.iter()
        .map(|r| (text(&r[0]).trim_end().trim_end_matches(';').to_string(), text(&r[1]), r[2].clone()))
        .collect()
}

fn the<'a>(rows: &'a [(String, String, Value)], statement: &str) -> &'a (String, String, Value) {
    rows.iter().find(|r| r.0 == statement).unwrap_or_else(|| panic!("no `{statement}` in {rows:#?}"))
}

#[test]
fn sql_text_is_the_whole_batch_and_offsets_cut_out_each_statement() {
    let inst = instance();
    let mut s = sa(&inst, "master");
    run_ok(&mut s, MARKED);
    run_ok(&mut s, WORKLOAD);
    let all = statements(&mut s, "");
    let word = the(&all, "SELECT N'café' AS word");
    assert_eq!(word.1, MARKED, "the batch text as sent, comment and line breaks included");
    let count_in_marked = all
        .iter()
        .find(|r| r.0 == "SELECT COUNT(*) AS n FROM sys.databases" && r.1 == MARKED)
        .expect("the marked batch's second statement, cut out after the non-ASCII literal");
    let count_in_workload = all
        .iter()
        .find(|r| r.0 == "SELECT COUNT(*) AS n FROM sys.databases" && r.1 == WORKLOAD)
        .expect("the same statement in the workload batch, a plan-cache entry of its own");
    assert_eq!(count_in_marked.2, count_in_workload.2, "same statement, same query_hash in any batch");
    assert_ne!(word.2, count_in_marked.2);
    assert_eq!(the(&all, "SELECT 7 AS lucky").1, WORKLOAD);
}

#[test]
fn a_leading_comment_marks_every_statement_of_the_batch() {
    let inst = instance();
    let mut s = sa(&inst, "master");
    run_ok(&mut s, MARKED);
    run_ok(&mut s, WORKLOAD);
    let kept = statements(&mut s, "WHERE st.text NOT LIKE N'/* cutover collector */%'");
    assert!(kept.iter().all(|r| r.1 != MARKED), "the marked batch is filtered out: {kept:#?}");
    assert!(!kept.iter().any(|r| r.0 == "SELECT N'café' AS word"));
    assert_eq!(the(&kept, "SELECT COUNT(*) AS n FROM sys.databases").1, WORKLOAD);
    the(&kept, "SELECT 7 AS lucky");
}

#[test]
fn offsets_are_utf16_bytes_and_minus_one_runs_to_the_end() {
    let inst = instance();
    let mut s = sa(&inst, "master");
    run_ok(&mut s, WORKLOAD);
    let out = run_ok(
        &mut s,
        "SELECT qs.statement_start_offset, qs.statement_end_offset FROM sys.dm_exec_query_stats AS qs \
         CROSS APPLY sys.dm_exec_sql_text(qs.sql_handle) AS st WHERE st.text LIKE N'-- workload%' \
         ORDER BY qs.statement_start_offset",
    );
    let offsets: Vec<(i64, i64)> = out.single().rows.iter().map(|r| (int(&r[0]), int(&r[1]))).collect();
    let first = WORKLOAD.find("SELECT").unwrap() as i64;
    let first_last_char = WORKLOAD.find("databases").unwrap() as i64 + "databases".len() as i64 - 1;
    let second = WORKLOAD.find("SELECT 7").unwrap() as i64;
    assert_eq!(offsets, vec![(2 * first, 2 * first_last_char), (2 * second, -1)]);
}
