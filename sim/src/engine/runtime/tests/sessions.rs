//! What belongs to a session: local temporary tables ("CREATE TABLE (Transact-SQL)",
//! temporary tables), APP_NAME()/HOST_NAME() from the login, and what `reset` (sp_reset_connection)
//! clears.

use super::*;

fn shop() -> Instance {
    let inst = instance();
    inst.create_database("shop").unwrap();
    inst
}

#[test]
fn a_local_temp_table_belongs_to_its_session_and_goes_with_it() {
    let inst = shop();
    let mut a = sa(&inst, "shop");
    let mut b = sa(&inst, "shop");
    exec(&mut a, "CREATE TABLE #work (id int); INSERT INTO #work VALUES (1), (2)");
    // Another session does not see it, and may have its own #work.
    assert_eq!(exec(&mut b, "SELECT * FROM #work").error_numbers(), vec![208]);
    exec(&mut b, "CREATE TABLE #work (id int); INSERT INTO #work VALUES (9)");
    assert_eq!(scalar(&mut a, "SELECT COUNT(*) FROM #work"), Value::Int(2));
    assert_eq!(scalar(&mut b, "SELECT MAX(id) FROM #work"), Value::Int(9));
    // It is in tempdb, not in the user database, and survives USE.
    assert!(matches!(scalar(&mut a, "SELECT OBJECT_ID('tempdb..#work')"), Value::Int(_)));
    assert_eq!(scalar(&mut a, "SELECT COUNT(*) FROM sys.tables WHERE name LIKE '#%'"), Value::Int(0));
    exec(&mut a, "USE master");
    assert_eq!(scalar(&mut a, "SELECT COUNT(*) FROM #work"), Value::Int(2));
    exec(&mut a, "DROP TABLE #work");
    assert_eq!(scalar(&mut a, "SELECT OBJECT_ID('tempdb..#work')"), Value::Null);
}

#[test]
fn a_global_temp_table_is_shared_until_its_creator_ends() {
    let inst = shop();
    let mut a = sa(&inst, "shop");
    let mut b = sa(&inst, "shop");
    exec(&mut a, "CREATE TABLE ##shared (id int); INSERT INTO ##shared VALUES (1)");
    assert_eq!(scalar(&mut b, "SELECT COUNT(*) FROM ##shared"), Value::Int(1));
    drop(a);
    assert_eq!(exec(&mut b, "SELECT * FROM ##shared").error_numbers(), vec![208]);
}

#[test]
fn app_name_and_host_name_come_from_the_login() {
    let inst = shop();
    let mut s = inst.connect("sa", "Secret#1", Some("shop"), "billing-app", "web7").unwrap();
    let out = exec(&mut s, "SELECT APP_NAME(), HOST_NAME()");
    assert_eq!(out.single().rows[0], vec![Value::Str("billing-app".into()), Value::Str("web7".into())]);
}

#[test]
fn reset_clears_temp_tables_options_and_the_open_transaction() {
    let inst = shop();
    let mut s = sa(&inst, "shop");
    exec(
        &mut s,
        "CREATE TABLE dbo.t (id int); CREATE TABLE #scratch (id int);
         SET XACT_ABORT ON; SET TRANSACTION ISOLATION LEVEL SERIALIZABLE; SET NOCOUNT ON;
         BEGIN TRAN; INSERT INTO dbo.t VALUES (1)",
    );
    assert_eq!(s.trancount(), 1);
    s.reset("shop", false).unwrap();
    assert_eq!(s.trancount(), 0);
    assert_eq!(exec(&mut s, "SELECT * FROM #scratch").error_numbers(), vec![208]);
    assert_eq!(scalar(&mut s, "SELECT @@OPTIONS"), Value::Int(5496));
    assert_eq!(
        scalar(
            &mut s,
            "SELECT transaction_isolation_level FROM sys.dm_exec_sessions WHERE session_id = @@SPID"
        ),
        Value::Int(2)
    );
    assert_eq!(
        scalar(&mut s, "SELECT COUNT(*) FROM dbo.t"),
        Value::Int(0),
        "the transaction was rolled back"
    );
    // RESETCONNECTIONSKIPTRAN keeps the transaction.
    exec(&mut s, "BEGIN TRAN; INSERT INTO dbo.t VALUES (2)");
    s.reset("shop", true).unwrap();
    assert_eq!(s.trancount(), 1);
    exec(&mut s, "COMMIT");
    assert_eq!(scalar(&mut s, "SELECT COUNT(*) FROM dbo.t"), Value::Int(1));
}
