"""What browsers and other clients send, as raw HTTP: base64 forms, sendBeacon text/plain,
GET with a JSONP callback, the tracking pixel, gzip JSON, trailing slashes, CORS."""
import gzip
import json
import time

import requests

from conftest import PROJECT_ID, SA_SECRET, SA_USER, TOKEN, b64


def event(name, i, **props):
    return {"event": name, "properties": {"token": TOKEN, "distinct_id": f"$device:d{i}", "$device_id": f"d{i}",
                                          "time": 1735689600.123 + i, "$insert_id": f"ins{i:04d}", "mp_lib": "web", **props}}


def test_base64_form_batch_as_the_js_sdk_sends_it(server):
    batch = [event("Viewed Pricing", i) for i in range(3)]
    r = requests.post(f"{server.url}/track/?verbose=1&ip=1&_=1735689600999",
                      data={"data": b64(json.dumps(batch))}, headers={"Origin": "https://shop.example"})
    assert r.status_code == 200 and r.json() == {"status": 1, "error": None}
    assert r.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert r.headers["Access-Control-Allow-Credentials"] == "true"
    exported = server.export(from_date="2025-01-01", to_date="2025-01-01", time_in_ms="1")
    assert sorted(e["properties"]["$insert_id"] for e in exported) == ["ins0000", "ins0001", "ins0002"]
    assert sorted(e["properties"]["time"] for e in exported) == [1735689600123, 1735689601123, 1735689602123]


def test_send_beacon_text_plain_body(server):
    body = "data=" + requests.utils.quote(b64(json.dumps([event("Page Hidden", 7)])), safe="")
    r = requests.post(f"{server.url}/track/?ip=1", data=body.encode(),
                      headers={"Content-Type": "text/plain;charset=UTF-8"})
    assert r.status_code == 200 and r.text == "1"
    assert [e["event"] for e in server.export()] == ["Page Hidden"]


def test_get_with_jsonp_callback(server):
    r = requests.get(f"{server.url}/track/", params={"data": b64(json.dumps(event("Script Tag", 1))),
                                                     "callback": "mixpanel._jsc[48213377]", "ip": "1"})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("text/javascript")
    assert r.text == "mixpanel._jsc[48213377](1);"
    assert [e["event"] for e in server.export()] == ["Script Tag"]


def test_a_callback_that_is_not_an_identifier_is_not_reflected(server):
    r = requests.get(f"{server.url}/track/", params={"data": b64(json.dumps(event("X", 1))),
                                                     "callback": "alert(document.cookie)//"})
    assert "alert" not in r.text


def test_img_pixel(server):
    r = requests.get(f"{server.url}/track", params={"data": b64(json.dumps(event("Email Open", 2))), "img": "1"})
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/gif"
    assert r.content.startswith(b"GIF89a")
    assert [e["event"] for e in server.export()] == ["Email Open"]


def test_redirect_after_tracking_a_click(server):
    r = requests.get(f"{server.url}/track", allow_redirects=False,
                     params={"data": b64(json.dumps(event("Email Click", 3))), "redirect": "https://example.org/landing"})
    assert r.status_code == 302 and r.headers["Location"] == "https://example.org/landing"


def test_gzip_json_body_on_import(server):
    batch = [event("Imported", i) for i in range(5)]
    for e in batch:
        del e["properties"]["token"]
    r = requests.post(f"{server.url}/import?strict=1&project_id={PROJECT_ID}", data=gzip.compress(json.dumps(batch).encode()),
                      headers={"Content-Type": "application/json", "Content-Encoding": "gzip"}, auth=(SA_USER, SA_SECRET))
    assert r.status_code == 200, r.text
    assert r.json() == {"code": 200, "num_records_imported": 5, "status": "OK"}
    assert len(server.export()) == 5


def test_ndjson_import_with_token_auth(server):
    lines = "\n".join(json.dumps(event("Line", i)) for i in range(4))
    r = requests.post(f"{server.url}/import/", data=lines, headers={"Content-Type": "application/x-ndjson"}, auth=(TOKEN, ""))
    assert r.status_code == 200, r.text
    assert r.json()["num_records_imported"] == 4


def test_strict_import_reports_each_bad_record_and_keeps_the_good_ones(server):
    good = event("Good", 1)
    bad_time = event("Bad", 2, time="yesterday")
    no_name = {"properties": event("x", 3)["properties"]}
    r = requests.post(f"{server.url}/import?strict=1&project_id={PROJECT_ID}", json=[good, bad_time, no_name], auth=(SA_USER, SA_SECRET))
    assert r.status_code == 400
    body = r.json()
    assert body["num_records_imported"] == 1
    failed = {f["index"]: f for f in body["failed_records"]}
    assert set(failed) == {1, 2}
    assert failed[1]["field"] == "properties.time"
    assert failed[2]["field"] == "event"
    assert [e["event"] for e in server.export()] == ["Good"]


def test_import_without_credentials_is_401(server):
    r = requests.post(f"{server.url}/import?strict=1", json=[event("X", 1)])
    assert r.status_code == 401
    assert r.json()["code"] == 401
    assert server.export() == []


def test_too_many_records_is_413(server):
    batch = [event("Many", i) for i in range(2001)]
    r = requests.post(f"{server.url}/track", data={"data": json.dumps(batch)})
    assert r.status_code == 413
    assert server.export() == []


