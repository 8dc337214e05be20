#!/usr/bin/env python3
"""The peer side of ProfileRun: DuckDB, over the events database the query benchmark keeps in
WORK (query.duckdb), joins a profiles table of USERS users ("user-<i>", plan
["free","starter","pro","enterprise"][i % 4], as ProfileRun writes them) and counts one event by
day per plan. Prints {"first_s", "hot_s"} as JSON.

usage: profile_peers.py --work DIR --users N --event NAME"""
import argparse, json, os, time


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--work", required=True)
    a.add_argument("--users", type=int, required=True)
    a.add_argument("--event", required=True)
    args = a.parse_args()
    import duckdb
    con = duckdb.connect(os.path.join(args.work, "query.duckdb"))
    con.execute("SET threads TO %d" % os.cpu_count())
    con.execute("CREATE TABLE IF NOT EXISTS profiles AS SELECT 'user-' || i AS distinct_id, "
                "(['free', 'starter', 'pro', 'enterprise'])[i % 4 + 1] AS plan, i % 50 AS seats FROM range(?) t(i)", [args.users])
    sql = ("SELECT e.time // 86400 AS d, p.plan, count(*) FROM events e JOIN profiles p ON e.distinct_id = p.distinct_id "
           "WHERE e.event = ? GROUP BY d, p.plan")
    t = time.time()
    con.execute(sql, [args.event]).fetchall()
    first = time.time() - t
    best = float("inf")
    for _ in range(3):
        t = time.time()
        con.execute(sql, [args.event]).fetchall()
        best = min(best, time.time() - t)
    print(json.dumps({"first_s": first, "hot_s": best}))


if __name__ == "__main__":
    main()
