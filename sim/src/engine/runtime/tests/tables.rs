//! A user creates a database and tables, writes rows, reads them back with the right types.

use chrono::{NaiveDate, NaiveDateTime};

use super::*;
use crate::engine::{IndexDef, ResultSink};
use crate::types::{Len, storage::parse_datetime};

fn every_type_table() -> TableDef {
    table(
        "dbo.everything",
        vec![
            col("id", "int", false),
            col("t", "tinyint", true),
            col("s", "smallint", true),
            col("b", "bigint", true),
            col("flag", "bit", true),
            col("r", "real", true),
            col("f", "float", true),
            col("amount", "decimal(18,2)", true),
            col("m", "money", true),
            col("sm", "smallmoney", true),
            col("c", "char(5)", true),
            col("vc", "varchar(50)", true),
            col("nc", "nchar(5)", true),
            col("nvc", "nvarchar(50)", true),
            col("nmax", "nvarchar(max)", true),
            col("bin", "binary(4)", true),
            col("vbin", "varbinary(max)", true),
            col("d", "date", true),
            col("tm", "time(7)", true),
            col("dt", "datetime", true),
            col("sdt", "smalldatetime", true),
            col("dt2", "datetime2(7)", true),
            col("dto", "datetimeoffset(7)", true),
            col("g", "uniqueidentifier", true),
            col("x", "xml", true),
        ],
        Some(key(&["id"])),
    )
}

#[test]
fn a_table_with_every_type_reads_back_with_sql_server_types() {
    let inst = instance();
    inst.create_database("shop").unwrap();
    let mut s = sa(&inst, "shop");
    run_ok(&mut s, Step::CreateTable(every_type_table()));

    let dt: NaiveDateTime = parse_datetime("2024-02-29 23:59:59.1234567").unwrap();
    let values = vec![
        Value::Int(1),
        Value::Int(255),
        Value::Int(-32768),
        Value::Int(9_007_199_254_740_993),
        Value::Bit(true),
        Value::Float(1.5),
        Value::Float(2.25),
        Value::Decimal { value: 1_234_567, scale: 2 },
        Value::Decimal { value: 123_456_789, scale: 4 },
        Value::Decimal { value: 12_345, scale: 4 },
        Value::Str("ab   ".into()),
        Value::Str("hello".into()),
        Value::Str("héllo".into()),
        Value::Str("ünïcode ✓".into()),
        Value::Str("x".repeat(5000)),
        Value::Bytes(vec![1, 2, 3, 4]),
        Value::Bytes(vec![0xde, 0xad, 0xbe, 0xef]),
        Value::Date(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()),
        Value::Time(dt.time()),
        Value::DateTime(parse_datetime("2024-02-29 23:59:59.123").unwrap()),
        Value::DateTime(parse_datetime("2024-02-29 23:59:00").unwrap()),
        Value::DateTime(dt),
        Value::DateTimeOffset(dt, -330),
        Value::Guid(crate::types::storage::parse_guid("6F9619FF-8B86-D011-B42D-00C04FC964FF").unwrap()),
        Value::Str("<a>1</a>".into()),
    ];
    let def = every_type_table();
    let params: Vec<Param> = def
        .columns
        .iter()
        .zip(&values)
        .enumerate()
        .map(|(i, (c, v))| Param { name: format!("@P{}", i + 1), ty: c.ty, value: v.clone(), output: false })
        .collect();
    s.params = params
        .iter()
        .map(|p| (p.name.to_ascii_lowercase(), p.ty, crate::types::storage::to_storage(&p.value)))
        .collect();
    let placeholders: Vec<String> = (1..=values.len()).map(|i| format!("@P{i}")).collect();
    let insert = run_ok(
        &mut s,
        modify(
            &format!("INSERT INTO main.\"dbo.everything\" VALUES ({})", placeholders.join(", ")),
            "dbo.everything",
        ),
    );
    assert_eq!(insert.counts, vec![Some(1)]);

    // SELECT * with no translator types: the declared SQLite types are SQL Server's.
    let out = run_ok(&mut s, query("SELECT * FROM main.\"dbo.everything\""));
    let rs = out.single();
    let types: Vec<SqlType> = rs.columns.iter().map(|c| c.ty).collect();
    let expected: Vec<SqlType> = def.columns.iter().map(|c| c.ty).collect();
    assert_eq!(types, expected);
    assert_eq!(rs.rows.len(), 1);
    assert_eq!(rs.rows[0], values, "every value reads back as written");
    assert!(out.conversion_failures.is_empty());
}

