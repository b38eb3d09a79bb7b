#!/usr/bin/env python3
# Regenerates the README's `validate --since` example (real output) against two `cutover sim`
# instances on ports 14371/14372. Needs python-tds (`pip install python-tds`).
#   scripts/readme-since-example.py target/debug/cutover
import os, subprocess, sys, time, pytds, shutil
BIN = sys.argv[1]
work = os.path.join(os.environ.get("TMPDIR", "/tmp"), "cutover-since-example")
shutil.rmtree(work, ignore_errors=True); os.makedirs(work)
sims = [subprocess.Popen([BIN, "sim", "--port", str(p), "--database", "shop", "--name", n],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for p, n in ((14371, "SRC"), (14372, "TGT"))]
time.sleep(3)
def conn(port):
    return pytds.connect(server="127.0.0.1", port=port, user="cutover", password="cutover", database="shop", autocommit=True)
def run(c, sql):
    cur = c.cursor(); cur.execute(sql); cur.close()
try:
    cs = [conn(14371), conn(14372)]
    for c in cs:
        run(c, "ALTER DATABASE shop SET CHANGE_TRACKING = ON (CHANGE_RETENTION = 2 DAYS, AUTO_CLEANUP = ON)")
        run(c, "CREATE TABLE dbo.orders (order_id int NOT NULL PRIMARY KEY, customer nvarchar(40) NOT NULL, total decimal(12,2) NOT NULL, rv rowversion)")
        run(c, "ALTER TABLE dbo.orders ENABLE CHANGE_TRACKING")
        run(c, "CREATE TABLE dbo.stock (sku int NOT NULL PRIMARY KEY, qty int NOT NULL, rv rowversion)")
        run(c, "CREATE TABLE dbo.notes (id int NOT NULL PRIMARY KEY, body nvarchar(60) NULL)")
        for lo in range(1, 5001, 500):
            run(c, "INSERT INTO dbo.orders (order_id, customer, total) VALUES " + ", ".join(f"({i}, N'customer {i % 97}', {i % 500}.25)" for i in range(lo, lo + 500)))
        for lo in range(1, 2001, 500):
            run(c, "INSERT INTO dbo.stock (sku, qty) VALUES " + ", ".join(f"({i}, {i * 3 % 41})" for i in range(lo, lo + 500)))
        run(c, "INSERT INTO dbo.notes VALUES " + ", ".join(f"({i}, N'note {i}')" for i in range(1, 301)))
    env = dict(os.environ, CUTOVER_PASSWORD="cutover")
    src = "Server=tcp:127.0.0.1,14371;Database=shop;User Id=cutover;TrustServerCertificate=true"
    tgt = "Server=tcp:127.0.0.1,14372;Database=shop;User Id=cutover;TrustServerCertificate=true"
    full = subprocess.run([BIN, "validate", "--source", src, "--target", tgt, "--out", f"{work}/full"], env=env, capture_output=True, text=True)
    print("full exit", full.returncode, file=sys.stderr); print(full.stdout[-800:], file=sys.stderr)
    # The window: the application writes on the source; replication missed an update and a
    # delete of dbo.orders and an insert into dbo.stock.
    window = [("UPDATE dbo.orders SET total = total + 10 WHERE order_id IN (10, 11, 12)", True),
              ("UPDATE dbo.orders SET total = 999.99 WHERE order_id = 4242", False),
              ("INSERT INTO dbo.orders (order_id, customer, total) VALUES (5001, N'new customer', 42.00)", True),
              ("DELETE FROM dbo.orders WHERE order_id = 77", False),
              ("DELETE FROM dbo.stock WHERE sku = 5", True),
              ("INSERT INTO dbo.stock (sku, qty) VALUES (2001, 7)", False)]
    for sql, replicated in window:
        run(cs[0], sql)
        if replicated:
            run(cs[1], sql)
    since = subprocess.run([BIN, "validate", "--source", src, "--target", tgt, "--since", f"{work}/full", "--out", f"{work}/window"], env=env, capture_output=True, text=True)
    print("since exit", since.returncode, file=sys.stderr)
    print(since.stdout)
    print(since.stderr[-2000:], file=sys.stderr)
finally:
    for s in sims: s.terminate()
