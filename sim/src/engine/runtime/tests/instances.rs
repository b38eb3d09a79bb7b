//! Instances, logins, permissions, sessions and the function context.

use std::sync::Arc;

use super::*;
use crate::engine::FunctionContext;
use crate::engine::runtime::ManualClock;
use crate::engine::runtime::config::perms;

#[test]
fn a_bad_password_or_login_is_18456_and_a_missing_database_4060() {
    let inst = instance();
    let e = inst.connect("sa", "wrong", None, "app", "host").unwrap_err();
    assert_eq!((e.number, e.class, e.state), (18456, 14, 8));
    assert_eq!(e.message, "Login failed for user 'sa'.");
    let e = inst.connect("nobody", "x", None, "app", "host").unwrap_err();
    assert_eq!(e.number, 18456);
    let e = inst.connect("sa", "Secret#1", Some("nope"), "app", "host").unwrap_err();
    assert_eq!(e.number, 4060);
    let s = inst.connect("sa", "Secret#1", None, "app", "host").unwrap();
    assert_eq!(s.database(), "master", "the login's default database");
}

#[test]
fn sessions_get_spids_from_51_and_free_them() {
    let inst = instance();
    let a = sa(&inst, "master");
    let b = sa(&inst, "master");
    assert_eq!((a.spid(), b.spid()), (51, 52));
    drop(a);
    let c = sa(&inst, "tempdb");
    assert_eq!(c.spid(), 51);
    assert_eq!(inst.sessions().len(), 2);
}

#[test]
fn two_instances_share_nothing() {
    let one = instance();
    let two = instance();
    one.create_database("shop").unwrap();
    assert!(two.database("shop").is_none());
    let mut s = sa(&one, "master");
    run_ok(&mut s, Step::CreateTable(table("dbo.t", vec![col("id", "int", false)], None)));
    let t = sa(&two, "master");
    assert!(t.find_object(&name("dbo.t")).unwrap().is_none());
    assert_eq!(one.create_database("SHOP").unwrap_err().number, 1801);
}

#[test]
fn a_kept_data_directory_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = InstanceConfig::default_with_sa("pw");
    config.data_dir = Some(dir.path().to_path_buf());
    {
        let inst = Instance::start(config.clone()).unwrap();
        inst.create_database("shop").unwrap();
        let mut s = inst.connect("sa", "pw", Some("shop"), "", "").unwrap();
        run_ok(&mut s, Step::CreateTable(table("dbo.t", vec![col("id", "int", false)], None)));
        run_ok(&mut s, modify("INSERT INTO main.\"dbo.t\" VALUES (7)", "dbo.t"));
    }
    let inst = Instance::start(config).unwrap();
    let id = inst.database("shop").expect("shop is back").id;
    assert_eq!(id, 5);
    let mut s = inst.connect("sa", "pw", Some("shop"), "", "").unwrap();
    let out = run_ok(&mut s, query("SELECT id FROM main.\"dbo.t\""));
    assert_eq!(out.single().rows, vec![vec![Value::Int(7)]]);
}

#[test]
fn a_read_only_login_gets_229_on_writes_and_262_on_ddl() {
    let inst = instance();
    inst.create_database("shop").unwrap();
    let mut admin = sa(&inst, "shop");
    run_ok(&mut admin, Step::CreateTable(table("dbo.orders", vec![col("id", "int", false)], None)));
    let mut m = inst.connect("monitor", "m0n!tor", Some("shop"), "", "").unwrap();
    let out = run(&mut m, modify("INSERT INTO main.\"dbo.orders\" VALUES (1)", "dbo.orders"));
    assert_eq!(out.error_numbers(), vec![229]);
    assert_eq!(
        out.errors[0].message,
        "The INSERT permission was denied on the object 'orders', database 'shop', schema 'dbo'."
    );
    let out = run(&mut m, modify("DELETE FROM main.\"dbo.orders\"", "dbo.orders"));
    assert!(out.errors[0].message.starts_with("The DELETE permission was denied"));
    let out = run(&mut m, Step::CreateTable(table("dbo.x", vec![col("id", "int", false)], None)));
    assert_eq!(out.error_numbers(), vec![262]);
    assert_eq!(out.errors[0].message, "CREATE TABLE permission denied in database 'shop'.");
    // Reads are fine.
    run_ok(&mut m, query("SELECT * FROM main.\"dbo.orders\""));
}

#[test]
fn dmvs_need_view_server_state_and_revoking_it_takes_effect_at_once() {
    let inst = instance();
    let mut m = inst.connect("monitor", "m0n!tor", None, "", "").unwrap();
    let out = select_from(&mut m, "sys.dm_db_partition_stats", "*", "");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    inst.set_permission("monitor", perms::VIEW_SERVER_STATE, false).unwrap();
    let out = select_from(&mut m, "sys.dm_db_partition_stats", "*", "");
    assert_eq!(out.error_numbers(), vec![300]);
    assert_eq!(out.errors[0].class, 14);
    // Catalog views stay readable.
    assert!(select_from(&mut m, "sys.tables", "*", "").errors.is_empty());
    inst.set_permission("monitor", perms::VIEW_SERVER_PERFORMANCE_STATE, true).unwrap();
    assert!(select_from(&mut m, "sys.dm_db_partition_stats", "*", "").errors.is_empty());
    assert_eq!(inst.set_permission("ghost", "X", true).unwrap_err().number, 15151);
}

