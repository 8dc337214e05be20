#!/usr/bin/env python3
"""Writes the seed corpus in Fuzz/Corpus/<target>/: small, realistic inputs for each target of
apus-fuzz (Fuzz/README.md describes the input layouts). Run it again after changing a layout;
it replaces the seeds it owns (seed-*) and leaves regression inputs (crash-*, regress-*) alone."""

import base64
import gzip
import json
import os
import urllib.parse
import zlib

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "Corpus")

# Payload target, byte 0: endpoint | content type << 2 | GET 0x20 | body wrap << 6.
TRACK, ENGAGE, GROUPS, IMPORT = 0, 1, 2, 3
CT_NONE, CT_FORM, CT_JSON, CT_TEXT, CT_NDJSON, CT_JSON_UTF8, CT_VND, CT_MULTIPART = range(8)
GET = 0x20
RAW, B64_FORM, B64URL_FORM, JSON_FORM = range(4)
# Byte 1: encoding | compress 0x08 | raw deflate 0x10 | tight limits 0x20 | authenticated 0x40 | geo 0x80.
ENC_NONE, ENC_IDENTITY, ENC_GZIP, ENC_DEFLATE, ENC_XGZIP, ENC_GZIP_SPACED, ENC_BR, ENC_EMPTY = range(8)
COMPRESS, RAW_DEFLATE, TIGHT, AUTH, GEO = 0x08, 0x10, 0x20, 0x40, 0x80


def compact(value):
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def event(name, distinct_id="u1", time=1735689600.123, insert_id="a1b2c3", **extra):
    props = {"token": "tok", "distinct_id": distinct_id}
    if time is not None:
        props["time"] = time
    if insert_id is not None:
        props["$insert_id"] = insert_id
    props.update(extra)
    return {"event": name, "properties": props}


def payload(endpoint, content_type, body, *, wrap=RAW, get=False, encoding=ENC_NONE, options=0, query=b""):
    assert len(query) < 256
    shape = endpoint | content_type << 2 | (GET if get else 0) | wrap << 6
    return bytes([shape, encoding | options, len(query)]) + query + body


def b64form(value):
    return b"data=" + urllib.parse.quote(base64.b64encode(value), safe="").encode()


BATCH = compact([event("Signed up", plan="pro", mp_lib="web"),
                 event("Viewed page", "u2", 1735689601, "d4e5f6", url="https://example.com/a?b=c", n=[1, 2.5, None])])
NDJSON = b"\n".join(compact(event(f"Import {i}", f"u{i}", 1735689600000 + i, f"id-{i}")) for i in range(3)) + b"\n"
ENGAGE_SET = compact([{"$token": "tok", "$distinct_id": "u1", "$set": {"$name": "Ada", "plan": "pro"}, "$ip": "203.0.113.9"}])
GROUPS_OPS = compact([
    {"$token": "tok", "$group_key": "company", "$group_id": "Acme", "$set_once": {"founded": 1999}},
    {"$token": "tok", "$group_key": "company", "$group_id": 42, "$union": {"tags": ["a", "b"]}},
    {"$token": "tok", "$group_key": "company", "$group_id": "Acme", "$unset": ["old"]},
])
ENGAGE_OPS = b"\n".join(compact(r) for r in [
    {"$token": "tok", "$distinct_id": 7, "$add": {"visits": 1}, "$time": 1735689600},
    {"$token": "tok", "$distinct_id": "u1", "$append": {"list": "x"}},
    {"$token": "tok", "$distinct_id": "u1", "$remove": {"list": "x"}},
    {"$token": "tok", "$distinct_id": "u1", "$delete": ""},
    {"$token": "bad", "$distinct_id": "u1", "$set": {}, "$set_once": {}},
])
EDGE_EVENTS = compact([
    event("$merge", None, None, None, **{"$distinct_ids": ["a", "b"]}),
    event("Ignored", **{"$ignore": True}),
    event("Placeholder", "undefined", 1735689600, "null"),
    event("Quoted time", 12345, "1735689600.5", 99),
    event("Future", "u1", 1e12 + 9e11, "x" * 40),
    event("Long " + "é" * 200, "👩‍👩‍👧" * 30, 0, None, ip="0", **{"$city": "Porto", "mp_processing_time_ms": 1}),
    {"event": "", "properties": {}},
    {"event": "No props"},
    [1, "two", None],
    {"event": "Other project", "properties": {"token": "other", "time": -1}},
])
TIGHT_EVENTS = compact([
    event("A longer name", "distinct-id-longer-than-8", 1735689600, "insert-id-long", a="x" * 20, b={"c": ["y" * 9]}),
    event("Props", "u", 1735689600, None, p1=1, p2=2, p3=3, p4=4, p5=5, p6=6),
    event("Nested", x=[[1]]),
    event("Big", blob="z" * 300),
])
TIGHT_PROFILES = compact([
    {"$token": "other", "$distinct_id": "a-long-distinct-id", "$set": {"k": "a long string value"}},
    {"$distinct_id": "u1", "$set": {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}},
    {"$distinct_id": "u1", "$union": {"tags": "not-a-list"}},
    {"$distinct_id": "u1", "$unset": ["a", 2]},
])
DEEP = b"[" + b'{"event":"Deep","properties":{"token":"tok","x":' + b"[" * 70 + b"]" * 70 + b"}}]"

