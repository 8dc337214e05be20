"""GDPR/CCPA deletions and retrievals (/api/app/data-deletions/v3.0, /api/app/data-retrievals/v3.0)
against a real Apus: only an Admin or Owner service account may ask; a retrieval returns the
person's events (every id of the identity cluster) and profile as NDJSON, matching the export
taken before; after a deletion no endpoint returns them, before and after a restart, while
events that arrive later are kept."""
import json

import requests

from conftest import PROJECT_ID, SA_SECRET, SA_USER, TOKEN
from test_identity import T0, browser, track, unique
from test_read_authorization import cli

AUTH = (SA_USER, SA_SECRET)
DAY = {"from_date": "2025-11-24", "to_date": "2025-11-24"}


def people(server, **params):
    r = requests.get(f"{server.url}/api/2.0/engage", params=dict(params, project_id=PROJECT_ID), auth=AUTH, timeout=30)
    assert r.status_code == 200, r.text
    return {p["$distinct_id"] for p in r.json()["results"]}


def seed(server):
    track(server, ("Played", 0, browser("D1")), ("Played", 1, browser("D1", "alice")), ("Played", 2, browser("D2", "alice")),
          ("Played", 3, browser("D3", "bob")))
    r = requests.post(f"{server.url}/engage", data={"data": json.dumps([
        {"$token": TOKEN, "$distinct_id": "alice", "$set": {"plan": "pro"}},
        {"$token": TOKEN, "$distinct_id": "bob", "$set": {"plan": "free"}}])}, timeout=30)
    assert r.text == "1"


def ask(server, kind, ids, auth=AUTH, **params):
    params = params or {"token": TOKEN}
    return requests.post(f"{server.url}/api/app/data-{kind}/v3.0", params=params, auth=auth, timeout=60,
                         json={"distinct_ids": ids, "compliance_type": "GDPR"})


def test_only_admins_and_owners_may_ask(server):
    seed(server)
    assert ask(server, "deletions", ["alice"], auth=None).status_code == 401        # the public token alone
    assert ask(server, "retrievals", ["alice"], auth=(TOKEN, "")).status_code == 401
    for role, status in (("consumer", 403), ("analyst", 403), ("admin", 201), ("owner", 201)):
        made = cli(server, "accounts", "create", "--username", f"sa.gdpr.{role}", "--role", role, "--project", str(PROJECT_ID))
        r = ask(server, "retrievals", ["bob"], auth=(made["service account"], made["secret"]))
        assert r.status_code == status, (role, r.text)
    assert unique(server, "Played") == 2  # nothing was deleted


def test_a_retrieval_holds_the_persons_events_and_profile(server):
    seed(server)
    before = [e for e in server.export(**DAY) if e["properties"]["distinct_id"] == "alice"]
    assert len(before) == 3  # the anonymous visit is alice's through the merge
    created = ask(server, "retrievals", ["alice"])
    assert created.status_code == 201, created.text
    task = created.json()["results"]["task_id"]
    status = requests.get(f"{server.url}/api/app/data-retrievals/v3.0/{task}", params={"token": TOKEN}, auth=AUTH, timeout=30)
    assert status.status_code == 200 and status.json()["results"]["status"] == "SUCCESS"
    assert status.json()["results"]["distinct_ids"] == ["alice"]
    download = requests.get(server.url + status.json()["results"]["results"], auth=AUTH, timeout=30)
    assert download.status_code == 200
    lines = [json.loads(l) for l in download.text.splitlines()]
    events = [l for l in lines if "event" in l]
    assert sorted(e["properties"]["$insert_id"] for e in events) == sorted(e["properties"]["$insert_id"] for e in before)
    assert [l["$properties"]["plan"] for l in lines if "$distinct_id" in l] == ["pro"]
    assert requests.get(server.url + status.json()["results"]["results"], timeout=30).status_code == 401


def test_a_deletion_hides_the_person_everywhere_at_once_and_after_a_restart(server):
    seed(server)
    assert unique(server, "Played") == 2
    created = ask(server, "deletions", ["alice"], project_id=PROJECT_ID)
    assert created.status_code == 201, created.text
    task = created.json()["results"]["task_id"]

    def hidden():
        assert {e["properties"]["distinct_id"] for e in server.export(**DAY)} == {"bob"}
        assert unique(server, "Played") == 1
        assert people(server) == {"bob"}
        status = requests.get(f"{server.url}/api/app/data-deletions/v3.0/{task}", params={"token": TOKEN}, auth=AUTH, timeout=30)
        assert status.status_code == 200
        results = status.json()["results"]
        assert results["status"] == "SUCCESS" and results["distinct_ids"] == ["alice"] and results["requesting_user"] == SA_USER
    hidden()
    cancel = requests.delete(f"{server.url}/api/app/data-deletions/v3.0/{task}", params={"token": TOKEN}, auth=AUTH, timeout=30)
    assert cancel.status_code == 405
    server.kill()
    server.start()
    hidden()
    # Data sent after the deletion is new data.
    track(server, ("Played", 30, browser("D9", "alice")))
    assert unique(server, "Played") == 2
    assert requests.get(f"{server.url}/api/app/data-deletions/v3.0/0123456789abcdef", params={"token": TOKEN},
                        auth=AUTH, timeout=30).status_code == 404


def test_scripts_may_send_a_service_accounts_secret_as_a_bearer_token(server):
    seed(server)
    made = cli(server, "accounts", "create", "--username", "gdpr-bot", "--role", "admin", "--project", str(PROJECT_ID))
    consumer = cli(server, "accounts", "create", "--username", "reader", "--role", "consumer", "--project", str(PROJECT_ID))

    def bearer(secret):
        return requests.post(f"{server.url}/api/app/data-deletions/v3.0", params={"token": TOKEN}, timeout=30,
                             headers={"Authorization": f"Bearer {secret}"}, json={"distinct_ids": ["bob"]})
    assert bearer(TOKEN).status_code == 401            # the public token is not a secret
    assert bearer(consumer["secret"]).status_code == 403
    created = bearer(made["secret"])
    assert created.status_code == 201, created.text
    task = created.json()["results"]["task_id"]
    status = requests.get(f"{server.url}/api/app/data-deletions/v3.0/{task}", params={"token": TOKEN},
                          headers={"Authorization": f"Bearer {made['secret']}"}, timeout=30).json()["results"]
    assert status["requesting_user"] == "gdpr-bot" and status["distinct_ids"] == ["bob"]
    assert unique(server, "Played") == 1
