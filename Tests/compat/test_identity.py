"""Identity merge told as stories, against a real Apus: events sent as the browser SDK sends
them (and with the official Python SDK 5.4.1 for Original ID merge), read back as a user would
through raw export and unique counts with a service account."""
import json
import subprocess

import requests
from mixpanel import Consumer, Mixpanel
from mixpanel.credentials import ServiceAccountCredentials

from conftest import PROJECT_ID, SA_SECRET, SA_USER, TOKEN, apus_binary

T0 = 1764000000  # 2025-11-24T16:00:00Z
DAY = {"from_date": "2025-11-24", "to_date": "2025-11-24"}


def track(server, *events):
    """Posts events as mixpanel-js does (JSON array in the `data` form field)."""
    records = []
    for i, (name, minute, props) in enumerate(events):
        records.append({"event": name, "properties": dict(props, token=TOKEN, time=T0 + 60 * minute,
                                                          **{"$insert_id": f"{name}-{minute}-{i}"})})
    r = requests.post(f"{server.url}/track", data={"data": json.dumps(records)}, timeout=30)
    assert r.status_code == 200 and r.text == "1", r.text


def browser(device, user=None):
    """The super-properties mixpanel-js puts on every event, before and after identify()."""
    if user is None:
        return {"distinct_id": f"$device:{device}", "$device_id": device}
    return {"distinct_id": user, "$device_id": device, "$user_id": user}


def unique(server, event):
    r = requests.get(f"{server.url}/api/2.0/segmentation", auth=(SA_USER, SA_SECRET), timeout=30,
                     params=dict(DAY, project_id=PROJECT_ID, event=event, type="unique"))
    assert r.status_code == 200, r.text
    return r.json()["data"]["values"][event]["2025-11-24"]


def exported(server):
    return [(e["event"], e["properties"]["distinct_id"], e["properties"].get("$distinct_id_before_identity"))
            for e in server.export(**DAY)]


def set_mode(server, mode):
    subprocess.run([apus_binary(), "projects", "set-identity-mode", str(PROJECT_ID), mode, "--data", server.data_dir],
                   check=True, capture_output=True)


def test_browse_sign_up_second_device_and_reset_on_a_shared_device(server):
    track(server, ("Page Viewed", 0, browser("D1")))                        # anonymous visit
    track(server, ("Signed Up", 1, browser("D1", "alice")))                 # identify("alice")
    track(server, ("Page Viewed", 2, browser("D2", "alice")))               # login on a phone
    track(server, ("Page Viewed", 3, browser("D2", "alice")))
    track(server, ("Page Viewed", 4, browser("D3")))                        # reset(): a new device id
    assert unique(server, "Page Viewed") == 2
    rows = exported(server)
    assert ("Page Viewed", "alice", "$device:D1") in rows  # the anonymous visit is alice's now
    assert ("Page Viewed", "$device:D3", None) in rows
    assert {d for _, d, _ in rows} == {"alice", "$device:D3"}


def test_a_login_after_the_events_it_merges_changes_the_count(server):
    track(server, ("Played", 0, browser("D9")), ("Played", 5, browser("D8", "bob")))
    assert unique(server, "Played") == 2
    track(server, ("Logged In", 600, browser("D9", "bob")))
    assert unique(server, "Played") == 1


def test_merges_survive_kill_9_and_restart(server):
    track(server, ("Played", 0, browser("D7")), ("Played", 1, browser("D7", "carol")), ("Played", 2, browser("D6", "carol")))
    server.kill()
    server.start()
    assert unique(server, "Played") == 1
    assert {d for _, d, _ in exported(server)} == {"carol"}


def test_original_id_merge_with_the_python_sdk(server, monkeypatch):
    set_mode(server, "original")
    consumer = Consumer(events_url=f"{server.url}/track", import_url=f"{server.url}/import", retry_limit=0,
                        credentials=ServiceAccountCredentials(username=SA_USER, secret=SA_SECRET, project_id=str(PROJECT_ID)))
    import mixpanel
    real = mixpanel.Consumer
    monkeypatch.setattr(mixpanel, "Consumer", lambda *a, **k: real(events_url=f"{server.url}/track", retry_limit=0))
    mp = Mixpanel(TOKEN, consumer=consumer)
    for who in ("anon-1", "nick-1", "user-1", "user-2", "user-3"):
        mp.track(who, "Visit", {"time": T0 + 60})
    mp.alias("nick-1", "user-1")                       # nick-1 now stands for user-1
    mp.track("user-1", "$identify", {"$anon_distinct_id": "anon-1", "time": T0 + 120})
    mp.merge(None, "user-2", "user-3")                  # two identified people are one
    assert unique(server, "Visit") == 2
    shown = {before or d: d for _, d, before in exported(server) if _ == "Visit"}
    assert shown["anon-1"] == "user-1" and shown["nick-1"] == "user-1"
    assert shown["user-2"] == shown["user-3"]
    set_mode(server, "simplified")                     # these events merge nothing in Simplified
    assert unique(server, "Visit") == 5


def test_simplified_merge_sets_the_distinct_id_from_device_and_user(server):
    """A sender that is not mixpanel-js (here the Python SDK) puts the device id in
    `distinct_id` unprefixed; Simplified ID merge counts the event as `$device:<id>`, so the
    login that joins device and user merges it."""
    mp = Mixpanel(TOKEN, consumer=Consumer(events_url=f"{server.url}/track", retry_limit=0))
    mp.track("d-7", "Visit", {"$device_id": "d-7", "time": T0 + 60})
    mp.track("ignored-id", "Visit", {"$device_id": "d-8", "time": T0 + 90})
    mp.track("bob", "Login", {"$device_id": "d-7", "$user_id": "bob", "time": T0 + 120})
    assert unique(server, "Visit") == 2
    rows = exported(server)
    assert ("Visit", "bob", "$device:d-7") in rows
    assert ("Visit", "$device:d-8", None) in rows


def test_profile_updates_to_an_alias_reach_the_person_under_original_merge(server, monkeypatch):
    """Original ID merge: a people update sent to an alias lands on the aliased person's
    profile, unless it says `$ignore_alias`."""
    set_mode(server, "original")
    import mixpanel
    real = mixpanel.Consumer  # alias() sends through a Consumer of its own, synchronously
    monkeypatch.setattr(mixpanel, "Consumer", lambda *a, **k: real(events_url=f"{server.url}/track", retry_limit=0))
    mp = Mixpanel(TOKEN, consumer=real(events_url=f"{server.url}/track", people_url=f"{server.url}/engage",
                                       retry_limit=0))
    mp.alias("nick-9", "user-9")
    mp.people_set("nick-9", {"plan": "pro"})
    mp.people_set("nick-9", {"note": "own"}, meta={"$ignore_alias": True})
    r = requests.get(f"{server.url}/api/2.0/engage", params={"project_id": PROJECT_ID}, auth=(SA_USER, SA_SECRET),
                     timeout=30)
    assert r.status_code == 200, r.text
    profiles = {p["$distinct_id"]: p["$properties"] for p in r.json()["results"]}
    assert profiles["user-9"]["plan"] == "pro"
    assert profiles["nick-9"].get("note") == "own" and "plan" not in profiles["nick-9"]
