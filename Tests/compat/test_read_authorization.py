"""Who may read what, over every read route, against a real Apus: one table.

Principals: no credentials, the public project token, the legacy project secret, a service
account of each role in the project, an Owner of another project, and a service account that
forgets project_id. Queries are open to every role; raw export needs Analyst or higher.
"""
import subprocess

import pytest
import requests

from conftest import PROJECT_ID, SA_SECRET, SA_USER, TOKEN, apus_binary

DATES = {"from_date": "2025-01-01", "to_date": "2025-01-02"}
READ_ROUTES = {
    "api/2.0/export": ("analyst", DATES),
    "api/query/segmentation": ("consumer", dict(DATES, event="Played")),
    "api/2.0/segmentation/numeric": ("consumer", dict(DATES, event="Played", on='properties["price"]')),
    "api/query/segmentation/sum": ("consumer", dict(DATES, event="Played", on='properties["price"]')),
    "api/2.0/segmentation/average": ("consumer", dict(DATES, event="Played", on='properties["price"]')),
    "api/2.0/events": ("consumer", dict(DATES, event='["Played"]', type="general", unit="day")),
    "api/query/events/names": ("consumer", {"type": "general"}),
    "api/query/events/top": ("consumer", {"type": "general"}),
    "api/query/events/properties": ("consumer", dict(DATES, event="Played", name="plan", type="general", unit="day")),
    "api/query/events/properties/top": ("consumer", {"event": "Played"}),
    "api/2.0/events/properties/values": ("consumer", {"event": "Played", "name": "plan"}),
    "api/2.0/engage": ("consumer", {}),
    "api/query/engage": ("consumer", {"where": 'properties["plan"] == "pro"'}),
}
ROLES = ["consumer", "analyst", "admin", "owner"]


def cli(server, *args):
    out = subprocess.run([apus_binary(), *args, "--data", server.data_dir], check=True, capture_output=True, text=True).stdout
    return {k.strip(): v.split()[0] for k, v in (line.split(":", 1) for line in out.splitlines() if ":" in line)}


@pytest.fixture
def principals(server):
    """(auth, with project_id?) per principal name."""
    table = {
        "nobody": (None, True),
        "token": ((TOKEN, ""), False),
        "secret": ((cli(server, "projects", "rotate-secret", str(PROJECT_ID))["project secret"], ""), False),
        "owner-without-project-id": ((SA_USER, SA_SECRET), False),
    }
    for role in ROLES:
        made = cli(server, "accounts", "create", "--username", f"sa.{role}", "--role", role, "--project", str(PROJECT_ID))
        table[role] = ((made["service account"], made["secret"]), True)
    other = cli(server, "projects", "create", "--name", "other")["project id"]
    made = cli(server, "accounts", "create", "--username", "sa.other", "--role", "owner", "--project", other)
    table["owner-of-another-project"] = ((made["service account"], made["secret"]), True)
    return table


def expected(principal, minimum):
    if principal in ("nobody", "token"):
        return 401
    if principal == "owner-without-project-id":
        return 400
    if principal == "owner-of-another-project":
        return 403
    if principal == "secret":
        return 200
    return 200 if ROLES.index(principal) >= ROLES.index(minimum) else 403


def test_every_read_route_answers_each_principal_as_the_roles_say(server, principals):
    wrong = []
    for route, (minimum, params) in READ_ROUTES.items():
        for name, (auth, with_project) in principals.items():
            query = dict(params, project_id=PROJECT_ID) if with_project else dict(params)
            for path in (route, route + "/"):
                r = requests.get(f"{server.url}/{path}", params=query, auth=auth, timeout=30)
                if r.status_code != expected(name, minimum):
                    wrong.append(f"{path} as {name}: {r.status_code} {r.text[:120]}")
                if r.status_code != 200:
                    body = r.json()
                    if not (isinstance(body.get("error"), str) and body.get("request", "").startswith("/" + route)):
                        wrong.append(f"{path} as {name}: error body {body}")
    assert wrong == []


def test_a_project_over_its_hourly_query_limit_gets_429_with_retry_after(tmp_path):
    from conftest import Server
    s = Server(str(tmp_path), extra_args=["--query-rate", "2"]).start()
    try:
        params = dict(DATES, event="Played", project_id=PROJECT_ID)
        codes = [requests.get(f"{s.url}/api/query/segmentation", params=params, auth=(SA_USER, SA_SECRET), timeout=30)
                 for _ in range(3)]
        assert [r.status_code for r in codes] == [200, 200, 429]
        assert int(codes[2].headers["Retry-After"]) > 3000
        assert codes[2].json()["error"].startswith(f"project {PROJECT_ID} ran 2 queries in the last hour")
        # Export is not a Query API query and is not counted.
        assert requests.get(f"{s.url}/api/2.0/export", params=dict(DATES, project_id=PROJECT_ID),
                            auth=(SA_USER, SA_SECRET), timeout=30).status_code == 200
    finally:
        s.stop()
