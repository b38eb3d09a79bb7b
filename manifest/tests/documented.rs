//! Every statement cutover sends reads only documented system objects and columns, each on the
//! editions that send it (manifest/data/system-objects.toml, a Microsoft page per object).

use std::collections::BTreeSet;

use cutover_manifest::manifest::{for_edition, problems};
use cutover_manifest::{Access, Edition, Objects, manifest, render};

#[test]
fn every_statement_reads_only_documented_objects_and_columns_on_its_editions() {
    let table = Objects::bundled();
    let mut all = Vec::new();
    for edition in Edition::ALL {
        for s in for_edition(edition, &table) {
            all.extend(problems(&s, &table));
        }
    }
    assert!(all.is_empty(), "{} problems:\n{}", all.len(), all.join("\n"));
}

#[test]
fn every_edition_has_statements_with_unique_ids_a_purpose_and_a_permission() {
    let table = Objects::bundled();
    for edition in Edition::ALL {
        let statements = for_edition(edition, &table);
        assert!(statements.len() > 100, "{edition}: {} statements", statements.len());
        let mut ids = BTreeSet::new();
        for s in &statements {
            assert!(ids.insert(s.id.clone()), "{edition}: {} listed twice", s.id);
            assert!(!s.purpose.is_empty() && !s.permission.is_empty(), "{edition}: {}", s.id);
            assert!(!s.commands.is_empty(), "{edition}: {} names no command", s.id);
        }
    }
}

#[test]
fn the_collector_reads_what_each_edition_has() {
    let table = Objects::bundled();
    let reads = |edition| -> BTreeSet<String> {
        for_edition(edition, &table).iter().flat_map(|s| s.reads.iter().map(|r| r.object.clone())).collect()
    };
    let on_prem = reads(Edition::SqlServer2016);
    let mi = reads(Edition::ManagedInstance);
    // The ring buffer's CPU on SQL Server; sys.server_resource_stats on Managed Instance only.
    assert!(on_prem.contains("sys.dm_os_ring_buffers") && !on_prem.contains("sys.server_resource_stats"));
    assert!(mi.contains("sys.server_resource_stats") && !mi.contains("sys.dm_os_ring_buffers"));
    // assess runs on the source, a SQL Server.
    assert!(!for_edition(Edition::ManagedInstance, &table).iter().any(|s| s.id.starts_with("assess.")));
}

#[test]
fn permissions_follow_the_edition() {
    let table = Objects::bundled();
    let waits = |edition| {
        for_edition(edition, &table).into_iter().find(|s| s.id == "collect.family.waits").unwrap().permission
    };
    // sys.dm_os_wait_stats: VIEW SERVER STATE up to 2019, VIEW SERVER PERFORMANCE STATE from 2022.
    assert_eq!(waits(Edition::SqlServer2019), "VIEW SERVER STATE");
    assert_eq!(waits(Edition::SqlServer2022), "VIEW SERVER PERFORMANCE STATE");
    assert_eq!(waits(Edition::ManagedInstance), "VIEW SERVER PERFORMANCE STATE");
}

#[test]
fn the_script_has_a_header_and_a_go_per_statement_and_the_json_lists_them_all() {
    let statements = manifest(&Edition::ALL, None);
    let script = render::sql(&statements);
    assert_eq!(script.lines().filter(|l| *l == "GO").count(), statements.len());
    for s in &statements {
        assert!(script.contains(&format!("-- {}: ", s.id)), "{} has a header", s.id);
    }
    let json: serde_json::Value = serde_json::from_str(&render::json(&statements)).unwrap();
    assert_eq!(json.as_array().unwrap().len(), statements.len());
    let writes = statements.iter().filter(|s| s.access == Access::Write).count();
    assert!(writes >= 4, "the event session's DDL is listed: {writes}");
}

#[test]
fn a_command_filter_keeps_only_its_statements() {
    let collect = manifest(&[Edition::ManagedInstance], Some("collect"));
    assert!(!collect.is_empty() && collect.iter().all(|s| s.commands.contains(&"collect")));
    assert!(collect.iter().any(|s| s.id == "collect.family.resource_stats"));
    assert!(manifest(&Edition::ALL, Some("size")).is_empty());
}