#[test]
fn fn_my_permissions_and_has_perms_by_name_answer_from_the_grants() {
    let inst = instance();
    let mut m = inst.connect("monitor", "m0n!tor", None, "", "").unwrap();
    let out = translated(&mut m, |c| {
        let f =
            c.resolve_table_function(&name("sys.fn_my_permissions"), &["NULL".into(), "'SERVER'".into()])?;
        Ok(Step::Query {
            sql: format!("SELECT permission_name FROM {} AS p ORDER BY 1", f.sqlite_ref),
            columns: vec![ResultColumn {
                name: "permission_name".into(),
                ty: Some(f.columns[2].ty),
                nullable: true,
            }],
        })
    });
    let perms: Vec<String> = out.single().rows.iter().map(|r| text(&r[0])).collect();
    assert_eq!(perms, vec!["CONNECT SQL", "VIEW ANY DATABASE", "VIEW ANY DEFINITION", "VIEW SERVER STATE"]);
    let ctx = m.shared.clone();
    assert_eq!(ctx.has_perms_by_name(None, "SERVER", "VIEW SERVER STATE"), Some(1));
    assert_eq!(ctx.has_perms_by_name(None, "SERVER", "CONTROL SERVER"), Some(0));
    assert_eq!(ctx.has_perms_by_name(Some("master"), "DATABASE", "INSERT"), Some(0));
    assert_eq!(ctx.has_perms_by_name(None, "WIDGET", "INSERT"), None);
    let admin = sa(&inst, "master");
    assert_eq!(admin.shared.has_perms_by_name(None, "SERVER", "VIEW SERVER STATE"), Some(1));
}

#[test]
fn the_function_context_reports_identity_globals_and_objects() {
    let inst = instance();
    let clock = ManualClock::new(crate::types::storage::parse_datetime("2025-01-02 03:04:05").unwrap());
    inst.set_clock(clock.clone());
    let mut s = sa(&inst, "master");
    let ctx: Arc<dyn FunctionContext> = s.shared.clone();
    assert_eq!(ctx.server_property("ProductVersion"), Some(Value::Str("16.0.4135.4".into())));
    assert_eq!(ctx.server_property("EngineEdition"), Some(Value::Int(2)));
    assert_eq!(ctx.server_property("ProductMajorVersion"), Some(Value::Str("16".into())));
    assert_eq!(ctx.server_property("ProductUpdateLevel"), Some(Value::Str("CU15".into())));
    assert_eq!(ctx.server_property("ServerName"), Some(Value::Str("SIM".into())));
    assert_eq!(ctx.server_property("InstanceName"), None);
    assert_eq!(ctx.server_property("NoSuchProperty"), None);
    assert_eq!(ctx.global("SPID"), Value::Int(i64::from(s.spid())));
    assert_eq!(ctx.global("LANGUAGE"), Value::Str("us_english".into()));
    assert_eq!(ctx.global("SERVICENAME"), Value::Str("MSSQLSERVER".into()));
    assert!(text(&ctx.global("VERSION")).starts_with("Microsoft SQL Server 2022"));
    assert_eq!(ctx.now_utc(), clock.now_utc_for_tests());
    clock.advance(chrono::Duration::seconds(10));
    assert_eq!(ctx.now_utc().and_utc().timestamp() - clock.now_utc_for_tests().and_utc().timestamp(), 0);

    run_ok(&mut s, Step::CreateTable(table("dbo.t", vec![col("id", "int", false)], None)));
    run_ok(&mut s, modify("INSERT INTO main.\"dbo.t\" VALUES (1), (2)", "dbo.t"));
    assert_eq!(ctx.global("ROWCOUNT"), Value::Int(2));
    run_ok(&mut s, Step::Begin { name: None });
    assert_eq!(ctx.global("TRANCOUNT"), Value::Int(1));
    run_ok(&mut s, Step::Commit);
    let id = ctx.object_id("dbo.t", None).expect("object id");
    assert_eq!(ctx.object_id("[master].[dbo].[t]", Some("U")), Some(id));
    assert_eq!(ctx.object_id("dbo.t", Some("V")), None);
    assert_eq!(ctx.object_name(id, None), Some("t".into()));
    assert_eq!(ctx.database_id(None), Some(1));
    assert_eq!(ctx.database_name(Some(2)), Some("tempdb".into()));
    assert_eq!(ctx.schema_name(Some(1)), Some("dbo".into()));
    assert_eq!(ctx.user_name(), "dbo");
}

#[test]
fn many_sessions_write_concurrently() {
    let inst = instance();
    inst.create_database("load").unwrap();
    let mut s = sa(&inst, "load");
    run_ok(
        &mut s,
        Step::CreateTable(table("dbo.t", vec![col("worker", "int", false), col("n", "int", false)], None)),
    );
    let handles: Vec<_> = (0..32)
        .map(|w| {
            let inst = inst.clone();
            std::thread::spawn(move || {
                let mut s = sa(&inst, "load");
                for n in 0..20 {
                    let out = run(
                        &mut s,
                        modify(&format!("INSERT INTO main.\"dbo.t\" VALUES ({w}, {n})"), "dbo.t"),
                    );
                    assert!(out.errors.is_empty(), "{:?}", out.errors);
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let out = run_ok(&mut s, query("SELECT count(*) FROM main.\"dbo.t\""));
    assert_eq!(out.single().rows[0][0], Value::Int(640));
}

trait ForTests {
    fn now_utc_for_tests(&self) -> chrono::NaiveDateTime;
}

impl ForTests for ManualClock {
    fn now_utc_for_tests(&self) -> chrono::NaiveDateTime {
        crate::engine::runtime::Clock::now_utc(self)
    }
}