#[test]
fn result_types_fall_back_to_the_first_rows_values() {
    let inst = instance();
    let mut s = sa(&inst, "master");
    let out =
        run_ok(&mut s, query("SELECT 1 AS a, 3000000000 AS b, 1.5 AS c, 'x' AS d, x'00' AS e, NULL AS f"));
    let types: Vec<SqlType> = out.single().columns.iter().map(|c| c.ty).collect();
    assert_eq!(
        types,
        vec![
            SqlType::Int,
            SqlType::BigInt,
            SqlType::Float,
            SqlType::NVarChar(Len::N(4000)),
            SqlType::VarBinary(Len::Max),
            SqlType::Int
        ]
    );
    // The translator's types win.
    let step = Step::Query {
        sql: "SELECT 1 AS n".into(),
        columns: vec![ResultColumn { name: "n".into(), ty: Some(SqlType::BigInt), nullable: false }],
    };
    let out = run_ok(&mut s, step);
    assert_eq!(out.single().columns[0].ty, SqlType::BigInt);
    assert!(!out.single().columns[0].nullable);
}

#[test]
fn identity_columns_number_rows_from_their_seed() {
    let inst = instance();
    let mut s = sa(&inst, "master");
    let mut id = col("id", "int", false);
    id.identity = Some((100, 1));
    run_ok(
        &mut s,
        Step::CreateTable(table("dbo.a", vec![id, col("v", "nvarchar(10)", true)], Some(key(&["id"])))),
    );
    run_ok(&mut s, modify("INSERT INTO main.\"dbo.a\" (v) VALUES ('x'), ('y')", "dbo.a"));
    let out = run_ok(&mut s, query("SELECT id FROM main.\"dbo.a\" ORDER BY id"));
    assert_eq!(out.single().rows, vec![vec![Value::Int(100)], vec![Value::Int(101)]]);

    // Not a single-column integer PK: the runtime fills the identity itself.
    let mut id = col("id", "bigint", false);
    id.identity = Some((10, 5));
    run_ok(&mut s, Step::CreateTable(table("dbo.b", vec![id, col("v", "nvarchar(10)", true)], None)));
    run_ok(&mut s, modify("INSERT INTO main.\"dbo.b\" (v) VALUES ('x'), ('y'), ('z')", "dbo.b"));
    let out = run_ok(&mut s, query("SELECT id FROM main.\"dbo.b\" ORDER BY id"));
    assert_eq!(out.single().rows, vec![vec![Value::Int(10)], vec![Value::Int(15)], vec![Value::Int(20)]]);
    // TRUNCATE restarts at the seed.
    run_ok(&mut s, Step::Truncate { table: name("dbo.b") });
    run_ok(&mut s, modify("INSERT INTO main.\"dbo.b\" (v) VALUES ('again')", "dbo.b"));
    let out = run_ok(&mut s, query("SELECT id FROM main.\"dbo.b\""));
    assert_eq!(out.single().rows, vec![vec![Value::Int(10)]]);
}

#[test]
fn defaults_fill_omitted_columns_and_text_compares_case_insensitively() {
    let inst = instance();
    let mut s = sa(&inst, "master");
    let mut status = col("status", "varchar(10)", false);
    status.default = Some(("'new'".into(), "'new'".into()));
    run_ok(
        &mut s,
        Step::CreateTable(table("dbo.t", vec![col("id", "int", false), status], Some(key(&["id"])))),
    );
    run_ok(&mut s, modify("INSERT INTO main.\"dbo.t\" (id) VALUES (1)", "dbo.t"));
    let out = run_ok(&mut s, query("SELECT status FROM main.\"dbo.t\" WHERE status = 'NEW'"));
    assert_eq!(out.single().rows, vec![vec![Value::Str("new".into())]]);
}

