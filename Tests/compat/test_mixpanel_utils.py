"""mixpanel-utils 2.2.7 (the `mixpanel_utils` bulk import/export helper), unchanged, against a real Apus.

How the library is pointed at Apus: `MixpanelUtils` has no host option — `residency` only picks
between api/data/mixpanel.com, api-eu… and api-in… — and builds every URL from three plain
instance attributes set in `__init__`:

    import_api     "https://api.mixpanel.com"       + "/import", "/engage" (no version segment)
    raw_api        "https://data.mixpanel.com/api"  + "/2.0/export"
    formatted_api  "https://mixpanel.com/api"       + "/2.0/<query endpoint>"

`utils_for()` overwrites those three attributes on the instance right after construction, as a
user of a self-hosted server must. Nothing else in the library is touched; `loopback_only`
additionally refuses (client-side, before any byte is sent) any URL that is not this test's Apus.

How the library reports: it never raises for a failed batch. Each batch's response body is
logged at DEBUG as "API Response: …"; a body whose `status` is not 1/"OK" is logged as a
WARNING ("API response NOT OK"); an HTTP error is logged at ERROR with the body; a batch that
raised is dumped to ./import_backup.txt. The tests read those reports through `caplog`.
"""
import gzip
import json
import logging
import tempfile
import urllib.parse
import urllib.request

import pytest
import requests
from mixpanel_utils import MixpanelUtils

from conftest import PROJECT_ID, SA_SECRET, SA_USER, TOKEN, Server

DAY = 86400
T0 = 1735689600  # 2025-01-01T00:00:00Z


def utils_for(server, *, secret=SA_SECRET, username=SA_USER, project_id=PROJECT_ID, token=TOKEN):
    mu = MixpanelUtils(secret, token=token, service_account_username=username, project_id=project_id,
                       pool_size=4)
    # No host option in mixpanel-utils 2.2.7 (see module docstring): aim its base URLs at Apus.
    mu.import_api = server.url
    mu.raw_api = f"{server.url}/api"
    mu.formatted_api = f"{server.url}/api"
    return mu


@pytest.fixture(autouse=True)
def in_temp_folder(tmp_path, monkeypatch):
    # The library writes backup_*.json, import_backup.txt and invalid_events.txt to the
    # working directory; keep them in the test's own folder.
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch):
    real = urllib.request.urlopen

    def guarded(request, *args, **kwargs):
        url = request.full_url if isinstance(request, urllib.request.Request) else request
        host = urllib.parse.urlsplit(url).hostname
        assert host == "127.0.0.1", f"mixpanel_utils tried to reach {url}"
        return real(request, *args, **kwargs)

    monkeypatch.setattr(urllib.request, "urlopen", guarded)


@pytest.fixture
def reports(caplog):
    """What the library reported: parsed response bodies, and its warnings/errors."""
    caplog.set_level(logging.DEBUG, logger="mixpanel_utils")

    class Reports:
        @property
        def responses(self):
            # A batch that got an HTTP error is reported as "API Response: None".
            bodies = [r.getMessage()[len("API Response: "):] for r in self._records()
                      if r.getMessage().startswith("API Response: ")]
            return [None if b == "None" else json.loads(b) for b in bodies]

        @property
        def problems(self):
            return [r.getMessage() for r in self._records() if r.levelno >= logging.WARNING]

        def _records(self):
            return [r for r in caplog.records if r.name == "mixpanel_utils"]

    return Reports()


def assert_no_backup_dumps(folder):
    assert not (folder / "import_backup.txt").exists(), (folder / "import_backup.txt").read_text()
    assert not (folder / "invalid_events.txt").exists(), (folder / "invalid_events.txt").read_text()


