//! Before a trace replay writes anything, it reads what the target databases' data is as of
//! (msdb restore history, else sys.databases.create_date) and warns, naming both times, when
//! that is after the capture began or long before it. Run as the real binary against the
//! simulator.

mod common;

use common::cli::{args, cutover_async, json, scratch_dir, text};
use common::{batch, sim};
use cutover_sim::server::TlsMode;

/// A capture that began at 09:00 UTC on 2026-03-01 and writes.
fn capture(dir: &std::path::Path) -> std::path::PathBuf {
    let folder = dir.join("cap");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("part-000001.jsonl"),
        r#"{"kind": "cutover.capture", "format": 2, "capture": "cutover_capture_60_1", "part": 1, "started_at": "2026-03-01T09:00:00Z"}
{"session": 60, "database": "shop", "start_us": 1772355600000000, "batch": "UPDATE dbo.customers SET name = name WHERE customer_id = 1"}
"#,
    )
    .unwrap();
    folder
}

async fn replay(
    server: &common::TestServer,
    trace: &std::path::Path,
    out: &std::path::Path,
) -> std::process::Output {
    cutover_async(args(&[
        "replay",
        "--server",
        &server.conn,
        "--trace",
        trace.to_str().unwrap(),
        "--allow-writes",
        "--out",
        out.to_str().unwrap(),
    ]))
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn a_writing_replay_names_the_data_point_against_the_capture_start() {
    let server = sim(TlsMode::Enabled).await;
    let out =
        cutover_async(args(&["workload", "init", "--server", &server.conn, "--workload", "orders"])).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let dir = scratch_dir("data-point");
    let trace = capture(&dir);

    // Restore history is readable but empty (shop was never restored), and shop, created by
    // this test, is newer than the capture: its creation time is named.
    let out = replay(&server, &trace, &dir.join("created")).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("msdb restore history is not readable"), "{stderr}");
    assert!(
        stderr.contains("warning: shop was created (or restored) at ")
            && stderr.contains("after the capture began at 2026-03-01 09:00:00 UTC"),
        "{stderr}"
    );

    // Restore history as SQL Server keeps it (msdb.dbo.restorehistory and msdb.dbo.backupset,
    // simulated with their documented columns; rows written here, as the simulator restores
    // nothing): shop was restored from a backup that finished at 09:30, after the capture began.
    batch(
        &server,
        "INSERT INTO msdb.dbo.backupset (backup_set_uuid, media_set_id, database_name, backup_start_date, \
         backup_finish_date, type) VALUES (NEWID(), 1, N'shop', '2026-03-01T09:20:00', '2026-03-01T09:30:00', 'D'); \
         INSERT INTO msdb.dbo.restorehistory (restore_date, destination_database_name, user_name, backup_set_id, \
         restore_type, stop_at) VALUES ('2026-03-01T12:00:00', N'shop', N'dba', 1, 'D', NULL);",
    )
    .await;
    let out = replay(&server, &trace, &dir.join("after")).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("data point: shop: restored 2026-03-01 12:00:00 UTC from a backup of data as of 2026-03-01 09:30:00 UTC"),
        "{stderr}"
    );
    assert!(
        stderr.contains("warning: shop's data is as of 2026-03-01 09:30:00 UTC")
            && stderr.contains("after the capture began at 2026-03-01 09:00:00 UTC"),
        "{stderr}"
    );
    let run = json(&dir.join("after").join("run.json"));
    assert_eq!(run["workload"]["data_points"][0]["database"], "shop", "{run:#}");
    assert!(
        run["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains("after the capture began"))
    );

    // A point-in-time restore to 06:40 (stop_at): long before the capture began.
    batch(
        &server,
        "INSERT INTO msdb.dbo.restorehistory (restore_date, destination_database_name, user_name, backup_set_id, \
         restore_type, stop_at) VALUES ('2026-03-01T13:00:00', N'shop', N'dba', 1, 'L', '2026-03-01T06:40:00');",
    )
    .await;
    let out = replay(&server, &trace, &dir.join("before")).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("shop's data is as of 2026-03-01 06:40:00 UTC")
            && stderr.contains("2 h 20 min before the capture began at 2026-03-01 09:00:00 UTC"),
        "{stderr}"
    );

    let _ = std::fs::remove_dir_all(&dir);
}