#[test]
fn variables_are_declared_assigned_and_bound() {
    let inst = instance();
    let mut s = sa(&inst, "master");
    run_ok(&mut s, Step::Declare { name: "@n".into(), ty: SqlType::Int, init: Some("40 + 2".into()) });
    let out = run_ok(&mut s, query("SELECT @n * 2 AS v"));
    assert_eq!(out.single().rows[0][0], Value::Int(84));
    run_ok(&mut s, Step::Assign { sql: "SELECT 7".into(), targets: vec!["@N".into()] });
    let out = run_ok(&mut s, query("SELECT @n AS v"));
    assert_eq!(out.single().rows[0][0], Value::Int(7));
    let out = run(&mut s, query("SELECT @missing AS v"));
    assert_eq!(out.error_numbers(), vec![137]);
    let out = run(&mut s, Step::Declare { name: "@n".into(), ty: SqlType::Int, init: None });
    assert_eq!(out.error_numbers(), vec![134]);
    let out = run(&mut s, Step::Declare { name: "@i".into(), ty: SqlType::Int, init: Some("'abc'".into()) });
    assert_eq!(out.error_numbers(), vec![245]);
}

#[test]
fn transactions_roll_back_rows_and_ddl() {
    let inst = instance();
    let mut s = sa(&inst, "master");
    run_ok(&mut s, Step::CreateTable(table("dbo.t", vec![col("id", "int", false)], Some(key(&["id"])))));
    run_ok(&mut s, modify("INSERT INTO main.\"dbo.t\" VALUES (1)", "dbo.t"));
    run_ok(&mut s, Step::Begin { name: None });
    run_ok(&mut s, Step::Begin { name: None });
    assert_eq!(s.trancount(), 2);
    run_ok(&mut s, modify("INSERT INTO main.\"dbo.t\" VALUES (2)", "dbo.t"));
    run_ok(&mut s, Step::CreateTable(table("dbo.u", vec![col("id", "int", false)], None)));
    run_ok(&mut s, Step::Rollback { name: None });
    assert_eq!(s.trancount(), 0);
    let out = run_ok(&mut s, query("SELECT count(*) FROM main.\"dbo.t\""));
    assert_eq!(out.single().rows[0][0], Value::Int(1));
    assert!(s.find_object(&name("dbo.u")).unwrap().is_none(), "CREATE TABLE rolled back");
    assert_eq!(run(&mut s, Step::Commit).error_numbers(), vec![3902]);
    assert_eq!(run(&mut s, Step::Rollback { name: None }).error_numbers(), vec![3903]);

    run_ok(&mut s, Step::Begin { name: None });
    run_ok(&mut s, modify("INSERT INTO main.\"dbo.t\" VALUES (3)", "dbo.t"));
    run_ok(&mut s, Step::Commit);
    let out = run_ok(&mut s, query("SELECT count(*) FROM main.\"dbo.t\""));
    assert_eq!(out.single().rows[0][0], Value::Int(2));
}

#[test]
fn use_switches_database_and_three_part_names_reach_others() {
    let inst = instance();
    inst.create_database("shop").unwrap();
    inst.create_database("crm").unwrap();
    let mut s = sa(&inst, "master");
    let out = run_ok(&mut s, Step::Use { database: "SHOP".into() });
    assert_eq!(out.database_changes, vec![("master".to_string(), "shop".to_string())]);
    assert_eq!(out.infos, vec![(5701, "Changed database context to 'shop'.".to_string())]);
    assert_eq!(s.database(), "shop");
    run_ok(&mut s, Step::CreateTable(table("crm.dbo.people", vec![col("name", "nvarchar(20)", true)], None)));
    let t = s.find_object(&name("crm.dbo.people")).unwrap().expect("created in crm");
    assert_eq!(t.sqlite_ref(), "\"crm\".\"dbo.people\"");
    run_ok(&mut s, modify("INSERT INTO \"crm\".\"dbo.people\" VALUES ('Ann')", "crm.dbo.people"));
    let mut other = sa(&inst, "crm");
    let out = run_ok(&mut other, query("SELECT name FROM main.\"dbo.people\""));
    assert_eq!(out.single().rows, vec![vec![Value::Str("Ann".into())]]);
    assert_eq!(run(&mut s, Step::Use { database: "nope".into() }).error_numbers(), vec![911]);
}

