#!/usr/bin/env python3
"""The peer side of the load-and-scan benchmark: the same NDJSON files loaded into DuckDB, then
written as zstd Parquet, counted by (day, event), and written back out as NDJSON. Prints one
JSON object of measurements on stdout (the Swift benchmark prints the ratios)."""
import json, os, sys, time

import duckdb

work, files = sys.argv[1], sys.argv[2:]
os.makedirs(work, exist_ok=True)
db = os.path.join(work, "peer.duckdb")
for p in (db, db + ".wal"):
    if os.path.exists(p):
        os.remove(p)
con = duckdb.connect(db)
con.execute("SET threads TO %d" % os.cpu_count())
schema = ("STRUCT(time BIGINT, distinct_id VARCHAR, \"$insert_id\" VARCHAR, \"$browser\" VARCHAR, \"$os\" VARCHAR, "
          "mp_country_code VARCHAR, \"$current_url\" VARCHAR, mp_lib VARCHAR, plan VARCHAR, session_id VARCHAR, "
          "utm_source VARCHAR, utm_campaign VARCHAR, price DOUBLE, is_returning BOOLEAN, tags VARCHAR[])")
out = {}
t = time.time()
con.execute("CREATE TABLE events AS SELECT event, properties.* FROM read_ndjson(?, columns={'event': 'VARCHAR', 'properties': '%s'})" % schema,
            [files])
con.execute("CHECKPOINT")
out["load_s"] = time.time() - t
out["rows"] = con.execute("SELECT count(*) FROM events").fetchone()[0]
out["duckdb_bytes"] = os.path.getsize(db)

parquet = os.path.join(work, "peer.parquet")
t = time.time()
con.execute("COPY events TO '%s' (FORMAT parquet, COMPRESSION zstd)" % parquet)
out["parquet_write_s"] = time.time() - t
out["parquet_bytes"] = os.path.getsize(parquet)
os.remove(parquet)

query = "SELECT time // 86400 AS day, event, count(*) FROM events GROUP BY ALL"
times = []
for _ in range(3):
    t = time.time()
    groups = con.execute(query).fetchall()
    times.append(time.time() - t)
out["groupby_s"] = min(times)
out["groups"] = len(groups)

ndjson = "/dev/null"  # only the writing is timed; the file would be as large as the input
t = time.time()
con.execute("COPY events TO '%s' (FORMAT json)" % ndjson)
out["ndjson_export_s"] = time.time() - t


con.close()
os.remove(db)
print(json.dumps(out))
