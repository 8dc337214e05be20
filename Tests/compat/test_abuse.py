"""Hostile clients against the real server on loopback: oversized declarations, dripped and
stalled requests, many unfinished uploads at once, huge single records, tricky scalars, and
credentials used the wrong way. Each probe is bounded in count and size; nothing here times
the server, it checks what a client sees (answers, closed connections) and what the server
holds in memory (its RSS from /proc)."""
import base64
import json
import re
import socket
import tempfile
import threading
import time

import pytest
import requests

from conftest import PROJECT_ID, SA_SECRET, SA_USER, TOKEN, Server

BUDGET = 256 << 20  # the whole body budget; one client may hold a quarter


@pytest.fixture
def guarded():
    """A server with short connection timeouts so stalled probes end quickly."""
    with tempfile.TemporaryDirectory(prefix="apus-abuse-") as d:
        s = Server(d, ["--header-timeout", "1", "--body-timeout", "1", "--idle-timeout", "2",
                       "--body-budget", str(BUDGET)]).start()
        try:
            yield s
        finally:
            s.stop()


def rss_mb(server, field="VmRSS"):
    with open(f"/proc/{server.proc.pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) // 1024
    raise AssertionError(field + " not found")


def raw(server, data, read_seconds=30.0):
    """Sends bytes on a fresh connection; returns what came back and whether the server closed."""
    s = socket.create_connection(("127.0.0.1", server.port))
    s.settimeout(read_seconds)
    try:
        s.sendall(data)
    except OSError:
        pass
    got = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return got, True
            got += chunk
    except (socket.timeout, TimeoutError):
        return got, False
    except OSError:
        return got, True
    finally:
        s.close()


def status_of(reply):
    m = re.match(rb"HTTP/1\.1 (\d{3})", reply)
    return int(m.group(1)) if m else None


def event(i, **props):
    return {"event": "Probe", "properties": {"token": TOKEN, "distinct_id": f"u{i}", "time": 1735689600 + i,
                                             "$insert_id": f"p{i:05d}", **props}}


def track(server, body, **params):
    return requests.post(f"{server.url}/track", params=params, data={"data": json.dumps(body)}, timeout=60)


def test_a_declared_length_over_the_limit_is_refused_before_the_body(guarded):
    reply, closed = raw(guarded, b"POST /track HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000000\r\n\r\n[")
    assert status_of(reply) == 413
    assert b"Connection: close" in reply
    assert closed


def test_dripped_headers_are_cut_off(guarded):
    s = socket.create_connection(("127.0.0.1", guarded.port))
    s.settimeout(30)
    request = b"POST /track HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200 + b"\r\n\r\n"
    closed = False
    for byte in request:  # one byte every 0.1 s: 21 s in all, far past the 1 s header limit
        try:
            s.sendall(bytes([byte]))
        except OSError:
            closed = True
            break
        time.sleep(0.1)
    if not closed:
        closed = s.recv(1) == b""
    s.close()
    assert closed
    assert requests.get(f"{guarded.url}/healthz", timeout=10).status_code == 200


def test_a_body_shorter_than_its_length_is_cut_off_and_stores_nothing(guarded):
    body = json.dumps([event(1)]).encode()
    head = (f"POST /track HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body) + 1000}\r\n\r\n").encode()
    reply, closed = raw(guarded, head + body)
    assert closed and status_of(reply) in (None, 400)
    assert guarded.export() == []


def test_many_stalled_uploads_are_refused_within_the_budget(guarded):
    """40 connections each declare 11 MB, send up to 8 MB and stall: the server holds no more
    than its budget, keeps answering, refuses the rest with 429/503 + Retry-After, and gives
    the memory back afterwards."""
    base = rss_mb(guarded)
    chunk = b"x" * (1 << 20)
    replies = []
    lock = threading.Lock()
    sockets = []

    def upload():
        s = socket.create_connection(("127.0.0.1", guarded.port))
        s.settimeout(30)
        sockets.append(s)
        try:
            s.sendall(b"POST /track HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Content-Length: 11534336\r\n\r\n")
            for _ in range(8):
                s.sendall(chunk)
        except OSError:
            pass
        got = b""
        try:
            while True:
                part = s.recv(65536)
                if not part:
                    break
                got += part
        except OSError:
            pass
        with lock:
            replies.append(got)

    threads = [threading.Thread(target=upload) for _ in range(40)]
    for t in threads:
        t.start()
    peak = 0
    answered = []
    while any(t.is_alive() for t in threads):
        peak = max(peak, rss_mb(guarded))
        answered.append(requests.get(f"{guarded.url}/healthz", timeout=10).status_code)
        time.sleep(0.05)
    for t in threads:
        t.join()
    for s in sockets:
        s.close()
    r = track(guarded, [event(1)])
    assert r.status_code == 200 and r.text == "1"
    refused = [rep for rep in replies if status_of(rep) in (429, 503)]
    assert refused, "some uploads should have been refused over the budget"
    assert all(b"Retry-After: 1" in rep and b"Connection: close" in rep for rep in refused)
    assert set(answered) == {200}
    assert peak - base < BUDGET // (1 << 20) + 150, f"RSS rose {peak - base} MB over a {BUDGET >> 20} MB budget"
    time.sleep(1)
    assert rss_mb(guarded) - base < 100, "memory held by the uploads was not given back"


def test_huge_single_records_are_refused_without_being_parsed(guarded):
    """Ten 9 MB bodies of one record each (over the 1 MB record limit) at once."""
    base = rss_mb(guarded)
    big = json.dumps([event(1, blob=[1] * 4_500_000)], separators=(",", ":")).encode()
    results = []

    def send():
        r = requests.post(f"{guarded.url}/track?verbose=1", data=big,
                          headers={"Content-Type": "application/json"}, timeout=120)
        results.append((r.status_code, r.text))

    threads = [threading.Thread(target=send) for _ in range(10)]
    for t in threads:
        t.start()
    health = []
    while any(t.is_alive() for t in threads):
        health.append(requests.get(f"{guarded.url}/healthz", timeout=10).status_code)
        time.sleep(0.05)
    for t in threads:
        t.join()
    assert set(health) <= {200}
    for status, text in results:
        if status == 200:
            assert "may be at most 1048576 bytes" in json.loads(text)["error"]
        else:
            assert status in (429, 503)
    assert any(status == 200 for status, _ in results)
    assert rss_mb(guarded, "VmHWM") - base < 700
    assert guarded.export() == []


def test_times_are_decimal_numbers_only(server):
    for bad in ["0x10", "inf", "+5", "1e400"]:
        r = track(server, [event(1, time=bad)], verbose="1")
        assert r.json()["status"] == 0 and "properties.time" in r.json()["error"]
    assert track(server, [event(2, time="1735689602.5")], verbose="1").json()["status"] == 1
    assert [e["properties"]["time"] for e in server.export()] == [1735689602]


@pytest.mark.parametrize("params", [
    {"from_date": "+026-11-01", "to_date": "2026-11-02"},
    {"from_date": "2026-11-01", "to_date": "2026-11-02", "limit": "+5"},
    {"from_date": "2026-11-01", "to_date": "2026-11-02", "project_id": "+4242"},
])
def test_signed_dates_and_numbers_in_parameters_are_400(server, params):
    r = requests.get(f"{server.url}/api/2.0/export", params={"project_id": PROJECT_ID, **params},
                     auth=(SA_USER, SA_SECRET), timeout=30)
    assert r.status_code == 400, r.text
    assert "error" in r.json()


def test_duplicate_keys_keep_the_last_value_and_are_stored_once(server):
    raw_json = ('[{"event":"Dup","properties":{"token":"%s","distinct_id":"first","time":1735689600,'
                '"$insert_id":"d1","plan":"free","plan":"pro","distinct_id":"last"}}]' % TOKEN)
    r = requests.post(f"{server.url}/track", data=raw_json, headers={"Content-Type": "application/json"}, timeout=30)
    assert r.text == "1"
    r = requests.get(f"{server.url}/api/2.0/export", auth=(SA_USER, SA_SECRET), timeout=30,
                     params={"project_id": PROJECT_ID, "from_date": "2025-01-01", "to_date": "2025-01-01"})
    line = r.text.strip()
    assert line.count('"plan"') == 1
    props = json.loads(line)["properties"]
    assert props["plan"] == "pro" and props["distinct_id"] == "last"


def project_secret(server):
    m = re.search(r"project secret:\s+(\S+)", "".join(server.output))
    assert m, "the first start prints the project secret"
    return m.group(1)


def test_import_as_a_service_account_without_project_id_is_400(server):
    r = requests.post(f"{server.url}/import", json=[event(1)], auth=(SA_USER, SA_SECRET), timeout=30)
    assert r.status_code == 400 and "project_id" in r.json()["error"]


def test_the_legacy_secret_needs_an_empty_password(server):
    secret = project_secret(server)
    r = requests.post(f"{server.url}/import", json=[event(1)], auth=(secret, "anything"), timeout=30)
    assert r.status_code == 401
    r = requests.post(f"{server.url}/import", json=[event(2)], auth=(secret, ""), timeout=30)
    assert r.status_code == 200, r.text
    assert [e["properties"]["$insert_id"] for e in server.export()] == ["p00002"]


def test_redirect_locations_are_percent_encoded(server):
    data = base64.b64encode(json.dumps(event(1)).encode()).decode()
    r = requests.get(f"{server.url}/track", allow_redirects=False, timeout=30,
                     params={"data": data, "redirect": "https://shop.example/x?q=\u2028y"})
    assert r.status_code == 302
    location = r.raw.headers["Location"]
    assert location == "https://shop.example/x?q=%E2%80%A8y"
