"""Conformance checks for python-tds (pytds) against a SQL Server, real or simulated.

Usage: python3 pytds_conformance.py PORT DATABASE USER PASSWORD

Every check names the value SQL Server gives and the Microsoft page that says so. Checks the
simulator is known to get wrong (an engine matter, tracked in issue 16) are listed in
KNOWN_GAPS: they are reported as SKIP with the reason, and a known gap that starts passing is
reported as XPASS and fails the run, so the list stays true. Exit 0 when nothing failed.
"""

import datetime
import decimal
import sys
import uuid

import pytds
from pytds import tds_base, tds_types

from conformance_common import Runner, cancel_query, known_gaps, type_cases

KNOWN_GAPS = known_gaps()


def connect(args, **extra):
    port, database, user, password = args
    return pytds.connect(
        server="127.0.0.1",
        port=int(port),
        database=database,
        user=user,
        password=password,
        autocommit=True,
        login_timeout=10,
        **extra,
    )


def python_value(case):
    """The value a driver decodes, from the case's textual expectation."""
    kind, text = case["py"]
    if kind == "int":
        return int(text)
    if kind == "bool":
        return text == "1"
    if kind == "float":
        return float(text)
    if kind == "decimal":
        return decimal.Decimal(text)
    if kind == "str":
        return text
    if kind == "bytes":
        return bytes.fromhex(text)
    if kind == "date":
        return datetime.date.fromisoformat(text)
    if kind == "time":
        # Python keeps microseconds: pytds truncates 100 ns ticks (its documented behaviour).
        return datetime.time.fromisoformat(text[:15])
    if kind == "datetime":
        return datetime.datetime.fromisoformat(text[:26])
    if kind == "datetimeoffset":
        return datetime.datetime.fromisoformat(text[:26] + text[-6:])
    if kind == "uuid":
        return uuid.UUID(text)
    raise ValueError(kind)


