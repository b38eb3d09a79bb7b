"""Conformance checks for FreeTDS (db-lib, as Debian builds it: GnuTLS) against a SQL Server.

Usage: python3 freetds_conformance.py PROBE PORT DATABASE USER PASSWORD

PROBE is freetds_probe.c compiled against libsybdb. Every check connects with full TLS
(`encryption = require`, TDS 7.4) unless it says otherwise, names the value SQL Server gives
and the Microsoft page that says so. KNOWN_GAPS: what the simulator gets wrong (engine matters,
issue 16), reported as SKIP; a known gap that passes is XPASS and fails the run. CLIENT_LIMITS:
what db-lib itself cannot send, reported as SKIP too.
"""

import decimal
import os
import subprocess
import sys
import tempfile

from conformance_common import Runner, cancel_query, known_gaps, type_cases

KNOWN_GAPS = known_gaps()

CLIENT_LIMITS = {
    "types.param.date": "db-lib's dbrpcparam does not take a date parameter",
    "types.param.uniqueidentifier": "db-lib's dbrpcparam does not take a uniqueidentifier parameter",
    "types.param.datetimeoffset(7)": "db-lib cannot convert text with a UTC offset to datetimeoffset",
    "types.param.nvarchar(max)": "db-lib sends character parameters as varchar, at most 8000 bytes",
    "types.param.varchar(max)": "db-lib sends character parameters as varchar, at most 8000 bytes",
    "types.param.nchar(3)": "db-lib declares a char parameter's length in UTF-8 bytes (4 for 'ü  '), "
    "so the fixed-length value comes back with one space more",
}


class Probe:
    def __init__(self, binary, port, database, user, password):
        self.binary, self.database, self.user, self.password = binary, database, user, password
        self.dir = tempfile.mkdtemp(prefix="cutover-freetds-")
        self.confs = {}
        for encryption in ("require", "request"):
            path = os.path.join(self.dir, f"{encryption}.conf")
            with open(path, "w", encoding="utf-8") as f:
                f.write(f"[sim]\n\thost = 127.0.0.1\n\tport = {port}\n\ttds version = 7.4\n"
                        f"\tencryption = {encryption}\n")
            self.confs[encryption] = path

    def run(self, mode, *args, encryption="require"):
        env = dict(os.environ, FREETDSCONF=self.confs[encryption])
        out = subprocess.run([self.binary, self.user, self.password, self.database, mode, *args],
                             env=env, capture_output=True, text=True, timeout=60)
        return parse(out.stdout)


def parse(text):
    """The probe's lines as {sets: [[row...]], counts, messages, errors, cancelled, end}."""
    r = {"sets": [], "counts": [], "messages": [], "errors": [], "cancelled": False, "end": False}
    for line in text.splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "COLS":
            r["sets"].append([])
        elif kind == "ROW":
            r["sets"][-1].append(rest.split("\t"))
        elif kind == "COUNT":
            r["counts"].append(int(rest))
        elif kind == "MSG":
            number, state, severity, line_no, tail = rest.split(" ", 4)
            proc, _, msg = tail.partition("] ")
            r["messages"].append({"number": int(number), "state": int(state), "severity": int(severity),
                                  "line": int(line_no), "proc": proc.lstrip("["), "text": msg})
        elif kind == "ERR":
            r["errors"].append(rest)
        elif kind == "CANCELLED":
            r["cancelled"] = True
        elif kind == "END":
            r["end"] = True
    # The login's own messages (5701, 5703) are not the request's.
    r["messages"] = [m for m in r["messages"] if m["number"] not in (5701, 5703)]
    return r


def fraction7(text):
    """ISO date-time text with its fraction padded to 7 digits (db-lib and SQL Server agree on
    the value; the expectation may be written with fewer digits)."""
    if "." not in text:
        return text
    head, _, tail = text.partition(".")
    digits = "".join(c for c in tail if c.isdigit())
    return f"{head}.{digits.ljust(7, '0')}{tail[len(digits):]}"


def same(kind, got, want):
    if kind in ("int", "bool"):
        return int(got) == int(want)
    if kind == "float":
        return float(got) == float(want)
    if kind == "decimal":
        return decimal.Decimal(got) == decimal.Decimal(want)
    if kind == "bytes":
        return got.lower() == want.lower()
    if kind == "uuid":
        return got.upper() == want.upper()
    if kind in ("datetime", "datetimeoffset", "time"):
        return fraction7(got) == fraction7(want)
    return got == want


def only_value(r):
    assert not r["errors"], f"errors {r['errors']} {r['messages']}"
    assert r["sets"] and r["sets"][0], f"no row: {r}"
    return r["sets"][0][0][0]


