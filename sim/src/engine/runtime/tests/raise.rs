//! RAISERROR and THROW as a batch meets them: messages, errors and what happens next, per
//! "RAISERROR (Transact-SQL)", "THROW (Transact-SQL)" and "Database engine error severities".

use super::*;

#[test]
fn a_low_severity_raiserror_is_a_message_with_its_number_state_and_line() {
    let (_inst, mut s) = shop();
    let out = exec(&mut s, "SELECT 1;\nRAISERROR(N'step %d of %s done', 10, 3, 2, N'five');\nSELECT @@ERROR");
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let m = &out.messages[0];
    // Severity 10 is returned as 0 ("Database engine error severities"); number 50000 for a
    // message string ("RAISERROR": msg_str).
    assert_eq!((m.number, m.class, m.state, m.line), (50000, 0, 3, 2));
    assert_eq!(m.message, "step 2 of five done");
    assert_eq!(out.results[1].rows, vec![vec![Value::Int(0)]], "a message leaves @@ERROR at 0");

    let out = exec(&mut s, "RAISERROR('progress', 1, 1) WITH NOWAIT, SETERROR; SELECT @@ERROR");
    assert_eq!((out.messages[0].class, out.messages[0].state), (1, 1));
    assert_eq!(out.single().rows, vec![vec![Value::Int(50000)]], "WITH SETERROR sets @@ERROR");
}

#[test]
fn an_error_severity_raiserror_lets_the_batch_and_the_transaction_go_on() {
    let (_inst, mut s) = shop();
    exec(&mut s, "CREATE TABLE dbo.t (id int)");
    let out = exec(
        &mut s,
        "SET XACT_ABORT ON; BEGIN TRAN; INSERT INTO dbo.t VALUES (1);
         DECLARE @who nvarchar(20) = N'order 7';
         RAISERROR('%s failed: %5.2d%%', 16, 4, @who, 7);
         SELECT @@ERROR, @@TRANCOUNT",
    );
    let e = &out.errors[0];
    assert_eq!((e.number, e.class, e.state, e.line), (50000, 16, 4, 3));
    assert_eq!(e.message, "order 7 failed:    07%");
    // "RAISERROR doesn't honor SET XACT_ABORT": the transaction stays, the batch goes on.
    assert_eq!(out.single().rows, vec![vec![Value::Int(50000), Value::Int(1)]]);
    exec(&mut s, "COMMIT");
    assert_eq!(scalar(&mut s, "SELECT COUNT(*) FROM dbo.t"), Value::Int(1));
}

#[test]
fn raiserror_checks_its_arguments_as_sql_server_does() {
    let (_inst, mut s) = shop();
    let cases: &[(&str, i32)] = &[
        // msg_id: 13000 and more, never 50000 (2732); no user messages in sys.messages (18054).
        ("RAISERROR(50000, 16, 1)", 2732),
        ("RAISERROR(50001, 16, 1)", 18054),
        // Severity above 18 needs sysadmin and WITH LOG.
        ("RAISERROR('x', 19, 1)", 2754),
        // Types that are no substitution parameter.
        ("RAISERROR('%d', 16, 1, 1.5)", 2748),
        ("RAISERROR('%d', 16, 1, N'text')", 2786),
        ("RAISERROR('%c', 16, 1, 1)", 2787),
        // What the simulator does not do: severity 20-25 ends the connection.
        ("RAISERROR('x', 20, 1) WITH LOG", 40517),
        // An expression is no argument (constants and variables only).
        ("RAISERROR('x', 16, 1 + 1)", 102),
    ];
    for (sql, number) in cases {
        let out = exec(&mut s, sql);
        assert_eq!(out.error_numbers(), vec![*number], "{sql}: {:?}", out.errors);
    }
    // Severity below 0 counts as 0, a negative state as 1.
    let out = exec(&mut s, "RAISERROR(50001, -3, -5)");
    assert!(
        out.errors[0].message.starts_with("Error 50001, severity 0, state 1 "),
        "{}",
        out.errors[0].message
    );
    // Severity 19 WITH LOG as sysadmin is an ordinary error of class 19.
    let out = exec(&mut s, "RAISERROR('disk', 19, 1) WITH LOG");
    assert_eq!((out.errors[0].number, out.errors[0].class), (50000, 19));
}

#[test]
fn a_long_message_is_cut_to_2044_characters_and_an_ellipsis() {
    let (_inst, mut s) = shop();
    let out = exec(&mut s, "DECLARE @m varchar(3000) = REPLICATE('a', 2100); RAISERROR(@m, 16, 1)");
    let text = &out.errors[0].message;
    assert_eq!(text.chars().count(), 2047);
    assert!(text.ends_with("a..."));
}

#[test]
fn without_log_rights_raiserror_refuses_high_severity_and_log() {
    let inst = instance();
    let mut s = inst.connect("monitor", "m0n!tor", Some("master"), "tests", "localhost").unwrap();
    assert_eq!(exec(&mut s, "RAISERROR('x', 10, 1) WITH LOG").error_numbers(), vec![2778]);
    assert_eq!(exec(&mut s, "RAISERROR('x', 19, 1) WITH LOG").error_numbers(), vec![2754]);
}

#[test]
fn throw_raises_severity_16_and_ends_the_batch() {
    let (_inst, mut s) = shop();
    let out = exec(&mut s, "SELECT 1;\nTHROW 51000, 'The record does not exist.', 1;\nSELECT 2");
    let e = &out.errors[0];
    assert_eq!((e.number, e.class, e.state, e.line), (51000, 16, 1, 2));
    assert_eq!(e.message, "The record does not exist.");
    assert_eq!(out.results.len(), 1, "the batch ended at THROW");
    assert_eq!(exec(&mut s, "THROW 49999, 'low', 1").error_numbers(), vec![35100]);
    assert_eq!(exec(&mut s, "THROW").error_numbers(), vec![10704]);

    // THROW honours XACT_ABORT: the transaction rolls back.
    exec(&mut s, "CREATE TABLE dbo.t (id int)");
    exec(&mut s, "SET XACT_ABORT ON; BEGIN TRAN; INSERT INTO dbo.t VALUES (1); THROW 50001, 'stop', 2");
    assert_eq!(s.trancount(), 0);
    assert_eq!(scalar(&mut s, "SELECT COUNT(*) FROM dbo.t"), Value::Int(0));
}