def sample_events(n, name_cycle=("Signed Up", "Viewed Page", "Purchase"), start=T0, step=97):
    """Events as a Mixpanel export file holds them: name, distinct_id, time, $insert_id, props."""
    events = []
    for i in range(n):
        props = {"distinct_id": f"user-{i % 37}", "time": start + i * step, "$insert_id": f"mu-{i:06d}",
                 "plan": ["free", "pro", "team"][i % 3], "seats": i % 11, "price": round(i * 0.25, 2),
                 "trial": i % 2 == 0, "tags": ["a", f"t{i % 5}"], "city": "Zoë’s town 🚀",
                 "nested": {"depth": {"k": [i, "x"]}}, "nothing": None, "empty": ""}
        events.append({"event": name_cycle[i % len(name_cycle)], "properties": props})
    return events


def assert_stored_exactly(exported, imported):
    """Every imported event comes back once, with every property as sent (time in whole seconds);
    anything else is only what the server documents adding (§1.7.2: `$…` / `mp_…` names)."""
    by_id = {e["properties"]["$insert_id"]: e for e in exported}
    assert len(by_id) == len(exported) == len(imported)
    for original in imported:
        want = dict(original["properties"], time=int(original["properties"]["time"]))
        got = by_id[want["$insert_id"]]
        assert got["event"] == original["event"]
        assert {k: got["properties"].get(k, "<missing>") for k in want} == want
        extra = set(got["properties"]) - set(want)
        assert all(k.startswith(("$", "mp_")) or k == "token" for k in extra), extra
        assert got["properties"]["$import"] is True


# (1) Bulk import in several 2000-event batches, read back exactly.

def test_import_of_several_batches_with_a_service_account_comes_back_exactly(server, reports, in_temp_folder):
    events = sample_events(4500)  # 2000 + 2000 + 500, sent concurrently by the library's pool
    utils_for(server).import_events(events, timezone_offset=0)

    assert reports.problems == []
    assert sorted(r["num_records_imported"] for r in reports.responses) == [500, 2000, 2000]
    assert all(r["status"] == "OK" and r["code"] == 200 for r in reports.responses)
    assert_no_backup_dumps(in_temp_folder)
    assert_stored_exactly(server.export(), events)


def test_import_authenticated_with_the_project_token_as_api_secret(server, reports):
    # The older way to call mixpanel-utils: MixpanelUtils(api_secret) without a service
    # account sends `Authorization: Basic <secret>:` and no project_id; a project token is
    # accepted there too (§1.3.1).
    mu = utils_for(server, secret=TOKEN, username=None, project_id=None)
    events = sample_events(3)
    mu.import_events(events, timezone_offset=0)
    assert reports.problems == []
    assert [r["num_records_imported"] for r in reports.responses] == [3]
    assert_stored_exactly(server.export(), events)


def test_import_with_a_wrong_service_account_secret_is_reported_and_stores_nothing(server, reports):
    utils_for(server, secret="not-the-secret").import_events(sample_events(5), timezone_offset=0)
    assert any("HTTP Error Code: 401" in p for p in reports.problems), reports.problems
    assert reports.responses == [None]
    assert server.export() == []


def test_strict_import_reports_the_invalid_event_and_keeps_the_valid_ones(server, reports):
    events = sample_events(4)
    del events[2]["properties"]["$insert_id"]  # strict=1 requires $insert_id (§1.3.4)
    utils_for(server).import_events(events, timezone_offset=0)

    assert any("HTTP Error Code: 400" in p for p in reports.problems), reports.problems
    body = json.loads(next(p for p in reports.problems if p.startswith("Response: "))[len("Response: "):])
    assert body["num_records_imported"] == 3
    assert [(f["index"], f["field"]) for f in body["failed_records"]] == [(2, "properties.$insert_id")]
    assert sorted(e["properties"]["$insert_id"] for e in server.export()) == ["mu-000000", "mu-000001", "mu-000003"]


