"""IP geolocation against a real Apus started with --geoip-db (MaxMind's small test database):
events and profiles get $city/$region and mp_country_code/$country_code from their `ip`/`$ip`
(or the request's address with ip=1), the client's own values win, the address is not stored,
and without a database nothing is added."""
import json
import os
import tempfile

import requests

from conftest import PROJECT_ID, SA_SECRET, SA_USER, TOKEN, Server

DB = os.path.join(os.path.dirname(__file__), "..", "ApusIngestTests", "Fixtures", "GeoLite2-City-Test.mmdb")
T0 = 1764000000


def post(server, path, records, **params):
    r = requests.post(f"{server.url}/{path}", params=params, data={"data": json.dumps(records)}, timeout=30)
    assert r.status_code == 200 and r.text == "1", r.text


def profiles(server):
    r = requests.get(f"{server.url}/api/2.0/engage", params={"project_id": PROJECT_ID}, auth=(SA_USER, SA_SECRET), timeout=30)
    return {p["$distinct_id"]: p["$properties"] for p in r.json()["results"]}


def test_events_and_profiles_are_located(tmp_path):
    server = Server(str(tmp_path), extra_args=["--geoip-db", DB]).start()
    try:
        post(server, "track", [
            {"event": "A", "properties": {"token": TOKEN, "time": T0, "distinct_id": "u1", "$insert_id": "a", "ip": "81.2.69.142"}},
            {"event": "B", "properties": {"token": TOKEN, "time": T0, "distinct_id": "u1", "$insert_id": "b", "ip": "81.2.69.142",
                                          "$city": "Mine"}},
            {"event": "C", "properties": {"token": TOKEN, "time": T0, "distinct_id": "u1", "$insert_id": "c"}},
        ], ip="1")
        events = {e["event"]: e["properties"] for e in server.export(from_date="2025-11-24", to_date="2025-11-24")}
        assert (events["A"]["$city"], events["A"]["$region"], events["A"]["mp_country_code"]) == ("London", "England", "GB")
        assert events["B"]["$city"] == "Mine" and events["B"]["mp_country_code"] == "GB"
        assert "$city" not in events["C"]  # 127.0.0.1 is nowhere
        assert all("ip" not in p and "$ip" not in p for p in events.values())
        post(server, "engage", [{"$token": TOKEN, "$distinct_id": "u1", "$ip": "89.160.20.115", "$set": {"plan": "pro"}}])
        u1 = profiles(server)["u1"]
        assert (u1["$city"], u1["$country_code"], u1["plan"]) == ("Linköping", "SE", "pro")
        assert "$ip" not in u1
    finally:
        server.stop()


def test_without_a_database_nothing_is_added(server):
    post(server, "track", [{"event": "A", "properties": {"token": TOKEN, "time": T0, "distinct_id": "u1", "$insert_id": "a",
                                                          "ip": "81.2.69.142"}}])
    (event,) = server.export(from_date="2025-11-24", to_date="2025-11-24")
    assert "$city" not in event["properties"] and "mp_country_code" not in event["properties"]


def test_an_unreadable_database_stops_the_start(tmp_path):
    bad = tmp_path / "not.mmdb"
    bad.write_text("nope")
    try:
        Server(str(tmp_path / "data"), extra_args=["--geoip-db", str(bad)]).start()
        assert False, "apus started with an unreadable database"
    except RuntimeError as e:
        assert "not a readable MaxMind DB" in str(e)