PAYLOAD = {
    "track-json-batch": payload(TRACK, CT_JSON, BATCH),
    "track-form-base64": payload(TRACK, CT_FORM, BATCH, wrap=B64_FORM, query=b"ip=1&verbose=1"),
    "track-form-base64-literal": payload(TRACK, CT_FORM, b64form(BATCH) + b"&verbose=1&img=1&callback=cb"),
    "track-form-plus-as-space": payload(TRACK, CT_FORM,
                                        b"data=" + base64.b64encode(b'{"event":"~~~>>>","properties":{"token":"tok"}}').replace(b"+", b" ")),
    "track-sendbeacon-text-plain": payload(TRACK, CT_TEXT, BATCH, wrap=B64URL_FORM),
    "track-get-query-data": payload(TRACK, CT_NONE, b"", get=True,
                                    query=b"data=" + base64.b64encode(compact(event("GET", insert_id=None))) + b"&ip=1"),
    "track-query-json-data": payload(TRACK, CT_NONE, b"ignored body", get=True,
                                     query=b"data=" + urllib.parse.quote(compact(event("Q", time=None))).encode() + b"&verbose=2"),
    "import-ndjson-strict": payload(IMPORT, CT_NDJSON, NDJSON, query=b"strict=1&project_id=1", options=AUTH),
    "import-gzip": payload(IMPORT, CT_JSON, BATCH, encoding=ENC_GZIP, options=COMPRESS),
    "import-gzip-literal": payload(IMPORT, CT_JSON_UTF8, gzip.compress(NDJSON, mtime=0), encoding=ENC_GZIP),
    "import-deflate-raw": payload(IMPORT, CT_JSON, NDJSON, encoding=ENC_DEFLATE, options=COMPRESS | RAW_DEFLATE),
    "import-deflate-zlib-literal": payload(IMPORT, CT_VND, zlib.compress(BATCH), encoding=ENC_DEFLATE, query=b"strict=true"),
    "engage-set-form": payload(ENGAGE, CT_FORM, ENGAGE_SET, wrap=JSON_FORM, options=GEO),
    "engage-operations": payload(ENGAGE, CT_NDJSON, ENGAGE_OPS),
    "groups-operations": payload(GROUPS, CT_JSON, GROUPS_OPS, wrap=B64_FORM),
    "track-edge-cases": payload(TRACK, CT_JSON, EDGE_EVENTS, options=GEO),
    "import-edge-cases-strict": payload(IMPORT, CT_JSON, EDGE_EVENTS, query=b"strict=1", options=AUTH | GEO),
    "track-tight-limits": payload(TRACK, CT_JSON, TIGHT_EVENTS, options=TIGHT),
    "engage-tight-limits": payload(ENGAGE, CT_JSON, TIGHT_PROFILES, options=TIGHT | AUTH),
    "track-bom": payload(TRACK, CT_JSON, b"\xef\xbb\xbf" + BATCH),
    "track-too-deep": payload(TRACK, CT_JSON, DEEP),
    "track-x-gzip-text": payload(TRACK, CT_MULTIPART, b"data=" + BATCH + b"&test=1", encoding=ENC_XGZIP, options=COMPRESS),
    "track-unsupported-encoding": payload(TRACK, CT_JSON, BATCH, encoding=ENC_BR),
    "track-empty-data": payload(TRACK, CT_FORM, b"data=&verbose=1&redirect=https%3A%2F%2Fexample.com"),
}

JSON_SEEDS = {
    "batch": BATCH,
    "ndjson": NDJSON,
    "edge-events": EDGE_EVENTS,
    "strings": rb'{"esc":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00","lone":"\ud800x\udc00","raw":"caf' + "é 😀 \u212a".encode() + b'"}',
    "numbers": b"[0,-0,1.5,-1e-7,1E+22,1e23,9007199254740993,123456789012345678901234567890,4.9e-324,1.7976931348623157e308,0.1e-400]",
    "duplicates": b'{"a":1,"b":2,"a":3,"c":{"x":1,"x":[1,{"y":2,"y":null}]}}',
    "deep": DEEP,
    "depth-64": b"[" * 64 + b"]" * 64,  # the deepest accepted: a scanner off by one shows here
    "depth-65": b"[" * 65 + b"]" * 65,
    "ndjson-depth-64": b'{"a":' * 63 + b"{}" + b"}" * 63 + b"\n[" + b"{}" + b"]",
    "literals": b" [true,false,null,{},[],\"\"] \r\n",
    "bom": b"\xef\xbb\xbf{\"event\":\"bom\"}",
}

