"""Parses every statement of `cutover queries --format json` (read on standard input) with sqlglot's
T-SQL dialect, an independent parser from PyPI (pinned in .ci/run), and checks that every system
object sqlglot finds in a statement, and every `alias.column` it binds to one, is one the
manifest says the statement reads (which the documented-objects table then checks).

Prints one line per statement that does not parse, then a summary line:
    parsed N of M statements; K known gaps (listed); F failed
and exits 1 when any statement fails (a gap is a construct sqlglot's T-SQL dialect is known not to
parse; those statements are counted and named, never passed silently).
"""

import json
import logging
import re
import sys

import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

# sqlglot's known gaps in T-SQL (30.x): statements it parses only as an opaque `Command`, or not at
# all. Each is matched on the statement's text; the reason is printed with the count.
KNOWN_GAPS = [
    (r"^\s*SET\s+TRANSACTION\s+ISOLATION\s+LEVEL", "SET TRANSACTION ISOLATION LEVEL (parsed as an opaque command)"),
    (r"SET\s+NOCOUNT\s+ON;.*SET\s+TRANSACTION\s+ISOLATION", "a batch with SET TRANSACTION ISOLATION LEVEL (parsed as an opaque command)"),
    (r"^\s*(CREATE|ALTER|DROP)\s+EVENT\s+SESSION", "CREATE/ALTER/DROP EVENT SESSION (no Extended Events DDL in sqlglot)"),
    (r"^\s*DBCC\s", "DBCC commands (no DBCC in sqlglot)"),
]

SYSTEM = re.compile(r"^(sys|dbo)$", re.I)


def gap(sql):
    for pattern, reason in KNOWN_GAPS:
        if re.search(pattern, sql, re.I | re.S):
            return reason
    return None


def system_name(t):
    """sys.name or msdb.dbo.name of a table sqlglot found, lower case, or None."""
    db, catalog, name = (t.db or "").lower(), (t.catalog or "").lower(), (t.name or "").lower()
    if db == "sys" and name:
        return "sys." + name
    if catalog == "msdb" and db == "dbo" and name:
        return "msdb.dbo." + name
    return None


def system_objects(trees):
    """Every system table sqlglot found."""
    return {n for tree in trees if tree is not None for t in tree.find_all(exp.Table) if (n := system_name(t))}


def qualified_columns(trees):
    """(object, column) for each `alias.column` whose alias names a system table, as sqlglot binds it."""
    found = set()
    for tree in trees:
        if tree is None:
            continue
        aliases = {}
        for t in tree.find_all(exp.Table):
            name = system_name(t)
            if name:
                aliases[(t.alias_or_name or "").lower()] = name
        for c in tree.find_all(exp.Column):
            owner = aliases.get((c.table or "").lower())
            if owner and c.name:
                found.add((owner, c.name.lower()))
    return found


def check(statement):
    """None when it parses (and its reads agree), else (kind, message)."""
    sql = statement["sql"]
    reason = gap(sql)
    try:
        trees = sqlglot.parse(sql, read="tsql", error_level=ErrorLevel.RAISE)
    except Exception as e:  # sqlglot raises ParseError, TokenError and a few others
        if reason:
            return ("gap", reason)
        return ("fail", "does not parse: " + " ".join(str(e).split())[:300])
    if any(isinstance(t, exp.Command) for t in trees if t is not None):
        if reason:
            return ("gap", reason)
        return ("fail", "parsed only as an opaque command: " + sql[:80])
    if reason:
        # A gap that now parses: the list is out of date, say so (it still counts as parsed).
        print(f"note: {statement['id']}: listed as a gap ({reason}) but parses now", file=sys.stderr)
    reads = {r["object"].lower(): {c.lower() for c in r.get("columns", [])} for r in statement.get("reads", [])}
    missing = sorted(o for o in system_objects(trees) if o not in reads)
    if missing:
        return ("fail", "reads " + ", ".join(missing) + ", which the manifest does not list")
    unlisted = sorted(f"{o}.{c}" for o, c in qualified_columns(trees) if c not in reads.get(o, set()))
    if unlisted:
        return ("fail", "reads " + ", ".join(unlisted) + ", which the manifest does not list")
    return None


def main():
    # sqlglot logs each fallback to a Command; the gaps are reported below instead.
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    statements = json.load(sys.stdin)
    failed, gaps = [], {}
    for s in statements:
        problem = check(s)
        if problem is None:
            continue
        kind, message = problem
        if kind == "gap":
            gaps.setdefault(message, []).append(s["id"])
        else:
            failed.append(s["id"])
            print(f"FAIL {s['id']}: {message}")
    for reason, ids in sorted(gaps.items()):
        print(f"gap ({len(ids)}): {reason}: {', '.join(ids)}")
    parsed = len(statements) - len(failed) - sum(len(v) for v in gaps.values())
    print(
        f"sqlglot {sqlglot.__version__}: parsed {parsed} of {len(statements)} statements; "
        f"{sum(len(v) for v in gaps.values())} known gaps; {len(failed)} failed"
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