def test_import_from_a_json_file_and_from_a_newline_delimited_file(server, reports, in_temp_folder):
    events = sample_events(6)
    (in_temp_folder / "array.json").write_text(json.dumps(events[:3]))
    (in_temp_folder / "lines.json").write_text("\n".join(json.dumps(e) for e in events[3:]) + "\n")
    mu = utils_for(server)
    mu.import_events("array.json", timezone_offset=0)
    mu.import_events("lines.json", timezone_offset=0)
    assert reports.problems == []
    assert_stored_exactly(server.export(), events)


# (2) Time handling: import_events shifts "project time" to UTC by timezone_offset hours and
# truncates to whole seconds before sending.

@pytest.mark.parametrize("offset_hours", [-8, 0, 5.5])
def test_import_timezone_offset_is_applied_before_storing(server, reports, offset_hours):
    project_times = [T0 - 4 * 3600, T0 + 0.75, T0 + 12 * 3600 + 0.5]  # 2024-12-31 20:00, 2025-01-01 00:00:00.75, 12:00:00.5
    events = [{"event": "Timed", "properties": {"distinct_id": "u-t", "time": t, "$insert_id": f"t-{i}"}}
              for i, t in enumerate(project_times)]
    utils_for(server).import_events(events, timezone_offset=offset_hours)
    assert reports.problems == []

    expected = {f"t-{i}": int(int(t) - offset_hours * 3600) for i, t in enumerate(project_times)}
    exported = server.export(time_in_ms="1")
    assert {e["properties"]["$insert_id"]: e["properties"]["time"] for e in exported} == \
        {k: v * 1000 for k, v in expected.items()}


def test_events_shifted_across_midnight_are_exported_under_their_utc_day(server, reports):
    # 2024-12-31 20:00 in a UTC-8 project is 2025-01-01 04:00 UTC.
    event = {"event": "Late", "properties": {"distinct_id": "u-late", "time": T0 - 4 * 3600, "$insert_id": "late-1"}}
    utils_for(server).import_events([event], timezone_offset=-8)
    assert reports.problems == []
    assert server.export(from_date="2024-12-31", to_date="2024-12-31") == []
    [stored] = server.export(from_date="2025-01-01", to_date="2025-01-01")
    assert stored["properties"]["time"] == T0 + 4 * 3600


# (3) People updates through /engage (base64 form batches). Apus stores them durably but does not
# yet apply them to queryable profiles, so what is checked is what the library reports.

def profiles(n, prefix="p"):
    return [{"$distinct_id": f"{prefix}-{i}",
             "$properties": {"$email": f"{prefix}{i}@example.com", "Plan": "Pro", "Old Name": i,
                             "$transactions": [{"$amount": 9.5, "$time": "2025-01-01T00:00:00"},
                                               {"$amount": 0.5, "$time": "2025-01-02T00:00:00"}],
                             "$last_seen": f"2025-01-{1 + i % 28:02d}T00:00:00"}}
            for i in range(n)]


def test_people_set_on_several_batches_of_profiles_is_accepted(server, reports, in_temp_folder):
    count = utils_for(server).people_set({"Plan": "Enterprise", "Seats": 12}, profiles=profiles(2500), backup=False)
    assert count == 2500
    assert reports.problems == []
    assert reports.responses == [{"status": 1, "error": None}] * 2  # 2000 + 500
    assert_no_backup_dumps(in_temp_folder)


def test_every_people_operation_of_the_library_is_accepted(server, reports, in_temp_folder):
    mu = utils_for(server)
    people = profiles(5)
    assert mu.people_set(lambda p: {"Email Copy": p["$properties"]["$email"]}, profiles=people, backup=False) == 5
    assert mu.people_set_once({"First Seen": "2025-01-01"}, profiles=people) == 5
    assert mu.people_add({"Logins": 2, "Balance": -1.5}, profiles=people) == 5
    assert mu.people_append({"Visited": "/pricing"}, profiles=people) == 5
    assert mu.people_union({"Tags": ["x", "y"]}, profiles=people) == 5
    assert mu.people_remove({"Tags": "x"}, profiles=people) == 5
    assert mu.people_unset(["Plan"], profiles=people, backup=False) == 5
    assert mu.people_change_property_name("Old Name", "New Name", profiles=people, backup=False) == 5
    assert mu.people_revenue_property_from_transactions(profiles=people, backup=False) == 5
    assert mu.people_delete(profiles=people[:2], backup=False) == 2
    assert reports.problems == []
    # One batch per call; people_change_property_name makes two ($set, then $unset).
    assert reports.responses == [{"status": 1, "error": None}] * 11
    assert_no_backup_dumps(in_temp_folder)


