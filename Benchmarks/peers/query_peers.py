#!/usr/bin/env python3
"""The peer side of the query benchmark: the questions QueryRun asks Apus, asked of DuckDB (from
PyPI, in process) and ClickHouse (Debian's clickhouse-server, started here on loopback with its
own folder) over the same rows. Both databases are built once from the NDJSON input and kept in
WORK, so a second run only queries. Prints one JSON object on stdout: for each engine and
question, the first time and the best of three hot times in seconds, and the engine's RSS.

usage: query_peers.py --work DIR --event NAME --last-day D [--engines duckdb,clickhouse] FILE...
(D is the last UTC day of the data as days since 1970-01-01; the key-count question covers
D-30…D, the others everything.)"""
import argparse, json, os, resource, shutil, signal, socket, subprocess, sys, time, urllib.parse, urllib.request

STRINGS = ["$browser", "$os", "mp_country_code", "$current_url", "mp_lib", "plan", "session_id",
           "utm_source", "utm_campaign"]
SCHEMA = ("STRUCT(time BIGINT, distinct_id VARCHAR, \"$insert_id\" VARCHAR, "
          + ", ".join('"%s" VARCHAR' % s for s in STRINGS)
          + ", price DOUBLE, is_returning BOOLEAN, tags VARCHAR[])")
KEYS = ["$insert_id"] + STRINGS + ["price", "is_returning", "tags"]


def q(name):
    return '"%s"' % name


def questions(event, last_day, quote, unique):
    """The five questions of QueryRun, in the same order, as SQL both engines accept."""
    e = "'%s'" % event.replace("'", "''")
    top = ("SELECT {b} FROM events WHERE event = {e} AND {b} IS NOT NULL GROUP BY {b} ORDER BY count(*) DESC LIMIT 10"
           .format(b=quote("$browser"), e=e))
    since = (last_day - 30) * 86400
    keys = ", ".join("count(%s)" % quote(k) for k in KEYS if k != "tags")
    return [
        "SELECT intDiv(time, 86400) AS d, count(*) FROM events WHERE event = %s GROUP BY d" % e,
        "SELECT intDiv(time, 86400) AS d, %s FROM events WHERE event = %s GROUP BY d" % (unique, e),
        "SELECT intDiv(time, 86400) AS d, {b}, count(*) FROM events WHERE event = {e} AND {b} IN ({top}) GROUP BY d, {b}"
        .format(b=quote("$browser"), e=e, top=top),
        "SELECT intDiv(time, 86400) AS d, {b}, count(*) FROM events WHERE event = {e} AND {o} = 'Windows' AND {b} IN ({top}) GROUP BY d, {b}"
        .format(b=quote("$browser"), o=quote("$os"), e=e, top=top.replace("IS NOT NULL", "IS NOT NULL AND %s = 'Windows'" % quote("$os"))),
        "SELECT %s FROM events WHERE event = %s AND time >= %d" % (keys, e, since),
    ]


def timed(run):
    t = time.time()
    run()
    first = time.time() - t
    best = float("inf")
    for _ in range(3):
        t = time.time()
        run()
        best = min(best, time.time() - t)
    return {"first_s": first, "hot_s": best}