BASE64_SEEDS = {
    "mixpanel-js": b"\x00" + b64form(BATCH)[5:],
    "urlsafe-lines": bytes([0x05]) + base64.urlsafe_b64encode(NDJSON[:200]).rstrip(b"="),
    "percent": bytes([0x0A]) + b"eyJldmVudCI6IkEifQ%3D%3D",
    "spaces": bytes([0x13]) + base64.b64encode(bytes(range(256)))[:120].replace(b"+", b" "),
    "binary": bytes([0x1F]) + bytes(range(256)),
}

INFLATE_SEEDS = {
    "gzip": b"\x00" + gzip.compress(BATCH, mtime=0),
    "gzip-two-members": b"\x06" + gzip.compress(b"first ", mtime=0) + gzip.compress(b"second", mtime=0),
    "zlib": b"\x01" + zlib.compress(NDJSON),
    "raw-deflate": b"\x05" + zlib.compressobj(6, zlib.DEFLATED, -15).compress(BATCH) + b"",
    "text": b"\x02" + BATCH[:100],
    "bomb": b"\x00" + gzip.compress(b"\x00" * 2_000_000, mtime=0),
}
# A raw deflate stream needs flushing to be complete.
_c = zlib.compressobj(6, zlib.DEFLATED, -15)
INFLATE_SEEDS["raw-deflate"] = b"\x05" + _c.compress(BATCH) + _c.flush()

SCALAR_SEEDS = {
    "date": b"2025-01-31",
    "leap-day": b"2024-02-29",
    "bad-date": b"1900-02-29",
    "time-seconds": b"1735689600.123",
    "time-ms": b" 1735689600123\t",
    "integer": b"000123456789012345678",
    "negative-zero": b"-0.0e+5",
    "exponent": b"1e400",
    "long-significand": b"0.30000000000000000000000000000000000001",
    "fast-path-edge": b"9007199254740993e-22",  # Clinger's fast path ends at 2^53 and 10^22
    "past-fast-path": b"3e23",
    "not-a-number": b"+5",
}

# Transcoder target, byte 0: /import 0x01 | strict 0x02 | tight limits 0x04 | authenticated 0x08.
TRANSCODER_SEEDS = {
    "batch": b"\x00" + BATCH,
    "import-ndjson": b"\x09" + NDJSON,
    "strict": b"\x0b" + BATCH,
    "tight": b"\x04" + BATCH,
    "repeated-keys": b"\x00" + b'[{"event":"A","properties":{"token":"tok","k":1,"k":"two","time":1735689600}}]',
    "escapes": b"\x00" + b'{"event":"\\u0041","properties":{"token":"tok","dist\\u0069nct_id":"u\\n1","s":"\\ud83d\\ude00"}}',
    "ignore-and-server-set": b"\x01" + compact([event("B", **{"$ignore": "yes"}), event("C", **{"$import": False, "mp_processing_time_ms": 1})]),
}

# Expression target: the text of a segmentation expression (Mixpanel's own examples first).
EXPRESSION_SEEDS = {
    "equals": b'properties["$city"] == "Chicago"',
    "contains": b'"Facebook" in properties["$referring_domain"]',
    "not-contains": b'not "Facebook" in properties["$referring_domain"]',
    "set-and-not-set": b'(defined (properties["$device"])) and not defined(properties["$os"])',
    "browser-and-email": b'(properties["$browser"] == "Chrome" and not "" in properties["$email"])',
    "list-membership": b'properties["account_id"] in [1,2,3,4]',
    "user-email": b'user["$email"] == "test@example.com"',
    "time-range": b'event["$time"] >= datetime("2025-01-01T00:00:00") AND event["$time"] < datetime(1735776000)',
    "any-list": b'any(X, properties["tags"], X = "a" or X = 1)',
    "string-default": b'string(properties["plan"], "undefined") != "free"',
    "arithmetic": b'floor(number(properties["price"]) * 100 / 3) % 7 + -round(2.5) >= ceil(1e2)',
    "casts-and-case": b'boolean(properties["t"]) or lower(upper(string(properties["n"]))) == \'42\' or list(properties["x"]) == [1, "x"]',
    "escapes": rb'properties["a\"b\\c"] + "\n\t\u00e9\ud83d\ude00" == event["$event_name"]',
    "deep": b"(" * 40 + b"1" + b")" * 40,
}

TARGETS = {"transcoder": TRANSCODER_SEEDS, "payload": PAYLOAD, "json": JSON_SEEDS, "base64": BASE64_SEEDS, "inflate": INFLATE_SEEDS, "scalars": SCALAR_SEEDS, "expression": EXPRESSION_SEEDS}

for target, seeds in TARGETS.items():
    folder = os.path.join(ROOT, target)
    os.makedirs(folder, exist_ok=True)
    for name in os.listdir(folder):
        if name.startswith("seed-"):
            os.remove(os.path.join(folder, name))
    for name, data in seeds.items():
        with open(os.path.join(folder, "seed-" + name), "wb") as f:
            f.write(data)
