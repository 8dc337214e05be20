"""The official `mixpanel` Python SDK 5.4.1, unchanged, against a real Apus."""
import time

import mixpanel
import pytest
from mixpanel import Consumer, Mixpanel, MixpanelException
from mixpanel.credentials import ServiceAccountCredentials

from conftest import PROJECT_ID, SA_SECRET, SA_USER, TOKEN


def consumer_for(server, credentials=None):
    return Consumer(events_url=f"{server.url}/track", people_url=f"{server.url}/engage",
                    groups_url=f"{server.url}/groups", import_url=f"{server.url}/import",
                    credentials=credentials, retry_limit=0)


def sdk(server, credentials=None):
    return Mixpanel(TOKEN, consumer=consumer_for(server, credentials))


def test_tracked_events_come_back_through_export(server):
    mp = sdk(server)
    mp.track("u-1", "Signed Up", {"plan": "pro", "seats": 3, "trial": True, "tags": ["a", "b"]})
    mp.track("u-2", "Viewed Page", {"path": "/pricing"})
    events = server.export()
    by_name = {e["event"]: e for e in events}
    assert set(by_name) == {"Signed Up", "Viewed Page"}
    signed = by_name["Signed Up"]["properties"]
    assert signed["distinct_id"] == "u-1"
    assert signed["plan"] == "pro" and signed["seats"] == 3 and signed["trial"] is True
    assert signed["tags"] == ["a", "b"]
    assert signed["mp_lib"] == "python"
    assert abs(signed["time"] - time.time()) < 120
    assert len(signed["$insert_id"]) == 32


def test_import_with_service_account_keeps_the_given_time(server):
    creds = ServiceAccountCredentials(username=SA_USER, secret=SA_SECRET, project_id=str(PROJECT_ID))
    mp = sdk(server, creds)
    mp.import_data(None, "u-9", "Old Purchase", 1700000000, {"amount": 19.99})
    events = server.export(from_date="2023-11-14", to_date="2023-11-14")
    assert [e["event"] for e in events] == ["Old Purchase"]
    props = events[0]["properties"]
    assert props["time"] == 1700000000 and props["amount"] == 19.99 and props["distinct_id"] == "u-9"


def test_import_with_a_wrong_secret_raises_and_stores_nothing(server):
    creds = ServiceAccountCredentials(username=SA_USER, secret="wrong", project_id=str(PROJECT_ID))
    mp = sdk(server, creds)
    with pytest.raises(MixpanelException):
        mp.import_data(None, "u-9", "Old Purchase", 1700000000)
    assert server.export() == []


def test_track_with_a_wrong_token_raises_and_stores_nothing(server):
    mp = Mixpanel("not-a-token", consumer=consumer_for(server))
    with pytest.raises(MixpanelException):
        mp.track("u-1", "Signed Up")
    assert server.export() == []


def test_every_profile_and_group_operation_is_accepted(server):
    mp = sdk(server)
    mp.people_set("u-1", {"$email": "a@example.com", "Plan": "Pro"})
    mp.people_set_once("u-1", {"First Seen": "2025-01-01"})
    mp.people_increment("u-1", {"Logins": 1})
    mp.people_append("u-1", {"Visited": "/pricing"})
    mp.people_union("u-1", {"Tags": ["x", "y"]})
    mp.people_unset("u-1", ["Old"])
    mp.people_remove("u-1", {"Tags": "x"})
    mp.people_delete("u-2")
    mp.group_set("company", "Acme", {"Tier": "Gold"})
    mp.group_union("company", "Acme", {"Regions": ["EU"]})


def test_an_engage_update_without_an_operation_raises(server):
    mp = sdk(server)
    with pytest.raises(MixpanelException):
        mp.people_update({"$distinct_id": "u-1"})


def test_alias_is_sent_to_track(server, monkeypatch):
    # alias() always builds a fresh default Consumer (aimed at Mixpanel's cloud); point that
    # default at Apus, as a user of a self-hosted server must.
    real = mixpanel.Consumer
    monkeypatch.setattr(mixpanel, "Consumer", lambda *a, **k: real(events_url=f"{server.url}/track", retry_limit=0))
    sdk(server).alias("new-id", "old-id")
    events = server.export()
    assert [e["event"] for e in events] == ["$create_alias"]
    assert events[0]["properties"]["alias"] == "new-id"


def test_merge_is_sent_to_import_with_the_service_account(server):
    creds = ServiceAccountCredentials(username=SA_USER, secret=SA_SECRET, project_id=str(PROJECT_ID))
    sdk(server, creds).merge(None, "id-a", "id-b")
    events = server.export()
    assert [e["event"] for e in events] == ["$merge"]
    assert events[0]["properties"]["$distinct_ids"] == ["id-a", "id-b"]


def test_buffered_consumer_batches_arrive_whole(server):
    buffered = mixpanel.BufferedConsumer(max_size=50, events_url=f"{server.url}/track",
                                         people_url=f"{server.url}/engage", retry_limit=0)
    mp = Mixpanel(TOKEN, consumer=buffered)
    for i in range(120):
        mp.track(f"u-{i % 7}", "Batch Event", {"i": i})
    buffered.flush()
    events = server.export()
    assert sorted(e["properties"]["i"] for e in events) == list(range(120))


def test_resending_the_same_event_counts_once(server):
    mp = sdk(server)
    meta_props = {"$insert_id": "dup-0001", "time": 1735689600}
    mp.track("u-1", "Paid", dict(meta_props))
    mp.track("u-1", "Paid", dict(meta_props))
    mp.track("u-1", "Paid", {"$insert_id": "dup-0002", "time": 1735689600})
    events = server.export(from_date="2025-01-01", to_date="2025-01-01")
    assert sorted(e["properties"]["$insert_id"] for e in events) == ["dup-0001", "dup-0002"]