def duckdb_side(work, files, event, last_day, out):
    import duckdb
    path = os.path.join(work, "query.duckdb")
    done = path + ".loaded"
    if not os.path.exists(done):
        for p in (path, path + ".wal", done):
            if os.path.exists(p):
                os.remove(p)
        con = duckdb.connect(path)
        con.execute("SET threads TO %d" % os.cpu_count())
        t = time.time()
        con.execute("CREATE TABLE events AS SELECT event, properties.* FROM read_ndjson(?, columns={'event': 'VARCHAR', 'properties': '%s'})"
                    % SCHEMA, [files])
        con.execute("CHECKPOINT")
        out["duckdb_load_s"] = time.time() - t
        con.close()
        open(done, "w").close()
    con = duckdb.connect(path, read_only=True)
    con.execute("SET threads TO %d" % os.cpu_count())
    sqls = [s.replace("intDiv(time, 86400)", "time // 86400") for s in questions(event, last_day, q, "count(DISTINCT distinct_id)")]
    out["duckdb"] = [timed(lambda s=s: con.execute(s).fetchall()) for s in sqls]
    out["duckdb_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    con.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


CONFIG = """<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>{d}/server.log</log><errorlog>{d}/error.log</errorlog></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>{http}</http_port>
  <tcp_port>{tcp}</tcp_port>
  <path>{d}/data/</path>
  <tmp_path>{d}/tmp/</tmp_path>
  <user_files_path>{d}/user_files/</user_files_path>
  <format_schema_path>{d}/format_schemas/</format_schema_path>
  <mark_cache_size>5368709120</mark_cache_size>
  <max_concurrent_queries>10</max_concurrent_queries>
  <users_config>{d}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
</yandex>
"""
USERS = """<?xml version="1.0"?>
<yandex>
  <profiles><default><max_threads>{threads}</max_threads><max_memory_usage>20000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
"""


def clickhouse_side(work, event, last_day, out):
    folder = os.path.join(work, "clickhouse")
    os.makedirs(folder, exist_ok=True)
    http, tcp = free_port(), free_port()
    with open(os.path.join(folder, "config.xml"), "w") as f:
        f.write(CONFIG.format(d=folder, http=http, tcp=tcp))
    with open(os.path.join(folder, "users.xml"), "w") as f:
        f.write(USERS.format(threads=os.cpu_count()))
    server = subprocess.Popen(["clickhouse-server", "--config-file", os.path.join(folder, "config.xml")],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=folder)
    url = "http://127.0.0.1:%d/" % http

    def ask(sql, body=None):
        data = sql.encode() if body is None else body
        target = url if body is None else url + "?query=" + urllib.parse.quote(sql)
        with urllib.request.urlopen(urllib.request.Request(target, data=data), timeout=3600) as r:
            return r.read()
    try:
        for _ in range(300):
            try:
                ask("SELECT 1")
                break
            except Exception:
                time.sleep(0.2)
        else:
            raise RuntimeError("clickhouse-server did not start; see %s/error.log" % folder)
        loaded = os.path.join(folder, "loaded")
        if not os.path.exists(loaded):
            ask("DROP TABLE IF EXISTS events")
            columns = ", ".join("`%s` Nullable(String)" % s for s in ["$insert_id"] + STRINGS)
            ask("CREATE TABLE events (event String, time UInt32, distinct_id String, %s, price Nullable(Float64), "
                "is_returning Nullable(UInt8)) ENGINE = MergeTree() PARTITION BY toYYYYMM(toDate(time)) ORDER BY (event, time)" % columns)
            # The rows come from the DuckDB database built above, as CSV (\N for missing values).
            import duckdb
            con = duckdb.connect(os.path.join(work, "query.duckdb"), read_only=True)
            csv = os.path.join(work, "clickhouse-load.csv")
            t = time.time()
            select = ", ".join(["event", "time", "distinct_id"] + [q(s) for s in ["$insert_id"] + STRINGS]
                               + ["price", "is_returning::INTEGER"])
            con.execute("COPY (SELECT %s FROM events) TO '%s' (FORMAT csv, HEADER false, NULLSTR '\\N')" % (select, csv))
            con.close()
            with open(csv, "rb") as f:
                subprocess.run(["clickhouse-client", "--port", str(tcp), "--query", "INSERT INTO events FORMAT CSV"],
                               stdin=f, check=True)
            os.remove(csv)
            ask("OPTIMIZE TABLE events FINAL")
            out["clickhouse_load_s"] = time.time() - t
            open(loaded, "w").close()
        sqls = questions(event, last_day, lambda n: "`%s`" % n, "uniqExact(distinct_id)")
        out["clickhouse"] = [timed(lambda s=s: ask(s)) for s in sqls]
        with open("/proc/%d/status" % server.pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    out["clickhouse_rss_mb"] = int(line.split()[1]) / 1024
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--work", required=True)
    p.add_argument("--event", required=True)
    p.add_argument("--last-day", type=int, required=True)
    p.add_argument("--engines", default="duckdb,clickhouse")
    p.add_argument("files", nargs="+")
    a = p.parse_args()
    os.makedirs(a.work, exist_ok=True)
    out = {}
    engines = a.engines.split(",")
    if "duckdb" in engines or "clickhouse" in engines:
        duckdb_side(a.work, a.files, a.event, a.last_day, out)
    if "clickhouse" in engines:
        if shutil.which("clickhouse-server") is None:
            out["clickhouse_error"] = "clickhouse-server is not installed (scripts/bench-peers --clickhouse)"
        else:
            clickhouse_side(a.work, a.event, a.last_day, out)
    print(json.dumps(out))


if __name__ == "__main__":
    sys.exit(main())
