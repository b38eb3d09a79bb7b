//! SET options: the simulated ones behave as the Microsoft pages of each SET statement say,
//! the others are refused by name (never accepted and ignored), and `@@OPTIONS` follows
//! ("@@OPTIONS (Transact-SQL)" gives the bits).

use super::*;

#[test]
fn options_show_in_at_at_options_and_non_default_values_are_refused_by_name() {
    let (_inst, mut s) = shop();
    assert_eq!(scalar(&mut s, "SELECT @@OPTIONS"), Value::Int(5496));
    exec(&mut s, "SET XACT_ABORT ON; SET NOCOUNT ON; SET ARITHABORT OFF");
    assert_eq!(scalar(&mut s, "SELECT @@OPTIONS"), Value::Int(5496 + 16384 + 512 - 64));
    for refused in [
        "SET QUOTED_IDENTIFIER OFF",
        "SET ANSI_NULLS OFF",
        "SET CONCAT_NULL_YIELDS_NULL OFF",
        "SET DATEFIRST 1",
        "SET DATEFORMAT dmy",
        "SET LANGUAGE French",
        "SET ROWCOUNT 10",
        "SET FMTONLY ON",
        "SET NO_SUCH_OPTION ON",
    ] {
        let out = exec(&mut s, refused);
        assert_eq!(out.error_numbers(), vec![40517], "{refused}");
        let named = refused.trim_start_matches("SET ").split(' ').next().unwrap().to_ascii_uppercase();
        assert!(out.errors[0].message.contains(&named), "{refused}: {}", out.errors[0].message);
    }
    // Defaults are accepted, as drivers send them at connect.
    let out = exec(
        &mut s,
        "SET QUOTED_IDENTIFIER ON; SET ANSI_NULLS ON; SET DATEFIRST 7; SET DATEFORMAT mdy; SET ANSI_DEFAULTS ON; SET IMPLICIT_TRANSACTIONS OFF",
    );
    assert!(out.errors.is_empty(), "{:?}", out.errors);
}

#[test]
fn xact_abort_rolls_back_the_transaction_and_ends_the_batch() {
    let (_inst, mut s) = shop();
    exec(&mut s, "CREATE TABLE dbo.t (id int PRIMARY KEY)");
    let out = exec(
        &mut s,
        "SET XACT_ABORT ON; BEGIN TRAN; INSERT INTO dbo.t VALUES (1); INSERT INTO dbo.t VALUES (1); SELECT 'not reached'",
    );
    assert_eq!(out.error_numbers(), vec![2627]);
    assert!(out.results.is_empty(), "the batch ended at the error");
    assert_eq!(s.trancount(), 0);
    assert_eq!(scalar(&mut s, "SELECT COUNT(*) FROM dbo.t"), Value::Int(0));
}

#[test]
fn implicit_transactions_start_at_the_first_table_statement() {
    let (_inst, mut s) = shop();
    exec(&mut s, "CREATE TABLE dbo.t (id int PRIMARY KEY)");
    exec(&mut s, "SET IMPLICIT_TRANSACTIONS ON");
    // "SELECT statements that don't select from a table don't start implicit transactions."
    assert_eq!(scalar(&mut s, "SELECT @@TRANCOUNT"), Value::Int(0));
    exec(&mut s, "INSERT INTO dbo.t VALUES (1)");
    assert_eq!(s.trancount(), 1);
    // BEGIN TRAN inside an implicit transaction nests: @@TRANCOUNT 2.
    exec(&mut s, "BEGIN TRAN");
    assert_eq!(s.trancount(), 2);
    exec(&mut s, "ROLLBACK");
    assert_eq!(s.trancount(), 0);
    assert_eq!(scalar(&mut s, "SELECT COUNT(*) FROM dbo.t"), Value::Int(0));
    assert_eq!(s.trancount(), 1, "the SELECT from a table began the next one");
}