def main(args):
    probe = Probe(*args)
    run = Runner("freetds", KNOWN_GAPS)

    for case in type_cases():
        kind, want = case["py"]

        def column(case=case, kind=kind, want=want):
            got = only_value(probe.run("batch", f"SELECT CAST({case['literal']} AS {case['decl']})"))
            assert same(kind, got, want), f"got {got!r}, want {want!r} ({case['doc']})"

        def param(case=case, kind=kind, want=want):
            text = want.replace("T", " ") if kind in ("datetime", "datetimeoffset") else want
            got = only_value(probe.run("param", case["decl"], text))
            assert same(kind, got, want), f"got {got!r}, want {want!r} ({case['doc']})"

        run.check(f"types.column.{case['decl']}", column)
        name = f"types.param.{case['decl']}"
        if name in CLIENT_LIMITS:
            run.counts["skipped"] += 1
            print(f"SKIP  {name}: client limit: {CLIENT_LIMITS[name]}", flush=True)
        else:
            run.check(name, param)

    # Login-only encryption (ENCRYPT_OFF: TLS for LOGIN7 only), as `encryption = request` asks.
    def login_only_tls():
        assert only_value(probe.run("batch", "SELECT 42", encryption="request")) == "42"

    run.check("tls.login_only", login_only_tls)

    # Row counts (MS-TDS 2.2.7.6 DONE_COUNT; "@@ROWCOUNT").
    def row_counts():
        r = probe.run("batch", "DROP TABLE IF EXISTS dbo.ftds_rows; "
                      "CREATE TABLE dbo.ftds_rows (id int PRIMARY KEY, label nvarchar(20)); "
                      "INSERT INTO dbo.ftds_rows VALUES (1, N'a'), (2, N'b'), (3, N'c'); "
                      "UPDATE dbo.ftds_rows SET label = N'z' WHERE id >= 2; "
                      "DELETE FROM dbo.ftds_rows WHERE id = 1")
        assert not r["errors"], r
        assert r["counts"][-3:] == [3, 2, 1], f"counts {r['counts']}, want [.., 3, 2, 1]"

    run.check("rowcounts.insert_update_delete", row_counts)

    # Several result sets in one batch (MS-TDS 2.2.7.4).
    def result_sets():
        r = probe.run("batch", "SELECT 1 AS a; SELECT N'two' AS b, 3 AS c; SELECT 4 AS d")
        assert r["sets"] == [[["1"]], [["two", "3"]], [["4"]]], f"got {r['sets']}"

    run.check("batches.three_result_sets", result_sets)

    # Errors: number, class, state, line, procedure (MS-TDS 2.2.7.10). 208 is class 16, state 1.
    def error_fields():
        r = probe.run("batch", "SELECT 1;\nSELECT 2;\nSELECT * FROM dbo.no_such_table;")
        m = [m for m in r["messages"] if m["number"] == 208]
        assert m, f"messages {r['messages']}"
        got = (m[0]["number"], m[0]["severity"], m[0]["state"], m[0]["line"], m[0]["proc"])
        assert got == (208, 16, 1, 3, ""), f"got {got}"

    run.check("errors.number_class_state_line_procedure", error_fields)

    def divide_by_zero():
        r = probe.run("batch", "SELECT 1/0")
        got = [(m["number"], m["severity"], m["state"]) for m in r["messages"]]
        assert (8134, 16, 1) in got, f"got {got}: {r['messages']}"

    run.check("errors.divide_by_zero_8134", divide_by_zero)

    # PRINT: INFO, number 0, class 0 ("PRINT (Transact-SQL)").
    def print_info():
        r = probe.run("batch", "PRINT N'hello from print'; SELECT 1")
        assert any(m["text"] == "hello from print" and m["number"] == 0 and m["severity"] == 0
                   for m in r["messages"]), r["messages"]

    run.check("messages.print", print_info)

    # RAISERROR severity 10: an INFO, number 50000 for a message string, severity 10 sent as 0
    # ("RAISERROR (Transact-SQL)"; "Database engine error severities": 10 is returned as 0).
    def raiserror_info():
        r = probe.run("batch", "RAISERROR(N'just so you know', 10, 3); SELECT 1")
        got = [(m["number"], m["severity"], m["state"], m["line"]) for m in r["messages"]
               if m["text"] == "just so you know"]
        assert got == [(50000, 0, 3, 1)], r["messages"]

    run.check("messages.raiserror_info", raiserror_info)

    # RAISERROR severity 16 with printf-style arguments: an ERROR with number 50000, the given
    # state, its line; the batch goes on ("RAISERROR (Transact-SQL)").
    def raiserror_error():
        r = probe.run("batch", "SELECT 1;\nRAISERROR(N'order %d: %s', 16, 5, 42, N'late');\nSELECT 2")
        got = [(m["number"], m["severity"], m["state"], m["line"]) for m in r["messages"]
               if m["text"] == "order 42: late"]
        assert got == [(50000, 16, 5, 2)], r["messages"]
        assert r["sets"][-1] == [["2"]], r["sets"]

    run.check("errors.raiserror_substitution", raiserror_error)

    # THROW: the given number and state, severity 16 ("THROW (Transact-SQL)").
    def throw():
        r = probe.run("batch", "THROW 51000, N'stop here', 7")
        got = [(m["number"], m["severity"], m["state"]) for m in r["messages"] if m["text"] == "stop here"]
        assert got == [(51000, 16, 7)], r["messages"]

    run.check("errors.throw", throw)

    # Transactions: a rolled-back insert is gone ("ROLLBACK TRANSACTION (Transact-SQL)").
    def rollback_tsql():
        r = probe.run("batch", "DROP TABLE IF EXISTS dbo.ftds_tx; CREATE TABLE dbo.ftds_tx (id int); "
                      "BEGIN TRANSACTION; INSERT INTO dbo.ftds_tx VALUES (1); ROLLBACK TRANSACTION; "
                      "SELECT COUNT(*) FROM dbo.ftds_tx")
        assert r["sets"] and r["sets"][-1] == [["0"]], r

    run.check("transactions.tsql_rollback", rollback_tsql)

    # Attention: dbcancel() after one row; the connection answers the next batch (MS-TDS 2.2.1.7).
    def cancel_mid_stream():
        r = probe.run("cancel", cancel_query())
        assert r["cancelled"], r
        assert r["sets"][-1] == [["7"]], f"after cancel: {r['sets'][-1:]} {r['errors']}"

    run.check("attention.cancel_mid_stream", cancel_mid_stream)

    return run.finish()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:6]))
