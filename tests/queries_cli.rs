//! Before granting anything, a DBA reads every statement cutover would send to their server:
//! `cutover queries`, as a T-SQL script any tool reads, as JSON, or as a list.

mod common;

use std::process::{Command, Output};

fn cutover(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cutover")).args(args).output().expect("the binary runs")
}

fn stdout(out: &Output) -> String {
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_script_for_an_edition_has_a_header_and_a_go_per_statement() {
    let script = stdout(&cutover(&["queries", "--edition", "sqlserver-2019", "--format", "sql"]));
    let headers = script.lines().filter(|l| l.starts_with("-- permission: ")).count();
    let batches = script.lines().filter(|l| *l == "GO").count();
    assert!(batches > 100 && batches == headers, "{batches} batches, {headers} headers");
    assert!(script.contains("FROM sys.dm_os_wait_stats"), "the collector's waits");
    assert!(script.contains("CREATE EVENT SESSION"), "the capture's DDL, listed");
    assert!(!script.contains("sys.server_resource_stats"), "a Managed Instance view is not sent to 2019");
}

#[test]
fn json_lists_each_statement_with_its_purpose_permission_and_reads() {
    let json: serde_json::Value = serde_json::from_str(&stdout(&cutover(&[
        "queries",
        "--edition",
        "mi",
        "--command",
        "collect",
        "--json",
    ])))
    .expect("JSON");
    common::schemas::check("queries.schema.json", "queries --json", &json);
    let list = json.as_array().unwrap();
    assert!(list.iter().all(|s| s["commands"].to_string().contains("collect")));
    let stats = list.iter().find(|s| s["id"] == "collect.family.resource_stats").expect("MI resource stats");
    assert_eq!(stats["permission"], "VIEW SERVER STATE", "{stats}");
    assert_eq!(stats["reads"][0]["object"], "sys.server_resource_stats", "{stats}");
    assert!(
        stats["reads"][0]["doc"].as_str().unwrap().starts_with("https://learn.microsoft.com/"),
        "{stats}"
    );
}

#[test]
fn the_list_for_people_ends_with_the_count_and_a_command_with_no_statements_says_why() {
    let list = stdout(&cutover(&["queries", "--command", "probe"]));
    assert!(
        list.contains("probe.permissions") && list.trim_end().ends_with("--format json for the list)"),
        "{list}"
    );
    let size = cutover(&["queries", "--command", "size"]);
    assert_eq!(size.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&size.stderr).contains("sends no statement of its own"));
}