#[test]
fn identity_insert_is_needed_for_explicit_identity_values() {
    let (_inst, mut s) = shop();
    exec(
        &mut s,
        "CREATE TABLE dbo.ident (id int IDENTITY(1,1) PRIMARY KEY, x int); CREATE TABLE dbo.plain (x int)",
    );
    // "SET IDENTITY_INSERT (Transact-SQL)".
    assert_eq!(exec(&mut s, "INSERT INTO dbo.ident (id, x) VALUES (100, 1)").error_numbers(), vec![544]);
    assert_eq!(exec(&mut s, "SET IDENTITY_INSERT dbo.plain ON").error_numbers(), vec![8106]);
    exec(&mut s, "SET IDENTITY_INSERT dbo.ident ON");
    assert_eq!(exec(&mut s, "INSERT INTO dbo.ident (x) VALUES (1)").error_numbers(), vec![545]);
    let out = exec(
        &mut s,
        "INSERT INTO dbo.ident (id, x) VALUES (100, 1); SET IDENTITY_INSERT dbo.ident OFF; INSERT INTO dbo.ident (x) VALUES (2)",
    );
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    // The next identity value continues after the explicit one.
    assert_eq!(scalar(&mut s, "SELECT MAX(id) FROM dbo.ident"), Value::Int(101));
}

#[test]
fn textsize_cuts_large_values_as_they_are_sent() {
    let (_inst, mut s) = shop();
    exec(&mut s, "SET TEXTSIZE 6");
    assert_eq!(scalar(&mut s, "SELECT @@TEXTSIZE"), Value::Int(6));
    let out = exec(
        &mut s,
        "SELECT CAST(REPLICATE('x', 10) AS varchar(max)), CAST(REPLICATE(N'é', 10) AS nvarchar(max)), CAST('abcdefgh' AS varchar(8))",
    );
    // varchar(max): 6 bytes; nvarchar(max): 3 characters; varchar(8) is not a large type.
    assert_eq!(
        out.single().rows[0],
        vec![Value::Str("xxxxxx".into()), Value::Str("ééé".into()), Value::Str("abcdefgh".into())]
    );
    exec(&mut s, "SET TEXTSIZE 0");
    assert_eq!(scalar(&mut s, "SELECT @@TEXTSIZE"), Value::Int(2_147_483_647));
}

#[test]
fn a_transaction_blocks_other_writers_only_on_the_rows_it_wrote() {
    let (inst, mut a) = shop();
    exec(&mut a, "CREATE TABLE dbo.t (id int PRIMARY KEY)");
    let mut b = sa(&inst, "shop");
    exec(&mut b, "SET LOCK_TIMEOUT 200");
    assert_eq!(scalar(&mut b, "SELECT @@LOCK_TIMEOUT"), Value::Int(200));
    // A transaction that has only begun or read holds nothing: B's BEGIN and write proceed.
    exec(&mut a, "BEGIN TRAN; SELECT COUNT(*) FROM dbo.t");
    let out = exec(&mut b, "BEGIN TRAN; INSERT INTO dbo.t VALUES (1); COMMIT");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    // Once A writes a row, B's writes of other rows go on ("Transaction locking and row
    // versioning guide": exclusive locks on the rows modified); a duplicate of A's
    // uncommitted key waits for A (here up to LOCK_TIMEOUT, then 1222); so do B's READ
    // COMMITTED reads of that table (per table here); NOLOCK reads see A's uncommitted row.
    exec(&mut a, "INSERT INTO dbo.t VALUES (2)");
    let out = exec(&mut b, "INSERT INTO dbo.t VALUES (3)");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    assert_eq!(exec(&mut b, "INSERT INTO dbo.t VALUES (2)").error_numbers(), vec![1222]);
    assert_eq!(exec(&mut b, "SELECT COUNT(*) FROM dbo.t").error_numbers(), vec![1222]);
    assert_eq!(
        scalar(&mut b, "SELECT COUNT(*) FROM dbo.t WITH (NOLOCK)"),
        Value::Int(3),
        "a dirty read sees A's uncommitted row"
    );
    exec(&mut a, "COMMIT");
    assert_eq!(exec(&mut b, "INSERT INTO dbo.t VALUES (2)").error_numbers(), vec![2627]);
    assert_eq!(scalar(&mut b, "SELECT COUNT(*) FROM dbo.t"), Value::Int(3));
}
