"""What the Python conformance scripts share: the check runner and the type cases."""

import json
import os
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))

# What the simulator's engine answers wrongly today (issue 16), by check name. Each script
# lists the ones it meets in its own KNOWN_GAPS.
ENGINE_GAPS = {}


def known_gaps(*names, **extra):
    """A script's KNOWN_GAPS: the named engine gaps plus its own."""
    return {**{name: ENGINE_GAPS[name] for name in names}, **extra}


def type_cases():
    """The type cases of types.json; a "x*N" text expectation means x repeated N times."""
    with open(os.path.join(HERE, "types.json"), encoding="utf-8") as f:
        cases = json.load(f)
    for case in cases:
        kind, text = case["py"]
        if kind == "str" and "*" in text and text.rsplit("*", 1)[1].isdigit():
            unit, count = text.rsplit("*", 1)
            case["py"] = [kind, unit * int(count)]
    return cases


def cancel_query():
    """A query whose result is far larger than a client reads before it cancels."""
    return (
        "SELECT a.name, b.name AS b_name, c.name AS c_name, d.name AS d_name "
        "FROM sys.types AS a CROSS JOIN sys.types AS b CROSS JOIN sys.types AS c "
        "CROSS JOIN sys.types AS d"
    )


class Runner:
    """Runs checks: PASS, FAIL, SKIP (a known gap, still failing) or XPASS (a known gap that
    passes now: remove it from KNOWN_GAPS). Prints one line per check and a summary."""

    def __init__(self, client, known_gaps):
        self.client = client
        self.known_gaps = dict(known_gaps)
        self.seen = set()
        self.counts = {"passed": 0, "failed": 0, "skipped": 0}

    def check(self, name, fn):
        self.seen.add(name)
        try:
            fn()
            error = None
        except Exception as e:  # a check's failure, whatever its kind
            error = f"{type(e).__name__}: {e}".strip()
            if len(error) > 400:
                error = error[:400] + f"... ({len(error)} characters)"
            if os.environ.get("CONFORMANCE_TRACE"):
                traceback.print_exc()
        gap = self.known_gaps.get(name)
        if gap is not None and error is not None:
            self.counts["skipped"] += 1
            print(f"SKIP  {name}: known gap: {gap} [now: {error}]", flush=True)
        elif gap is not None:
            self.counts["failed"] += 1
            print(f"XPASS {name}: passes now; remove it from KNOWN_GAPS ({gap})", flush=True)
        elif error is not None:
            self.counts["failed"] += 1
            print(f"FAIL  {name}: {error}", flush=True)
        else:
            self.counts["passed"] += 1
            print(f"PASS  {name}", flush=True)

    def finish(self):
        for name in sorted(set(self.known_gaps) - self.seen):
            self.counts["failed"] += 1
            print(f"FAIL  {name}: listed in KNOWN_GAPS but no such check", flush=True)
        c = self.counts
        print(f"{self.client}: {c['passed']} passed, {c['failed']} failed, {c['skipped']} skipped", flush=True)
        return 0 if c["failed"] == 0 else 1