def test_import_people_from_profiles_and_from_raw_updates_is_accepted(server, reports, in_temp_folder):
    mu = utils_for(server)
    (in_temp_folder / "people.json").write_text(json.dumps(profiles(3, prefix="f")))
    mu.import_people(profiles(4))
    mu.import_people("people.json")
    mu.import_people([{"$token": TOKEN, "$distinct_id": "raw-1", "$set": {"A": 1}},
                      {"$token": TOKEN, "$distinct_id": "raw-2", "$union": {"L": ["q"]}}], raw_record_import=True)
    assert reports.problems == []
    assert reports.responses == [{"status": 1, "error": None}] * 3


def test_deduplicate_people_deletes_the_older_duplicates(server, reports, in_temp_folder):
    people = profiles(4)
    for p in people:
        p["$properties"]["$email"] = "same@example.com"
    assert utils_for(server).deduplicate_people(profiles=people, merge_props=True) == 3
    assert reports.problems == []
    assert reports.responses == [{"status": 1, "error": None}] * 2  # $set_once merge, then $delete


def test_people_updates_with_an_unknown_token_are_reported_not_ok(server, reports):
    utils_for(server, token="not-a-token").people_set({"Plan": "Pro"}, profiles=profiles(2), backup=False)
    assert [r["status"] for r in reports.responses] == [0]
    assert reports.responses[0]["error"]
    assert any("API response NOT OK" in p for p in reports.problems), reports.problems


# (4) export_events into files, compared to what was imported.

def test_export_events_to_a_json_file_matches_what_was_imported(server, reports, in_temp_folder):
    events = sample_events(2500, step=301)  # spans nine days
    mu = utils_for(server)
    mu.import_events(events, timezone_offset=0)
    mu.export_events("events.json", {"from_date": "2025-01-01", "to_date": "2025-01-31"})
    assert reports.problems == []
    exported = json.loads((in_temp_folder / "events.json").read_text())
    assert_stored_exactly(exported, events)
    assert exported == server.export(from_date="2025-01-01", to_date="2025-01-31")


def test_export_events_filtered_by_event_name_and_limited(server, reports, in_temp_folder):
    events = sample_events(30)
    mu = utils_for(server)
    mu.import_events(events, timezone_offset=0)
    mu.export_events("purchases.json", {"from_date": "2025-01-01", "to_date": "2025-01-01", "event": ["Purchase"]})
    mu.export_events("five.json", {"from_date": "2025-01-01", "to_date": "2025-01-01", "limit": 5})
    assert reports.problems == []
    purchases = json.loads((in_temp_folder / "purchases.json").read_text())
    assert sorted(e["properties"]["$insert_id"] for e in purchases) == \
        sorted(e["properties"]["$insert_id"] for e in events if e["event"] == "Purchase")
    assert len(json.loads((in_temp_folder / "five.json").read_text())) == 5