def test_invalid_json_is_a_clear_verbose_error(server):
    r = requests.post(f"{server.url}/track?verbose=1", data={"data": '{"event": "x", "properties": {'})
    assert r.status_code == 400
    assert r.json()["status"] == 0 and "JSON" in r.json()["error"]
    plain = requests.post(f"{server.url}/engage", data={"data": "[{"})
    assert plain.status_code == 400 and plain.text == "0"


def test_preflight_is_answered(server):
    r = requests.options(f"{server.url}/track/", headers={"Origin": "https://shop.example",
                                                         "Access-Control-Request-Method": "POST",
                                                         "Access-Control-Request-Headers": "X-Custom"})
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert "POST" in r.headers["Access-Control-Allow-Methods"]


def test_ignored_events_are_accepted_but_not_stored(server):
    r = requests.post(f"{server.url}/track", data={"data": json.dumps([event("Bot", 1, **{"$ignore": True}), event("Human", 2)])})
    assert r.text == "1"
    assert [e["event"] for e in server.export()] == ["Human"]


def test_export_needs_a_service_account_not_a_token(server):
    r = requests.get(f"{server.url}/api/2.0/export", params={"from_date": "2025-01-01", "to_date": "2025-01-02"}, auth=(TOKEN, ""))
    assert r.status_code == 401
    assert "error" in r.json()


def test_export_filters_by_event_and_limit(server):
    batch = [event("A", i) for i in range(5)] + [event("B", i + 10) for i in range(5)]
    requests.post(f"{server.url}/track", data={"data": json.dumps(batch)})
    only_b = server.export(event=json.dumps(["B"]))
    assert {e["event"] for e in only_b} == {"B"} and len(only_b) == 5
    assert len(server.export(limit="3")) == 3


def test_healthz(server):
    assert requests.get(f"{server.url}/healthz").status_code == 200


def test_export_is_gzipped_when_the_client_accepts_it(server):
    requests.post(f"{server.url}/track", data={"data": json.dumps([event("Zipped", i) for i in range(50)])})
    r = requests.get(f"{server.url}/api/2.0/export", params={"project_id": PROJECT_ID, "from_date": "2025-01-01",
                                                             "to_date": "2025-01-01"},
                     auth=(SA_USER, SA_SECRET), headers={"Accept-Encoding": "gzip"}, stream=True)
    assert r.headers["Content-Encoding"] == "gzip"
    raw = r.raw.read(decode_content=False)
    lines = gzip.decompress(raw).decode().splitlines()
    assert len(lines) == 50


def test_export_is_plain_without_accept_encoding(server):
    requests.post(f"{server.url}/track", data={"data": json.dumps([event("Plain", 1)])})
    r = requests.get(f"{server.url}/api/2.0/export", params={"project_id": PROJECT_ID, "from_date": "2025-01-01",
                                                             "to_date": "2025-01-01"},
                     auth=(SA_USER, SA_SECRET), headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in r.headers
    assert json.loads(r.text)["event"] == "Plain"


def test_export_never_allows_cross_origin_reads(server):
    r = requests.get(f"{server.url}/api/2.0/export", params={"project_id": PROJECT_ID, "from_date": "2025-01-01",
                                                             "to_date": "2025-01-01"},
                     auth=(SA_USER, SA_SECRET), headers={"Origin": "https://evil.example"})
    assert r.status_code == 200
    assert "Access-Control-Allow-Origin" not in r.headers
    assert "Access-Control-Allow-Credentials" not in r.headers


def test_the_data_folder_is_private_to_its_owner(server):
    import os
    import stat
    requests.post(f"{server.url}/track", data={"data": json.dumps([event("Private", 1)])})
    for root, dirs, files in os.walk(server.data_dir):
        for name in dirs + files:
            mode = stat.S_IMODE(os.stat(os.path.join(root, name)).st_mode)
            assert mode & 0o077 == 0, f"{name} is {oct(mode)}"


def test_swift_sdk_style_raw_json_bodies(server):
    """mixpanel-swift: raw JSON arrays, gzip on /track/, time in ms, $time in ms on profiles."""
    events = [{"event": "App Opened", "properties": {"token": TOKEN, "distinct_id": "ios-1", "time": 1735689600456,
                                                     "$insert_id": "swift-1", "mp_lib": "swift"}}]
    r = requests.post(f"{server.url}/track/?ip=1", data=gzip.compress(json.dumps(events).encode()),
                      headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert r.status_code == 200 and r.text == "1"
    people = [{"$token": TOKEN, "$distinct_id": "ios-1", "$time": 1735689600456, "$set": {"Plan": "Pro"}}]
    r = requests.post(f"{server.url}/engage/?ip=1", json=people)
    assert r.status_code == 200 and r.text == "1"
    exported = server.export(from_date="2025-01-01", to_date="2025-01-01", time_in_ms="1")
    assert [(e["event"], e["properties"]["time"]) for e in exported] == [("App Opened", 1735689600456)]


def test_import_checks_credentials_before_reading_the_body(server):
    r = requests.post(f"{server.url}/import?strict=1&project_id={PROJECT_ID}", data=b"not json at all",
                      headers={"Content-Type": "application/json"}, auth=(SA_USER, "wrong"))
    assert r.status_code == 401