#[test]
fn indexes_views_drops_and_alter() {
    let inst = instance();
    let mut s = sa(&inst, "master");
    run_ok(
        &mut s,
        Step::CreateTable(table(
            "dbo.t",
            vec![col("id", "int", false), col("v", "int", true)],
            Some(key(&["id"])),
        )),
    );
    let ix = IndexDef {
        name: "ix_v".into(),
        table: name("dbo.t"),
        key: KeyDef { clustered: false, ..key(&["v"]) },
        unique: true,
        include: vec![],
    };
    run_ok(&mut s, Step::CreateIndex(ix.clone()));
    assert_eq!(run(&mut s, Step::CreateIndex(ix)).error_numbers(), vec![1913]);
    run_ok(&mut s, modify("INSERT INTO main.\"dbo.t\" VALUES (1, 10)", "dbo.t"));
    let dup = run(&mut s, modify("INSERT INTO main.\"dbo.t\" VALUES (2, 10)", "dbo.t"));
    assert_eq!(dup.error_numbers(), vec![2601]);
    assert!(dup.errors[0].message.contains("with unique index 'ix_v'"), "{}", dup.errors[0].message);

    let view = translated(&mut s, |c| {
        let t = c.resolve_table(&name("dbo.t"))?;
        Ok(Step::CreateView {
            name: name("dbo.v"),
            sql: format!("SELECT id, v FROM {} WHERE v > 5", t.sqlite_ref),
            definition: "CREATE VIEW dbo.v AS SELECT id, v FROM dbo.t WHERE v > 5".into(),
            columns: vec![],
        })
    });
    assert!(view.errors.is_empty(), "{:?}", view.errors);
    let out = select_from(&mut s, "dbo.v", "*", "");
    assert_eq!(out.single().rows, vec![vec![Value::Int(1), Value::Int(10)]]);
    assert_eq!(out.single().columns[1].ty, SqlType::Int);

    run_ok(&mut s, Step::AlterTableAdd { table: name("dbo.t"), column: col("note", "nvarchar(20)", true) });
    let out = select_from(&mut s, "dbo.t", "*", "");
    assert_eq!(out.single().columns.len(), 3);
    run_ok(&mut s, Step::Drop { kind: crate::engine::DropKind::View, name: name("dbo.v"), if_exists: false });
    run_ok(
        &mut s,
        Step::Drop { kind: crate::engine::DropKind::Table, name: name("dbo.t"), if_exists: false },
    );
    let again = run(
        &mut s,
        Step::Drop { kind: crate::engine::DropKind::Table, name: name("dbo.t"), if_exists: false },
    );
    assert_eq!(again.error_numbers(), vec![3701]);
    run_ok(&mut s, Step::Drop { kind: crate::engine::DropKind::Table, name: name("dbo.t"), if_exists: true });
    assert_eq!(select_from(&mut s, "dbo.t", "*", "").error_numbers(), vec![208]);
}

#[test]
fn a_cancelled_stream_stops_and_the_session_goes_on() {
    let inst = instance();
    let mut s = sa(&inst, "master");
    let mut sink = CollectSink::new();
    sink.stop_after_rows = Some(10);
    let step = query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) SELECT i FROM n",
    );
    s.execute_step(&step, &mut sink);
    assert_eq!(sink.results[0].rows.len(), 10);
    assert!(sink.counts.is_empty(), "no DONE after a cancel");
    let mut sink = CollectSink::new();
    sink.cancel = true;
    s.execute_step(&step, &mut sink);
    assert!(sink.cancelled());
    let out = run_ok(&mut s, query("SELECT 1"));
    assert_eq!(out.counts, vec![Some(1)]);
}
