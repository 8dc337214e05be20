"""Profiles written with the official `mixpanel` Python SDK 5.4.1 and read back as a user would:
through `/api/2.0/engage` with a service account, and through mixpanel-utils 2.2.7's
`query_engage` / `export_people` (which page concurrently from the first page's `total`)."""
import json

import requests
from mixpanel import Consumer, Mixpanel

from conftest import PROJECT_ID, SA_SECRET, SA_USER, TOKEN, Server
from test_mixpanel_utils import utils_for


def sdk(server):
    return Mixpanel(TOKEN, consumer=Consumer(people_url=f"{server.url}/engage", groups_url=f"{server.url}/groups",
                                             events_url=f"{server.url}/track", retry_limit=0))


def engage(server, method="get", **params):
    params = dict(params, project_id=PROJECT_ID)
    if method == "get":
        r = requests.get(f"{server.url}/api/2.0/engage", params=params, auth=(SA_USER, SA_SECRET), timeout=30)
    else:
        r = requests.post(f"{server.url}/api/query/engage", data=params, auth=(SA_USER, SA_SECRET), timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def by_id(answer):
    return {p["$distinct_id"]: p["$properties"] for p in answer["results"]}


def test_every_people_operation_shows_in_the_profile(server):
    mp = sdk(server)
    mp.people_set("u-1", {"$email": "a@example.com", "Plan": "Pro", "Old": 1})
    mp.people_set_once("u-1", {"Plan": "Free", "First Seen": "2025-01-01"})
    mp.people_increment("u-1", {"Logins": 1})
    mp.people_increment("u-1", {"Logins": 2})
    mp.people_append("u-1", {"Visited": "/pricing"})
    mp.people_append("u-1", {"Visited": "/docs"})
    mp.people_union("u-1", {"Tags": ["x", "y"]})
    mp.people_union("u-1", {"Tags": ["y", "z"]})
    mp.people_remove("u-1", {"Tags": "x"})
    mp.people_unset("u-1", ["Old"])
    mp.people_set("u-2", {"Plan": "Free"})
    mp.people_delete("u-2")
    mp.people_set("u-3", {"Plan": "Free"}, meta={"$ignore_time": True})

    answer = engage(server)
    assert answer["status"] == "ok" and answer["page"] == 0 and answer["total"] == 2
    profiles = by_id(answer)
    assert set(profiles) == {"u-1", "u-3"}
    u1 = profiles["u-1"]
    assert {k: v for k, v in u1.items() if k != "$last_seen"} == {
        "$email": "a@example.com", "Plan": "Pro", "First Seen": "2025-01-01", "Logins": 3,
        "Visited": ["/pricing", "/docs"], "Tags": ["y", "z"],
    }
    assert len(u1["$last_seen"]) == 19 and u1["$last_seen"][10] == "T"
    assert profiles["u-3"] == {"Plan": "Free"}  # $ignore_time: no $last_seen


def test_group_operations_show_in_group_profiles(server):
    mp = sdk(server)
    mp.group_set("company", "Acme", {"Tier": "Gold", "Seats": 5})
    mp.group_set_once("company", "Acme", {"Tier": "Silver", "Founded": 1999})
    mp.group_union("company", "Acme", {"Regions": ["EU", "US"]})
    mp.group_remove("company", "Acme", {"Regions": "US"})
    mp.group_unset("company", "Acme", ["Seats"])
    mp.group_set("company", "Initech", {"Tier": "Free"})
    mp.group_delete("company", "Initech")
    mp.group_set("team", "Acme", {"Size": 4})

    assert by_id(engage(server, data_group_id="company")) == {
        "Acme": {"Tier": "Gold", "Founded": 1999, "Regions": ["EU"]}}
    assert by_id(engage(server, data_group_id="team")) == {"Acme": {"Size": 4}}
    assert engage(server)["total"] == 0  # no user profiles


def test_where_ids_and_output_properties_select_profiles(server):
    mp = sdk(server)
    for i in range(6):
        mp.people_set(f"u-{i}", {"plan": "pro" if i % 2 else "free", "seats": i, "name": f"N{i}"})
    pro = engage(server, where='properties["plan"] == "pro" and properties["seats"] > 1')
    assert sorted(by_id(pro)) == ["u-3", "u-5"]
    posted = engage(server, method="post", distinct_ids=json.dumps(["u-4", "u-0", "nobody"]),
                    output_properties=json.dumps(["name"]))
    assert by_id(posted) == {"u-0": {"name": "N0"}, "u-4": {"name": "N4"}}
    one = by_id(engage(server, distinct_id="u-2"))
    assert list(one) == ["u-2"]
    assert {k: v for k, v in one["u-2"].items() if k != "$last_seen"} == {"plan": "free", "seats": 2, "name": "N2"}
    bad = requests.get(f"{server.url}/api/2.0/engage", params={"project_id": PROJECT_ID, "where": 'properties["plan" =='},
                       auth=(SA_USER, SA_SECRET), timeout=30)
    assert bad.status_code == 400 and "where" in bad.json()["error"]
    cohort = requests.get(f"{server.url}/api/2.0/engage", params={"project_id": PROJECT_ID, "filter_by_cohort": '{"id": 1}'},
                          auth=(SA_USER, SA_SECRET), timeout=30)
    assert cohort.status_code == 400 and "cohorts are not available yet" in cohort.json()["error"]


def test_pages_of_one_session_are_cut_from_one_answer(server):
    mp = sdk(server)
    for i in range(25):
        mp.people_set(f"u-{i:02}", {"n": i})
    first = engage(server, page_size=10)
    assert first["total"] == 25 and len(first["results"]) == 10
    mp.people_set("u-late", {"n": 99})  # written after page 0: not in this session's pages
    rest = [engage(server, page_size=10, page=p, session_id=first["session_id"]) for p in (1, 2, 3)]
    assert [len(r["results"]) for r in rest] == [10, 5, 0]
    assert all(r["total"] == 25 for r in rest)
    ids = [p["$distinct_id"] for r in [first] + rest for p in r["results"]]
    assert ids == [f"u-{i:02}" for i in range(25)]
    assert engage(server)["total"] == 26  # a new query sees it


def test_mixpanel_utils_reads_every_profile_across_pages(server, tmp_path):
    mp = sdk(server)
    for i in range(2500):
        mp.people_set(f"user-{i}", {"plan": ["free", "pro", "team"][i % 3], "i": i})
    mu = utils_for(server)
    profiles = mu.query_engage()
    assert len(profiles) == 2500
    assert {p["$distinct_id"] for p in profiles} == {f"user-{i}" for i in range(2500)}
    team = mu.query_engage({"where": 'properties["plan"] == "team"'})
    assert len(team) == 833 and all(p["$properties"]["plan"] == "team" for p in team)
    out = tmp_path / "people.json"
    mu.export_people(str(out), {"where": 'properties["i"] < 10'})
    exported = json.loads(out.read_text())
    assert sorted(p["$distinct_id"] for p in exported) == sorted(f"user-{i}" for i in range(10))


def test_profiles_survive_kill_9(tmp_path):
    s = Server(str(tmp_path)).start()
    try:
        mp = sdk(s)
        mp.people_set("u-1", {"plan": "pro"})
        mp.people_increment("u-1", {"n": 2})
        mp.group_set("company", "Acme", {"tier": "gold"})
        s.kill()
        s.start()
        assert by_id(engage(s))["u-1"]["plan"] == "pro"
        assert by_id(engage(s))["u-1"]["n"] == 2
        assert by_id(engage(s, data_group_id="company")) == {"Acme": {"tier": "gold"}}
    finally:
        s.stop()


def test_user_properties_filter_and_segment_events(server):
    mp = sdk(server)
    t0 = 1764000000  # 2025-11-24T16:00:00Z
    for who, plan in (("u-1", "pro"), ("u-2", "free"), ("u-3", "pro")):
        mp.people_set(who, {"plan": plan})
    for i, who in enumerate(["u-1", "u-1", "u-2", "u-3", "u-4"]):
        mp.track(who, "Played", {"time": t0 + i, "$insert_id": f"p{i}"})
    day = {"from_date": "2025-11-24", "to_date": "2025-11-24", "project_id": PROJECT_ID}

    def segmentation(**params):
        r = requests.get(f"{server.url}/api/2.0/segmentation", params=dict(day, event="Played", **params),
                         auth=(SA_USER, SA_SECRET), timeout=30)
        assert r.status_code == 200, r.text
        return {k: v["2025-11-24"] for k, v in r.json()["data"]["values"].items()}

    assert segmentation(where='user["plan"] == "pro"') == {"Played": 3}
    assert segmentation(where='user["plan"] == "pro"', type="unique") == {"Played": 2}
    assert segmentation(on='user["plan"]') == {"pro": 3, "free": 1}
    exported = server.export(from_date="2025-11-24", to_date="2025-11-24", where='user["plan"] == "free"')
    assert [e["properties"]["distinct_id"] for e in exported] == ["u-2"]
