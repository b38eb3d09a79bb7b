//! Constraint violations raise SQL Server's errors, numbered and worded as SQL Server words them.

use super::*;
use crate::engine::ForeignKeyDef;

fn shop(s: &mut Session) {
    let mut customers = table(
        "dbo.customers",
        vec![col("id", "int", false), col("email", "varchar(20)", true)],
        Some(key(&["id"])),
    );
    customers.uniques.push(KeyDef { name: Some("UQ_customers_email".into()), ..key(&["email"]) });
    customers.uniques[0].clustered = false;
    run_ok(s, Step::CreateTable(customers));
    let mut orders = table(
        "dbo.orders",
        vec![col("id", "int", false), col("customer_id", "int", false), col("qty", "int", true)],
        Some(KeyDef { name: Some("PK_orders".into()), ..key(&["id"]) }),
    );
    orders.foreign_keys.push(ForeignKeyDef {
        name: Some("FK_orders_customers".into()),
        columns: vec!["customer_id".into()],
        references: name("dbo.customers"),
        referenced_columns: vec!["id".into()],
    });
    orders.checks.push((Some("CK_orders_qty".into()), "qty > 0".into(), "qty > 0".into()));
    run_ok(s, Step::CreateTable(orders));
    run_ok(s, modify("INSERT INTO main.\"dbo.customers\" VALUES (1, 'a@x')", "dbo.customers"));
    run_ok(s, modify("INSERT INTO main.\"dbo.orders\" VALUES (1, 1, 5)", "dbo.orders"));
}

#[test]
fn duplicate_primary_key_is_2627_and_the_statement_is_terminated() {
    let inst = instance();
    inst.create_database("shop").unwrap();
    let mut s = sa(&inst, "shop");
    shop(&mut s);
    let out = run(&mut s, modify("INSERT INTO main.\"dbo.orders\" VALUES (1, 1, 5)", "dbo.orders"));
    assert_eq!(out.error_numbers(), vec![2627]);
    assert_eq!(out.errors[0].class, 14);
    assert!(
        out.errors[0].message.starts_with("Violation of PRIMARY KEY constraint 'PK_orders'. Cannot insert duplicate key in object 'dbo.orders'."),
        "{}",
        out.errors[0].message
    );
    assert_eq!(out.infos, vec![(3621, "The statement has been terminated.".to_string())]);
    assert_eq!(out.counts, vec![None]);

    let out = run(&mut s, modify("INSERT INTO main.\"dbo.customers\" VALUES (2, 'a@x')", "dbo.customers"));
    assert_eq!(out.error_numbers(), vec![2627]);
    assert!(
        out.errors[0].message.contains("Violation of UNIQUE KEY constraint 'UQ_customers_email'"),
        "{}",
        out.errors[0].message
    );
}

#[test]
fn null_into_not_null_is_515() {
    let inst = instance();
    inst.create_database("shop").unwrap();
    let mut s = sa(&inst, "shop");
    shop(&mut s);
    let out = run(
        &mut s,
        modify("INSERT INTO main.\"dbo.orders\" (id, customer_id) VALUES (2, NULL)", "dbo.orders"),
    );
    assert_eq!(out.error_numbers(), vec![515]);
    assert_eq!(
        out.errors[0].message,
        "Cannot insert the value NULL into column 'customer_id', table 'shop.dbo.orders'; column does not allow nulls. INSERT fails."
    );
}

#[test]
fn foreign_key_and_check_violations_are_547() {
    let inst = instance();
    inst.create_database("shop").unwrap();
    let mut s = sa(&inst, "shop");
    shop(&mut s);
    let out = run(&mut s, modify("INSERT INTO main.\"dbo.orders\" VALUES (2, 99, 1)", "dbo.orders"));
    assert_eq!(out.error_numbers(), vec![547]);
    assert_eq!(
        out.errors[0].message,
        "The INSERT statement conflicted with the FOREIGN KEY constraint \"FK_orders_customers\". The conflict occurred in database \"shop\", table \"dbo.customers\", column 'id'."
    );
    let out = run(&mut s, modify("DELETE FROM main.\"dbo.customers\"", "dbo.customers"));
    assert_eq!(out.error_numbers(), vec![547]);
    assert!(out.errors[0].message.starts_with(
        "The DELETE statement conflicted with the REFERENCE constraint \"FK_orders_customers\"."
    ));
    let out = run(&mut s, modify("UPDATE main.\"dbo.orders\" SET qty = 0", "dbo.orders"));
    assert_eq!(out.error_numbers(), vec![547]);
    assert!(
        out.errors[0].message.contains("CHECK constraint \"CK_orders_qty\""),
        "{}",
        out.errors[0].message
    );
    let out = run(
        &mut s,
        Step::Drop { kind: crate::engine::DropKind::Table, name: name("dbo.customers"), if_exists: false },
    );
    assert_eq!(out.error_numbers(), vec![3726]);
}

#[test]
fn too_long_strings_are_2628_and_duplicate_tables_2714() {
    let inst = instance();
    inst.create_database("shop").unwrap();
    let mut s = sa(&inst, "shop");
    shop(&mut s);
    let out = run(
        &mut s,
        modify("INSERT INTO main.\"dbo.customers\" VALUES (3, 'much-too-long-for-twenty')", "dbo.customers"),
    );
    assert_eq!(out.error_numbers(), vec![2628]);
    assert_eq!(
        out.errors[0].message,
        "String or binary data would be truncated in table 'shop.dbo.customers', column 'email'."
    );
    let out = run(&mut s, Step::CreateTable(table("dbo.ORDERS", vec![col("id", "int", false)], None)));
    assert_eq!(out.error_numbers(), vec![2714]);
    assert_eq!(out.errors[0].message, "There is already an object named 'ORDERS' in the database.");
}

#[test]
fn a_failed_statement_leaves_the_transaction_open() {
    let inst = instance();
    inst.create_database("shop").unwrap();
    let mut s = sa(&inst, "shop");
    shop(&mut s);
    run_ok(&mut s, Step::Begin { name: None });
    run_ok(&mut s, modify("INSERT INTO main.\"dbo.orders\" VALUES (2, 1, 1)", "dbo.orders"));
    let out =
        run(&mut s, modify("INSERT INTO main.\"dbo.orders\" VALUES (3, 1, 1), (2, 1, 1)", "dbo.orders"));
    assert_eq!(out.error_numbers(), vec![2627]);
    assert_eq!(s.trancount(), 1);
    run_ok(&mut s, Step::Commit);
    let out = run_ok(&mut s, query("SELECT id FROM main.\"dbo.orders\" ORDER BY id"));
    assert_eq!(
        out.single().rows,
        vec![vec![Value::Int(1)], vec![Value::Int(2)]],
        "the failed statement is atomic"
    );
}
