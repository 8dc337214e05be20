"""Kill -9 at random moments while ingesting; every acknowledged event must survive exactly once."""
import collections
import os
import random
import re
import subprocess
import tempfile
import threading
import time

import requests

from conftest import PROJECT_ID, SA_SECRET, SA_USER, Server, apus_binary

ROUNDS = int(os.environ.get("APUS_CRASH_ROUNDS", "24"))


def sender(url, prefix, acked, stop):
    session = requests.Session()
    n = 0
    while not stop.is_set():
        batch = []
        for _ in range(40):
            batch.append({"event": "Crash Test", "properties": {
                "distinct_id": f"user-{n % 13}", "time": 1735689600 + n, "$insert_id": f"{prefix}-{n}", "n": n}})
            n += 1
        try:
            r = session.post(f"{url}/import?strict=1&project_id={PROJECT_ID}", json=batch, auth=(SA_USER, SA_SECRET), timeout=5)
        except requests.RequestException:
            return
        if r.status_code == 200 and r.json().get("num_records_imported") == len(batch):
            acked.extend(e["properties"]["$insert_id"] for e in batch)


def test_acknowledged_events_survive_sigkill_exactly_once():
    seed = int(os.environ.get("APUS_CRASH_SEED", str(random.randrange(1 << 30))))
    rng = random.Random(seed)
    print(f"crash test seed {seed}")
    acked = []
    with tempfile.TemporaryDirectory(prefix="apus-crash-") as d:
        for round_no in range(ROUNDS):
            # Small memtables, so flushes, WAL trims and merges happen while the process is killed.
            server = Server(d, extra_args=["--flush-rows", "3000"]).start()
            stop = threading.Event()
            threads = [threading.Thread(target=sender, args=(server.url, f"r{round_no}t{t}", acked, stop)) for t in range(2)]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.05, 0.6))
            server.kill()
            stop.set()
            for t in threads:
                t.join()
        server = Server(d).start()
        try:
            exported = server.export(from_date="2024-12-01", to_date="2025-02-28")
        finally:
            server.stop()
        counts = collections.Counter(e["properties"]["$insert_id"] for e in exported)
        doubles = [k for k, c in counts.items() if c > 1]
        assert not doubles, f"seed {seed}: counted twice: {doubles[:5]}"
        missing = [k for k in acked if k not in counts]
        assert not missing, f"seed {seed}: acknowledged but lost: {len(missing)} e.g. {missing[:5]}"
        assert len(acked) > 0
        verify = subprocess.run([apus_binary(), "verify", "--data", d], capture_output=True, text=True)
        assert verify.returncode == 0, verify.stdout + verify.stderr
        parts = int(re.search(r"parts: (\d+)", verify.stdout).group(1))
        assert parts > 0, "the rounds never flushed a part: " + verify.stdout