def test_export_events_one_file_per_day(server, reports, in_temp_folder):
    events = sample_events(12, step=DAY // 4)  # four a day over 2025-01-01..03
    mu = utils_for(server)
    mu.import_events(events, timezone_offset=0)
    mu.export_events("daily.json", {"from_date": "2025-01-01", "to_date": "2025-01-04"}, request_per_day=True)
    for day, ids in [("2025-01-01", range(0, 4)), ("2025-01-02", range(4, 8)), ("2025-01-03", range(8, 12))]:
        got = json.loads((in_temp_folder / f"daily_{day}.json").read_text())
        assert sorted(e["properties"]["$insert_id"] for e in got) == [f"mu-{i:06d}" for i in ids]
    assert json.loads((in_temp_folder / "daily_2025-01-04.json").read_text()) == []
    assert reports.problems == ["/export API response empty"]


def test_export_events_converts_times_with_timezone_offset(server, reports, in_temp_folder):
    events = sample_events(3)
    mu = utils_for(server)
    mu.import_events(events, timezone_offset=0)
    mu.export_events("shifted.json", {"from_date": "2025-01-01", "to_date": "2025-01-01"}, timezone_offset=2)
    got = {e["properties"]["$insert_id"]: e["properties"]["time"]
           for e in json.loads((in_temp_folder / "shifted.json").read_text())}
    assert reports.problems == []
    assert got == {e["properties"]["$insert_id"]: e["properties"]["time"] - 7200 for e in events}


def test_export_events_streamed_raw_to_a_file(server, reports, in_temp_folder):
    events = sample_events(50)
    mu = utils_for(server)
    mu.import_events(events, timezone_offset=0)
    mu.export_events("raw.ndjson", {"from_date": "2025-01-01", "to_date": "2025-01-01"}, raw_stream=True)
    assert reports.problems == []
    lines = (in_temp_folder / "raw.ndjson").read_text().splitlines()
    assert_stored_exactly([json.loads(line) for line in lines], events)


def test_export_events_with_gzip_header_decodes_either_way(server, reports, in_temp_folder):
    # Not streamed: the library gunzips when the answer says Content-Encoding: gzip, and reads
    # it as is otherwise, so this works whether or not the server compresses.
    events = sample_events(200)
    mu = utils_for(server)
    mu.import_events(events, timezone_offset=0)
    mu.export_events("viagzip.json", {"from_date": "2025-01-01", "to_date": "2025-01-31"}, add_gzip_header=True)
    assert reports.problems == []
    assert_stored_exactly(json.loads((in_temp_folder / "viagzip.json").read_text()), events)


def test_export_events_streamed_with_gzip_writes_a_real_gzip_file(server, reports, in_temp_folder):
    events = sample_events(200)
    mu = utils_for(server)
    mu.import_events(events, timezone_offset=0)
    mu.export_events("stream.json", {"from_date": "2025-01-01", "to_date": "2025-01-31"},
                     add_gzip_header=True, raw_stream=True)
    with gzip.open(in_temp_folder / "stream.json.gz", "rt", encoding="utf-8") as f:
        exported = [json.loads(line) for line in f if line.strip()]
    assert_stored_exactly(exported, events)


def test_export_events_filtered_with_a_where_expression(server, reports, in_temp_folder):
    events = sample_events(30)
    mu = utils_for(server)
    mu.import_events(events, timezone_offset=0)
    mu.export_events("pro.json", {"from_date": "2025-01-01", "to_date": "2025-01-01",
                                  "where": 'properties["plan"] == "pro"'})
    got = json.loads((in_temp_folder / "pro.json").read_text())
    assert sorted(e["properties"]["$insert_id"] for e in got) == \
        sorted(e["properties"]["$insert_id"] for e in events if e["properties"]["plan"] == "pro")


def test_migrating_between_two_servers_through_an_export_file(server, reports, in_temp_folder):
    # The library's main use: export one project to a file, import the file into another.
    events = sample_events(2100, step=211)
    source = utils_for(server)
    source.import_events(events, timezone_offset=0)
    source.export_events("migration.json", {"from_date": "2025-01-01", "to_date": "2025-01-31"})
    with tempfile.TemporaryDirectory(prefix="apus-compat-target-") as d:
        target_server = Server(d).start()
        try:
            utils_for(target_server).import_events("migration.json", timezone_offset=0)
            migrated = target_server.export()
        finally:
            target_server.stop()
    assert reports.problems == []
    assert_stored_exactly(migrated, events)
    drop = lambda e: {**e, "properties": {k: v for k, v in e["properties"].items() if k != "mp_processing_time_ms"}}
    assert sorted(map(drop, migrated), key=lambda e: e["properties"]["$insert_id"]) == \
        sorted(map(drop, server.export()), key=lambda e: e["properties"]["$insert_id"])


# (8) The Query API's segmentation endpoints, through the library's own request method.

def query(server, path, params):
    mu = utils_for(server)
    return json.loads(mu.request(mu.formatted_api, path, dict(params)))


def test_segmentation_counts_events_per_day_and_users_per_day(server, reports):
    events = []
    for day in range(3):
        for user in range(day + 2):  # day 0: 2 users, day 1: 3, day 2: 4; two events each
            for k in range(2):
                events.append({"event": "Played", "properties": {
                    "distinct_id": f"u{user}", "time": T0 + day * DAY + 3600 * (k + 1),
                    "$insert_id": f"p-{day}-{user}-{k}"}})
    events.append({"event": "Paid", "properties": {"distinct_id": "u0", "time": T0 + DAY, "$insert_id": "x"}})
    utils_for(server).import_events(events, timezone_offset=0)
    assert reports.problems == []

    params = {"event": "Played", "from_date": "2025-01-01", "to_date": "2025-01-04"}
    general = query(server, ["segmentation"], params)
    assert general["data"]["series"] == ["2025-01-01", "2025-01-02", "2025-01-03", "2025-01-04"]
    assert general["data"]["values"] == {"Played": {"2025-01-01": 4, "2025-01-02": 6, "2025-01-03": 8, "2025-01-04": 0}}
    assert general["legend_size"] == 1

    unique = query(server, ["segmentation"], dict(params, type="unique"))
    assert unique["data"]["values"]["Played"] == {"2025-01-01": 2, "2025-01-02": 3, "2025-01-03": 4, "2025-01-04": 0}
    # Weeks start on Monday: 2024-12-30 holds Jan 1-4 (users u0…u3).
    weekly = query(server, ["segmentation"], dict(params, unit="week", type="unique"))
    assert weekly["data"]["series"] == ["2024-12-30"] and weekly["data"]["values"]["Played"] == {"2024-12-30": 4}

    events_answer = query(server, ["events"], {"event": json.dumps(["Played", "Paid"]), "type": "general", "unit": "week",
                                               "from_date": "2025-01-01", "to_date": "2025-01-03"})
    assert events_answer["data"]["values"] == {"Played": {"2024-12-30": 18}, "Paid": {"2024-12-30": 1}}


def test_segmentation_without_a_role_in_the_project_is_refused(server, reports, caplog):
    mu = utils_for(server, project_id=PROJECT_ID + 1000)
    assert mu.request(mu.formatted_api, ["segmentation"], {"event": "Played", "from_date": "2025-01-01", "to_date": "2025-01-02"}) is None
    assert any("HTTP Error Code: 40" in r.getMessage() for r in caplog.records)


def test_property_endpoints_list_keys_values_and_a_series_per_value(server, reports):
    # Relative to today (the discovery endpoints look at the last 31 days), in UTC.
    import time as _time
    today = int(_time.time()) // DAY * DAY
    events = []
    for i in range(30):
        plan = ["pro", "free", "free"][i % 3]
        props = {"distinct_id": f"u{i % 4}", "time": today - DAY + 60 * i, "$insert_id": f"pe-{i}", "plan": plan}
        if i % 5 == 0:
            props["seats"] = 3
        events.append({"event": "Bought", "properties": props})
    utils_for(server).import_events(events, timezone_offset=0)
    assert reports.problems == []

    assert query(server, ["events", "names"], {"type": "general"}) == ["Bought"]
    top = query(server, ["events", "properties", "top"], {"event": "Bought"})
    assert top["plan"] == {"count": 30} and top["seats"] == {"count": 6}
    assert query(server, ["events", "properties", "values"], {"event": "Bought", "name": "plan"}) == ["free", "pro"]

    yesterday = _time.strftime("%Y-%m-%d", _time.gmtime(today - DAY))
    series = query(server, ["events", "properties"], {"event": "Bought", "name": "plan", "type": "general", "unit": "day",
                                                     "from_date": yesterday, "to_date": yesterday})
    assert series["data"]["values"] == {"free": {yesterday: 20}, "pro": {yesterday: 10}}
    unique = query(server, ["events", "properties"], {"event": "Bought", "name": "plan", "type": "unique", "unit": "day",
                                                     "interval": 2, "values": json.dumps(["pro"])})
    assert unique["data"]["values"]["pro"][yesterday] == 4


def test_segmentation_with_where_and_on_expressions(server, reports, caplog):
    events = [{"event": "Bought", "properties": {"distinct_id": f"u{i % 3}", "time": T0 + 60 * i, "$insert_id": f"w-{i}",
                                                 "plan": ["pro", "free"][i % 2], "amount": i}} for i in range(20)]
    utils_for(server).import_events(events, timezone_offset=0)
    assert reports.problems == []
    params = {"event": "Bought", "from_date": "2025-01-01", "to_date": "2025-01-01"}
    by_plan = query(server, ["segmentation"], dict(params, on='properties["plan"]', where='properties["amount"] >= 10'))
    assert by_plan["data"]["values"] == {"free": {"2025-01-01": 5}, "pro": {"2025-01-01": 5}}
    assert by_plan["legend_size"] == 2
    top = query(server, ["segmentation"], dict(params, on='properties["amount"] % 3', limit=1, type="unique"))
    # Segments rank by events: "0" (0, 3, … 18) and "1" (1, 4, … 19) have 7 each, "2" has 6; ties by name.
    assert list(top["data"]["values"]) == ["0"]

    mu = utils_for(server)
    assert mu.request(mu.formatted_api, ["segmentation"], dict(params, where='properties["plan"] == ')) is None
    errors = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Response:")]
    assert errors and "where:" in errors[-1] and "position" in errors[-1]
    # user[...] reads profiles: none were set here, so nothing matches.
    no_profiles = json.loads(mu.request(mu.formatted_api, ["segmentation"], dict(params, where='user["plan"] == "pro"')))
    assert no_profiles["data"]["values"] == {}


def test_export_events_with_a_where_expression_keeps_only_matching_events(server, reports, in_temp_folder):
    events = sample_events(300)
    mu = utils_for(server)
    mu.import_events(events, timezone_offset=0)
    where = 'properties["plan"] == "pro" and properties["seats"] > 5 and "t1" in properties["tags"]'
    mu.export_events("events.json", {"from_date": "2025-01-01", "to_date": "2025-01-31", "where": where})
    exported = json.loads((in_temp_folder / "events.json").read_text())
    want = [e for e in events if e["properties"]["plan"] == "pro" and e["properties"]["seats"] > 5 and "t1" in e["properties"]["tags"]]
    assert 0 < len(want) < len(events)
    assert sorted(e["properties"]["$insert_id"] for e in exported) == sorted(e["properties"]["$insert_id"] for e in want)
    # A where that does not parse is a 400 naming the position; nothing is written.
    r = requests.get(f"{server.url}/api/2.0/export", params={"project_id": PROJECT_ID, "from_date": "2025-01-01",
                                                         "to_date": "2025-01-31", "where": 'properties["plan" == 1'},
                     auth=(SA_USER, SA_SECRET), timeout=30)
    assert r.status_code == 400 and "position" in r.json()["error"]


def test_segmentation_sum_and_average_of_a_numeric_expression(server, reports):
    events = [{"event": "Paid", "properties": {"distinct_id": f"u{i}", "time": T0 + DAY * (i % 2) + 60 * i,
                                               "$insert_id": f"s-{i}", "price": i if i != 3 else "n/a"}} for i in range(6)]
    utils_for(server).import_events(events, timezone_offset=0)
    assert reports.problems == []
    params = {"event": "Paid", "from_date": "2025-01-01", "to_date": "2025-01-02", "on": 'properties["price"]'}
    total = query(server, ["segmentation", "sum"], params)
    assert total["status"] == "ok" and total["computed_at"].endswith("+00:00")
    # Day 1: prices 0, 2, 4; day 2: 1, "n/a" (counts as 0), 5.
    assert total["results"] == {"2025-01-01": 6, "2025-01-02": 6}
    mean = query(server, ["segmentation", "average"], dict(params, where='properties["price"] != 0'))
    assert mean["results"] == {"2025-01-01": 3, "2025-01-02": 2}


def test_numeric_segmentation_splits_values_into_round_ranges(server, reports):
    # Amounts 0…19 on day 1 (users u0…u3), and "n/a" on one event, which is left out.
    events = [{"event": "Paid", "properties": {"distinct_id": f"u{i % 4}", "time": T0 + 60 * i, "$insert_id": f"n-{i}",
                                               "amount": i * 100 if i != 7 else "n/a"}} for i in range(20)]
    utils_for(server).import_events(events, timezone_offset=0)
    assert reports.problems == []
    params = {"event": "Paid", "from_date": "2025-01-01", "to_date": "2025-01-01", "on": 'properties["amount"]'}
    answer = query(server, ["segmentation", "numeric"], params)
    # 0…1,900 in ranges of 200: ten ranges; 700 is missing ("n/a").
    values = answer["data"]["values"]
    assert list(values) == [f"{a:,} - {a + 200:,}" for a in range(0, 2000, 200)]
    assert values["0 - 200"] == {"2025-01-01": 2} and values["600 - 800"] == {"2025-01-01": 1}
    assert answer["legend_size"] == 10
    unique = query(server, ["segmentation", "numeric"], dict(params, type="unique", where='properties["amount"] >= 1000'))
    # 1,000…1,900 in ranges of 100; the largest value closes the last range.
    assert list(unique["data"]["values"]) == [f"{a:,} - {a + 100:,}" for a in range(1000, 1900, 100)]
    assert unique["data"]["values"]["1,800 - 1,900"] == {"2025-01-01": 2}


def test_segmentation_as_csv_has_a_row_per_bucket_and_a_column_per_segment(server, reports):
    events = [{"event": "Bought", "properties": {"distinct_id": f"u{i}", "time": T0 + DAY * (i % 2) + 60 * i, "$insert_id": f"c-{i}",
                                                 "plan": ["pro", "=cmd()", "a,b"][i % 3]}} for i in range(12)]
    utils_for(server).import_events(events, timezone_offset=0)
    assert reports.problems == []
    mu = utils_for(server)
    text = mu.request(mu.formatted_api, ["segmentation"], {"event": "Bought", "from_date": "2025-01-01", "to_date": "2025-01-02",
                                                           "on": 'properties["plan"]', "format": "csv"})
    lines = text.splitlines()
    # Segments rank by total (4 each, ties by name); a formula-like name is defused, a comma quoted.
    assert lines[0] == "date,'=cmd(),\"a,b\",pro"
    assert lines[1:] == ["2025-01-01,2,2,2", "2025-01-02,2,2,2"]
    total = mu.request(mu.formatted_api, ["segmentation", "sum"], {"event": "Bought", "from_date": "2025-01-01", "to_date": "2025-01-02",
                                                                   "on": "1", "format": "csv"})
    assert total.splitlines() == ["date,value", "2025-01-01,6", "2025-01-02,6"]
    r = requests.get(f"{server.url}/api/2.0/events/names", params={"project_id": PROJECT_ID, "type": "general", "format": "csv"},
                     auth=(SA_USER, SA_SECRET), timeout=30)
    assert r.status_code == 400 and "format=csv" in r.json()["error"]
