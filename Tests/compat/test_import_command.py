"""`apus import` with real files: a Mixpanel-format export made by mixpanel-utils moves into a
new data folder in one command and reads back identically; and kill -9 at random moments of an
import never loses or doubles an event once the import is re-run to the end."""
import collections
import gzip
import json
import os
import random
import subprocess
import tempfile
import time

from conftest import PROJECT_ID, SA_SECRET, SA_USER, TOKEN, Server, apus_binary
from test_mixpanel_utils import sample_events, utils_for


def apus(*args, **kwargs):
    return subprocess.run([apus_binary(), *args], capture_output=True, text=True, **kwargs)


def new_folder(d):
    created = apus("projects", "create", "--data", d, "--name", "Imported", "--id", str(PROJECT_ID), "--token", TOKEN)
    assert created.returncode == 0, created.stderr
    account = apus("accounts", "create", "--data", d, "--username", SA_USER, "--role", "owner",
                   "--project", str(PROJECT_ID))
    assert account.returncode == 0, account.stderr
    return next(line.split()[1] for line in account.stdout.splitlines() if line.startswith("secret:"))


def export_with(server, secret, **params):
    import requests
    r = requests.get(f"{server.url}/api/2.0/export", auth=(SA_USER, secret), timeout=60,
                     params={"project_id": PROJECT_ID, "from_date": "2024-12-01", "to_date": "2025-03-31", **params})
    assert r.status_code == 200, r.text
    return [json.loads(line) for line in r.text.splitlines() if line]


def comparable(events):
    """Events keyed by insert id, without the server's processing time (set at each import)."""
    out = {}
    for e in events:
        props = {k: v for k, v in e["properties"].items() if k != "mp_processing_time_ms"}
        out[props["$insert_id"]] = (e["event"], props)
    return out


def test_a_mixpanel_utils_export_moves_to_a_new_folder_in_one_command(server, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    events = sample_events(3000, step=577)  # about 20 days
    mu = utils_for(server)
    mu.import_events(events, timezone_offset=0)
    mu.export_events("export.json", {"from_date": "2024-12-01", "to_date": "2025-03-31"})
    original = server.export(from_date="2024-12-01", to_date="2025-03-31")
    # The same rows as NDJSON, gzipped (the raw export API's own shape).
    with gzip.open(tmp_path / "export.ndjson.gz", "wt") as f:
        for e in original[:1000]:
            f.write(json.dumps(e) + "\n")

    with tempfile.TemporaryDirectory(prefix="apus-import-") as d:
        secret = new_folder(d)
        result = apus("import", "--data", d, "--project", str(PROJECT_ID), str(tmp_path / "export.json"),
                      str(tmp_path / "export.ndjson.gz"))
        assert result.returncode == 0, result.stdout + result.stderr
        assert "imported 4,000 events" in result.stdout  # 3000 + 1000 duplicates that collapse
        target = Server(d).start()
        try:
            moved = export_with(target, secret)
        finally:
            target.stop()
    assert len(moved) == len(original) == 3000
    assert comparable(moved) == comparable(original)


def write_events(path, n):
    with open(path, "w") as f:
        for i in range(n):
            f.write(json.dumps({"event": ["A", "B", "C"][i % 3], "properties": {
                "distinct_id": f"user-{i % 101}", "time": 1735689600 + i * 37, "$insert_id": f"imp-{i}", "n": i}}) + "\n")


def test_an_import_killed_at_random_moments_finishes_exactly_once_when_re_run(tmp_path):
    seed = int(os.environ.get("APUS_CRASH_SEED", str(random.randrange(1 << 30))))
    rng = random.Random(seed)
    print(f"import crash test seed {seed}")
    n = 60000
    path = tmp_path / "events.ndjson"
    write_events(path, n)
    with tempfile.TemporaryDirectory(prefix="apus-import-crash-") as d:
        secret = new_folder(d)
        # Events acknowledged by a server before the imports must survive them too.
        server = Server(d).start()
        import requests
        before = [{"event": "Before", "properties": {"distinct_id": "early", "time": 1735689600 + i, "$insert_id": f"before-{i}"}}
                  for i in range(50)]
        r = requests.post(f"{server.url}/import?strict=1&project_id={PROJECT_ID}", json=before, auth=(SA_USER, secret), timeout=10)
        assert r.status_code == 200 and r.json()["num_records_imported"] == 50, r.text
        server.kill()
        killed = 0
        for _ in range(6):
            proc = subprocess.Popen([apus_binary(), "import", "--data", d, "--project", str(PROJECT_ID),
                                     "--buffer-rows", "5000", str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.05, 1.5))
            if proc.poll() is None:
                proc.kill()
                killed += 1
            proc.wait()
        final = apus("import", "--data", d, "--project", str(PROJECT_ID), "--buffer-rows", "5000", str(path))
        assert final.returncode == 0, final.stdout + final.stderr
        verify = apus("verify", "--data", d)
        assert verify.returncode == 0, verify.stdout
        server = Server(d).start()
        try:
            exported = export_with(server, secret)
        finally:
            server.stop()
    counts = collections.Counter(e["properties"]["$insert_id"] for e in exported)
    assert [k for k, c in counts.items() if c > 1] == [], f"seed {seed}: doubled"
    assert len(counts) == n + 50, f"seed {seed}: {len(counts)} of {n + 50} (killed {killed} times)"