def main(args):
    run = Runner("pytds", KNOWN_GAPS)
    conn = connect(args)
    cur = conn.cursor()

    # Types as result columns and as RPC (sp_executesql) parameters.
    for case in type_cases():
        expected = python_value(case)

        def column(case=case, expected=expected):
            cur.execute(f"SELECT CAST({case['literal']} AS {case['decl']})")
            got = cur.fetchone()[0]
            assert got == expected, f"got {got!r}, want {expected!r} ({case['doc']})"

        def param(case=case, expected=expected):
            # pytds cannot build a binary(n) parameter (its serializer needs a size it does not
            # pass): binary values go as varbinary(n), as pytds sends them.
            decl = case["decl"].replace("binary(", "varbinary(") if case["decl"].startswith("binary") else case["decl"]
            p = tds_base.Param(type=tds_types.sql_type_by_declaration(decl), value=expected)
            cur.execute("SELECT %s", (p,))
            got = cur.fetchone()[0]
            assert got == expected, f"got {got!r}, want {expected!r} ({case['doc']})"

        run.check(f"types.column.{case['decl']}", column)
        run.check(f"types.param.{case['decl']}", param)

    # xml: SQL Server returns it as xml (docs: "xml (Transact-SQL)"); a simulator that cannot
    # must refuse with an error naming xml, never answer something else.
    def xml_column():
        try:
            cur.execute("SELECT CAST(N'<a>1</a>' AS xml)")
        except pytds.Error as e:
            assert "xml" in str(e).lower(), f"refusal does not name xml: {e}"
            return
        got = cur.fetchone()[0]
        assert got == "<a>1</a>", f"got {got!r}"

    run.check("types.column.xml", xml_column)

    # Row counts: DONE with DONE_COUNT carries the number of rows a statement touched
    # (MS-TDS 2.2.7.6 DONE; "@@ROWCOUNT (Transact-SQL)").
    def row_counts():
        cur.execute("DROP TABLE IF EXISTS dbo.pytds_rows")
        cur.execute("CREATE TABLE dbo.pytds_rows (id int PRIMARY KEY, label nvarchar(20))")
        cur.execute("INSERT INTO dbo.pytds_rows VALUES (1, N'a'), (2, N'b'), (3, N'c')")
        assert cur.rowcount == 3, f"insert rowcount {cur.rowcount}, want 3"
        cur.execute("UPDATE dbo.pytds_rows SET label = N'z' WHERE id >= 2")
        assert cur.rowcount == 2, f"update rowcount {cur.rowcount}, want 2"
        cur.execute("DELETE FROM dbo.pytds_rows WHERE id = 1")
        assert cur.rowcount == 1, f"delete rowcount {cur.rowcount}, want 1"

    run.check("rowcounts.insert_update_delete", row_counts)

    # Several result sets in one batch: one COLMETADATA per SELECT (MS-TDS 2.2.7.4).
    def result_sets():
        cur.execute("SELECT 1 AS a; SELECT N'two' AS b, 3 AS c; SELECT 4 AS d")
        sets = [cur.fetchall()]
        while cur.nextset():
            sets.append(cur.fetchall())
        assert sets == [[(1,)], [("two", 3)], [(4,)]], f"got {sets!r}"

    run.check("batches.three_result_sets", result_sets)

    # Errors: number, class (severity), state, line, procedure (MS-TDS 2.2.7.10 ERROR).
    # 208 "Invalid object name '%.*ls'." is class 16, state 1 ("Database engine events and
    # errors"); the line is the batch line of the failing statement; an ad-hoc batch has no
    # procedure name.
    def error_fields():
        try:
            cur.execute("SELECT 1;\nSELECT 2;\nSELECT * FROM dbo.no_such_table;")
            while cur.nextset():
                pass
        except pytds.Error as e:
            got = (e.number, e.severity, e.state, e.line, e.procname)
            assert got == (208, 16, 1, 3, ""), f"got {got!r}"
            assert "no_such_table" in str(e), str(e)
            return
        raise AssertionError("no error for a missing table")

    run.check("errors.number_class_state_line_procedure", error_fields)

    # 8134 "Divide by zero error encountered.", class 16, state 1.
    def divide_by_zero():
        try:
            cur.execute("SELECT 1/0")
            cur.fetchall()
        except pytds.Error as e:
            got = (e.number, e.severity, e.state)
            assert got == (8134, 16, 1), f"got {got!r}: {e}"
            return
        raise AssertionError("no error for 1/0")

    run.check("errors.divide_by_zero_8134", divide_by_zero)

    # The connection stays usable after an error (a statement error does not end the session).
    def usable_after_error():
        cur.execute("SELECT 42")
        assert cur.fetchone()[0] == 42

    run.check("errors.connection_usable_after", usable_after_error)

    # Info messages: PRINT sends an INFO token, number 0, class 0 ("PRINT (Transact-SQL)";
    # MS-TDS 2.2.7.13 INFO).
    def print_info():
        cur.execute("PRINT N'hello from print'; SELECT 1")
        texts = [m[1].text for m in cur.messages or []]
        numbers = [m[1].number for m in cur.messages or []]
        assert "hello from print" in texts, f"messages {texts!r}"
        assert 0 in numbers, f"numbers {numbers!r}"

    run.check("messages.print", print_info)

    # RAISERROR with severity 10 is an informational message, number 50000 for ad-hoc text
    # ("RAISERROR (Transact-SQL)": severity 0-10 are informational).
    def raiserror_info():
        cur.execute("RAISERROR(N'just so you know', 10, 3); SELECT 1")
        found = [m[1] for m in cur.messages or [] if m[1].text == "just so you know"]
        assert found and (found[0].number, found[0].state) == (50000, 3), f"got {found!r}"
        # "Database engine error severities": severity 10 is returned as 0.
        assert (found[0].severity, found[0].line) == (0, 1), f"got {found!r}"

    run.check("messages.raiserror_info", raiserror_info)

    # RAISERROR severity 16 with printf-style arguments: an error numbered 50000 with the
    # given state and its line ("RAISERROR (Transact-SQL)").
    def raiserror_error():
        try:
            cur.execute("SELECT 1;\nRAISERROR(N'order %d: %s', 16, 5, 42, N'late')")
            while cur.nextset():
                pass
        except pytds.Error as e:
            got = (e.number, e.severity, e.state, e.line, str(e).splitlines()[0])
            assert got[:4] == (50000, 16, 5, 2) and "order 42: late" in str(e), f"got {got!r}"
            return
        raise AssertionError("no error for RAISERROR severity 16")

    run.check("errors.raiserror_substitution", raiserror_error)

    # THROW: the given number and state, severity 16 ("THROW (Transact-SQL)").
    def throw():
        try:
            cur.execute("THROW 51000, N'stop here', 7")
            while cur.nextset():
                pass
        except pytds.Error as e:
            got = (e.number, e.severity, e.state)
            assert got == (51000, 16, 7) and "stop here" in str(e), f"got {got!r}: {e}"
            return
        raise AssertionError("no error for THROW")

    run.check("errors.throw", throw)

    # Transactions: a rolled-back insert is gone ("ROLLBACK TRANSACTION (Transact-SQL)").
    def rollback_tsql():
        cur.execute("DROP TABLE IF EXISTS dbo.pytds_tx")
        cur.execute("CREATE TABLE dbo.pytds_tx (id int)")
        cur.execute("BEGIN TRANSACTION; INSERT INTO dbo.pytds_tx VALUES (1); ROLLBACK TRANSACTION")
        cur.execute("SELECT COUNT(*) FROM dbo.pytds_tx")
        assert cur.fetchone()[0] == 0

    run.check("transactions.tsql_rollback", rollback_tsql)

    # pytds's own transactions (autocommit off): TM_BEGIN_XACT / TM_ROLLBACK_XACT requests
    # (MS-TDS 2.2.6.9); the driver trusts ENVCHANGE 8/10 to know a transaction is open.
    def rollback_driver():
        with connect(args) as c2:
            c2.autocommit = False
            k = c2.cursor()
            k.execute("DROP TABLE IF EXISTS dbo.pytds_tx2")
            k.execute("CREATE TABLE dbo.pytds_tx2 (id int)")
            c2.commit()
            k.execute("INSERT INTO dbo.pytds_tx2 VALUES (1)")
            c2.rollback()
            k.execute("SELECT COUNT(*) FROM dbo.pytds_tx2")
            n = k.fetchone()[0]
            c2.rollback()
            assert n == 0, f"{n} rows after rollback"

    run.check("transactions.rollback", rollback_driver)

    # Attention: a cancel mid-stream is answered with DONE + ATTN (0x20), and the connection
    # stays usable (MS-TDS 2.2.1.7, 3.2.5.7 "Sent Attention").
    def cancel_mid_stream():
        cur.execute(cancel_query())
        cur.fetchone()
        cur.cancel()
        cur.execute("SELECT 7")
        assert cur.fetchone()[0] == 7

    run.check("attention.cancel_mid_stream", cancel_mid_stream)

    # pytds sends a cancel before its next request when the previous one is still pending
    # (here: a result left unread): the server acknowledges, the new request runs.
    def cancel_pending():
        cur.execute(cancel_query())
        cur.execute("SELECT 8")
        assert cur.fetchone()[0] == 8

    run.check("attention.cancel_unread_result", cancel_pending)

    # MARS: the server answers PRELOGIN MARS = 0; a client asking for MARS then runs without it
    # (MS-TDS 2.2.6.5 PRELOGIN, B_MARS; the simulator does not offer MARS).
    def mars_refused():
        with connect(args, use_mars=True) as c2:
            k = c2.cursor()
            k.execute("SELECT 10")
            assert k.fetchone()[0] == 10
            assert not c2.mars_enabled, "MARS reported as enabled"

    run.check("mars.refused_cleanly", mars_refused)

    # Login to a missing database: 4060 then 18456, and the login fails at once
    # ("MSSQLSERVER_4060", "MSSQLSERVER_18456").
    def missing_database():
        try:
            connect((args[0], "no_such_db", args[2], args[3])).close()
        except pytds.Error as e:
            # pytds raises the last error and joins the texts of both.
            assert e.number == 18456 and "Cannot open database" in str(e), f"got {e.number}: {e}"
            return
        raise AssertionError("login to a missing database succeeded")

    run.check("login.missing_database", missing_database)

    conn.close()
    return run.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:5]))
