"""Stacks and versions through the REST API, on SQLite and PostgreSQL."""

from __future__ import annotations

from fastapi.testclient import TestClient

from core_monitor.runtime import Runtime
from core_monitor.store import audit  # noqa: F401  (audit rows are checked through SQL)
from tests.support.helpers import login

WEB = "services:\n  web:\n    image: busybox:1\n    environment:\n      GREETING: ${GREETING:-hi}\n"
WEB2 = "services:\n  web:\n    image: busybox:2\n    environment:\n      GREETING: hello\n"


def create(client: TestClient, name: str = "shop", compose: str = WEB, **extra: object) -> dict:
    response = client.post("/api/v1/stacks", json={"name": name, "compose": compose, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def test_create_stack_returns_id_and_version_one(client: TestClient) -> None:
    body = create(client, variables={"GREETING": "bonjour"}, comment="first")
    assert body["version"] == 1
    assert body["name"] == "shop"
    assert body["status"] == "NEW"
    got = client.get(f"/api/v1/stacks/{body['stack_id']}").json()
    assert got["latest_version"] == 1
    version = client.get(f"/api/v1/stacks/{body['stack_id']}/versions/1").json()
    assert version["compose"] == WEB
    assert version["comment"] == "first"
    assert version["author"] == "admin"
    assert version["definition"]["services"]["web"]["environment"]["GREETING"] == "bonjour"
    assert version["variables"] == {"GREETING": {"value": "bonjour", "secret": False}}


def test_secret_variables_are_accepted_and_never_echoed(client: TestClient) -> None:
    body = create(client, variables={"GREETING": {"value": "s3cr3t-value", "secret": True}})
    response = client.get(f"/api/v1/stacks/{body['stack_id']}/versions/1")
    assert response.json()["variables"]["GREETING"] == {"value": "***", "secret": True}
    assert response.json()["definition"]["services"]["web"]["environment"]["GREETING"] == "***"
    assert "s3cr3t-value" not in response.text


def test_invalid_compose_is_422_problem_with_paths_and_writes_nothing(client: TestClient) -> None:
    bad = "services:\n  web:\n    image: busybox\n    ports: ['99999:80']\n    bogus: 1\n"
    response = client.post("/api/v1/stacks", json={"name": "shop", "compose": bad})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    paths = {e["path"] for e in response.json()["errors"]}
    assert any(p.startswith("services.web.ports") for p in paths)
    assert "services.web.bogus" in paths
    assert client.get("/api/v1/stacks").json()["total"] == 0


def test_bad_request_fields_are_named(client: TestClient) -> None:
    response = client.post("/api/v1/stacks", json={"name": "shop", "compose": WEB, "x": 1})
    assert response.status_code == 422
    assert [e["path"] for e in response.json()["errors"]] == ["x"]
    response = client.post("/api/v1/stacks", json={"name": "Not Valid!", "compose": WEB})
    assert response.status_code == 422
    assert response.json()["errors"][0]["path"] == "name"
    response = client.post(
        "/api/v1/stacks", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422


def test_a_nul_character_is_a_422_naming_its_field_never_a_500(client: TestClient) -> None:
    create(client)
    cases = [
        ("POST", "/api/v1/stacks/shop/versions", {"compose": WEB, "comment": "a\x00b"}, "comment"),
        (
            "POST",
            "/api/v1/stacks",
            {"name": "nul", "compose": WEB, "variables": {"A": {"value": "\x00"}}},
            "variables.A.value",
        ),
        ("PUT", "/api/v1/policy", {"allowed_bind_roots": ["/srv\x00"]}, "allowed_bind_roots"),
    ]
    for method, path, body, field in cases:
        response = client.request(method, path, json=body)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["errors"][0]["path"] == field, response.text
    assert client.get("/api/v1/stacks/sh%00op").status_code == 422
    assert client.get("/api/v1/audit", params={"actor": "a\x00"}).status_code == 422
    assert client.get("/api/v1/stacks/nul").status_code == 404  # nothing written


def test_duplicate_name_is_409(client: TestClient) -> None:
    create(client)
    response = client.post("/api/v1/stacks", json={"name": "shop", "compose": WEB})
    assert response.status_code == 409
    assert response.json()["status"] == 409


def test_versions_chain_and_stale_parent_is_409(client: TestClient) -> None:
    stack = create(client)
    url = f"/api/v1/stacks/{stack['stack_id']}/versions"
    v2 = client.post(url, json={"compose": WEB2, "parent_version": 1, "comment": "bump"})
    assert v2.status_code == 201
    assert (v2.json()["version"], v2.json()["parent_version"]) == (2, 1)
    stale = client.post(url, json={"compose": WEB2, "parent_version": 1})
    assert stale.status_code == 409
    assert "stale" in stale.json()["detail"]
    listing = client.get(url, params={"limit": 1}).json()
    assert listing["total"] == 2
    assert [v["version"] for v in listing["items"]] == [2]
    assert listing["items"][0]["services"] == ["web"]


def test_diff_between_versions(client: TestClient) -> None:
    stack = create(client)
    client.post(f"/api/v1/stacks/{stack['stack_id']}/versions", json={"compose": WEB2})
    diff = client.get("/api/v1/stacks/shop/versions/1/diff/2").json()
    assert "-    image: busybox:1" in diff["unified"]
    assert "+    image: busybox:2" in diff["unified"]
    web = diff["services"][0]
    assert web["service"] == "web"
    assert web["change"] == "changed"
    changed = {f["path"] for f in web["fields"]}
    assert "image" in changed
    assert "environment.GREETING" in changed


def test_list_filter_and_pagination(client: TestClient) -> None:
    for name in ("alpha", "beta", "gamma"):
        create(client, name=name)
    page = client.get("/api/v1/stacks", params={"limit": 2, "offset": 1}).json()
    assert (page["total"], page["limit"], page["offset"]) == (3, 2, 1)
    assert [s["name"] for s in page["items"]] == ["beta", "gamma"]
    assert [s["name"] for s in client.get("/api/v1/stacks?q=amm").json()["items"]] == ["gamma"]
    assert client.get("/api/v1/stacks?status=RUNNING").json()["total"] == 0
    assert client.get("/api/v1/stacks?limit=0").status_code == 422


def test_unknown_things_are_404(client: TestClient) -> None:
    assert client.get("/api/v1/stacks/nope").status_code == 404
    create(client)
    assert client.get("/api/v1/stacks/shop/versions/7").status_code == 404
    assert client.post("/api/v1/stacks/shop/apply/7").status_code == 404
    assert client.get("/api/v1/commands/nope").status_code == 404


def test_stack_creation_is_audited_with_its_author(client: TestClient, runtime: Runtime) -> None:
    from sqlalchemy import select

    from core_monitor.store.tables import AuditRow, StackVersionRow

    client.post(
        "/api/v1/users",
        json={"username": "alice", "password": "alice-password", "role": "operator"},
    )
    login(client, "alice", "alice-password")
    client.post("/api/v1/stacks", json={"name": "shop", "compose": WEB})
    with runtime.db.read() as s:
        rows = s.scalars(select(AuditRow).where(AuditRow.action == "stack.create")).all()
        version = s.scalars(select(StackVersionRow)).one()
    assert [(r.actor, r.action, r.source) for r in rows] == [
        ("alice", "stack.create", "testclient")
    ]
    assert version.author == "alice"


def test_oversized_body_is_413(client: TestClient) -> None:
    huge = "x" * (3 * 1024 * 1024)
    response = client.post("/api/v1/stacks", json={"name": "shop", "compose": huge})
    assert response.status_code == 413
