"""Every route of the OpenAPI schema needs an identity (401) and its declared role (403);
a role x action matrix; per-stack bindings; personal API tokens narrowing their owner."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core_monitor.runtime import Runtime
from tests.support.applied import pretend_applied
from tests.support.helpers import login

WEB = "services:\n  web:\n    image: busybox:1\n"
OPEN = {"/healthz", "/readyz"}
ROLES = ("viewer", "operator", "admin")
BELOW = {"operate": "viewer", "admin": "operator"}


def add_user(admin: TestClient, name: str, role: str | None, **extra: Any) -> None:
    body = {"username": name, "password": f"{name}-password", "role": role, **extra}
    response = admin.post("/api/v1/users", json=body)
    assert response.status_code == 201, response.text


def client_for(admin: TestClient, name: str) -> TestClient:
    client = TestClient(admin.app)
    login(client, name, f"{name}-password")
    return client


@pytest.fixture
def world(client: TestClient, runtime: Runtime) -> dict[str, Any]:
    """Two stacks, a command, and one user per role (plus one with no role at all)."""
    for name in ("alpha", "beta"):
        assert client.post("/api/v1/stacks", json={"name": name, "compose": WEB}).status_code == 201
        pretend_applied(runtime.db, name)  # runtime actions act on what runs
    command = client.post("/api/v1/stacks/alpha/start").json()["command_id"]
    for role in ROLES:
        add_user(client, f"an-{role}", role)
    add_user(client, "nobody", None)
    clients = {r: client_for(client, f"an-{r}") for r in ROLES}
    clients["nobody"] = client_for(client, "nobody")
    return {"command_id": command, "clients": clients}


def operations(client: TestClient) -> list[tuple[str, str, dict[str, Any]]]:
    schema = client.get("/openapi.json").json()
    found = []
    for path, item in schema["paths"].items():
        for method, op in item.items():
            found.append((method.upper(), path, op))
    return found


def concrete(path: str, command_id: str) -> str:
    values = {
        "stack_id": "alpha",
        "version": "1",
        "a": "1",
        "b": "1",
        "command_id": command_id,
        "service": "web",
        "container_id": "alpha-web-1",
        "username": "an-viewer",
        "token_id": "no-such-token",
        "exception_id": "1",
        "path": "no/such/file",
        "name": "coremon-1.tar",
        "host": "local",
        "sha256": "0" * 64,
        "deployment_id": "no-such-deployment",
        "component_id": "postgresql",
    }
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


def call(client: TestClient, method: str, path: str) -> int:
    body = {} if method in ("POST", "PUT", "PATCH") else None
    if path.endswith("/logs") or path.endswith("/events"):
        path += "?follow=0"
    return client.request(method, path, json=body).status_code


def test_every_route_declares_a_permission(client: TestClient) -> None:
    for method, path, op in operations(client):
        if path in OPEN or path.startswith("/api/v1/auth/"):
            assert op["x-permission"] == "open", (method, path)
        else:
            assert op["x-permission"] in ("read", "operate", "admin"), (method, path)


def test_anonymous_gets_401_everywhere_but_the_open_routes(
    client: TestClient, world: dict[str, Any]
) -> None:
    anonymous = TestClient(client.app)
    checked = 0
    for method, path, _ in operations(client):
        if path in OPEN or path.startswith("/api/v1/auth/"):
            continue
        status = call(anonymous, method, concrete(path, world["command_id"]))
        assert status == 401, f"{method} {path} answered {status} to an anonymous caller"
        checked += 1
    assert checked > 40
    assert anonymous.get("/healthz").status_code == 200
    assert anonymous.get("/api/v1/auth/config").status_code == 200


def test_under_privileged_callers_get_403(client: TestClient, world: dict[str, Any]) -> None:
    """The role just below what a route needs is refused with 403; a caller with no role
    at all is refused every global route (403) and sees no stack (404)."""
    clients = world["clients"]
    checked = 0
    for method, path, op in operations(client):
        permission = op.get("x-permission")
        if permission == "open":
            continue
        url = concrete(path, world["command_id"])
        if permission in BELOW:
            status = call(clients[BELOW[permission]], method, url)
            below = BELOW[permission]
            assert status == 403, f"{method} {path} ({permission}) gave {below} {status}"
            checked += 1
        nobody = call(clients["nobody"], method, url)
        expected = 403 if op["x-scope"] in ("global", "any") else 404
        assert nobody == expected, f"{method} {path} gave a role-less caller {nobody}"
    assert checked > 20


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (("GET", "/api/v1/stacks", None), {"viewer": 200, "operator": 200, "admin": 200}),
        (("GET", "/api/v1/host", None), {"viewer": 200, "operator": 200, "admin": 200}),
        (
            ("POST", "/api/v1/stacks/alpha/versions", {"compose": WEB + "    init: true\n"}),
            {"viewer": 403, "operator": 201, "admin": 201},
        ),
        (("POST", "/api/v1/stacks/alpha/apply/1", None), {"viewer": 403, "operator": 202}),
        (("POST", "/api/v1/stacks/beta/services/web/restart", None), {"viewer": 403}),
        (("POST", "/api/v1/stacks/beta/delete", {}), {"operator": 403, "admin": 202}),
        (("GET", "/api/v1/users", None), {"operator": 403, "admin": 200}),
        (("GET", "/api/v1/audit", None), {"operator": 403, "admin": 200}),
        (("GET", "/api/v1/policy", None), {"viewer": 200}),
        (("PUT", "/api/v1/policy", {}), {"operator": 403, "admin": 200}),
        (("GET", "/api/v1/tokens", None), {"operator": 403, "admin": 200}),
    ],
)
def test_role_action_matrix(
    world: dict[str, Any], action: tuple[str, str, Any], expected: dict[str, int]
) -> None:
    method, path, body = action
    for role, status in expected.items():
        got = world["clients"][role].request(method, path, json=body)
        assert got.status_code == status, f"{role} {method} {path}: {got.status_code} {got.text}"


def test_cancel_and_dismiss_are_operator(world: dict[str, Any]) -> None:
    command = world["command_id"]
    clients = world["clients"]
    assert clients["viewer"].post(f"/api/v1/commands/{command}/cancel").status_code == 403
    assert clients["operator"].post(f"/api/v1/commands/{command}/cancel").status_code == 200
    dismiss = {"reason": "x"}
    assert (
        clients["viewer"].post(f"/api/v1/commands/{command}/dismiss", json=dismiss).status_code
        == 403
    )
    # an operator may: refused only because a CANCELLED command is not FAILED
    dismissed = clients["operator"].post(f"/api/v1/commands/{command}/dismiss", json=dismiss)
    assert dismissed.status_code == 409


def test_per_stack_binding_sees_and_acts_on_that_stack_only(
    client: TestClient, world: dict[str, Any]
) -> None:
    add_user(client, "carol", None, stack_roles={"alpha": "operator"})
    carol = client_for(client, "carol")
    me = carol.get("/api/v1/auth/me").json()
    alpha = client.get("/api/v1/stacks/alpha").json()["stack_id"]
    assert me["role"] is None and me["stack_roles"] == {alpha: "operator"}
    assert [s["name"] for s in carol.get("/api/v1/stacks").json()["items"]] == ["alpha"]
    assert carol.post("/api/v1/stacks/alpha/apply/1").status_code == 202
    assert carol.get("/api/v1/stacks/beta").status_code == 404  # existence does not leak
    assert carol.post("/api/v1/stacks/beta/apply/1").status_code == 404
    assert carol.post("/api/v1/stacks/alpha/delete", json={}).status_code == 403
    assert carol.get("/api/v1/host").status_code == 403
    commands = carol.get("/api/v1/commands").json()["items"]
    assert commands and {c["stack_id"] for c in commands} == {alpha}


def test_api_token_is_shown_once_capped_by_role_and_stacks_and_revocable(
    client: TestClient, world: dict[str, Any]
) -> None:
    created = client.post(
        "/api/v1/tokens",
        json={"name": "ci", "owner": "an-operator", "role": "viewer", "stacks": ["alpha"]},
    )
    assert created.status_code == 201, created.text
    secret = created.json()["token"]
    listed = client.get("/api/v1/tokens").json()["items"]
    assert secret not in str(listed) and listed[0]["prefix"] == secret[:10]
    bot = TestClient(client.app, headers={"Authorization": f"Bearer {secret}"})
    assert bot.get("/api/v1/auth/me").json()["auth"] == "token"
    assert bot.get("/api/v1/stacks/alpha").status_code == 200
    assert bot.get("/api/v1/stacks/beta").status_code == 404  # outside the token's stacks
    assert bot.post("/api/v1/stacks/alpha/apply/1").status_code == 403  # capped at viewer
    token_id = created.json()["token_id"]
    assert client.delete(f"/api/v1/tokens/{token_id}").status_code == 204
    assert bot.get("/api/v1/stacks/alpha").status_code == 401  # at once


def test_expired_tokens_are_refused(client: TestClient, runtime: Runtime) -> None:
    from sqlalchemy import update

    from core_monitor.store.clock import utcnow
    from core_monitor.store.tables import AuthTokenRow

    made = client.post("/api/v1/tokens", json={"name": "short", "expires_in_days": 1}).json()
    bot = TestClient(client.app, headers={"Authorization": f"Bearer {made['token']}"})
    assert bot.get("/api/v1/stacks").status_code == 200
    with runtime.db.write() as session:
        session.execute(update(AuthTokenRow).values(expires_at=utcnow()))
    assert bot.get("/api/v1/stacks").status_code == 401
    assert client.get("/api/v1/stacks").status_code == 401  # the admin's access token too


def test_refresh_rotates_and_a_replayed_refresh_token_revokes_its_family(
    client: TestClient,
) -> None:
    form = {"username": "admin", "password": "test-admin-password"}
    first = client.post("/api/v1/auth/token", data=form).json()
    refresh = {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    second = client.post("/api/v1/auth/token", data=refresh).json()
    fresh = TestClient(client.app, headers={"Authorization": f"Bearer {second['access_token']}"})
    assert fresh.get("/api/v1/stacks").status_code == 200
    replay = client.post("/api/v1/auth/token", data=refresh)
    assert replay.status_code == 401
    assert fresh.get("/api/v1/stacks").status_code == 401  # the whole chain is gone


def test_disabling_a_user_ends_their_access_at_once(
    client: TestClient, world: dict[str, Any]
) -> None:
    operator = world["clients"]["operator"]
    assert operator.get("/api/v1/stacks").status_code == 200
    assert client.patch("/api/v1/users/an-operator", json={"enabled": False}).status_code == 200
    assert operator.get("/api/v1/stacks").status_code == 401
    relogin = client.post(
        "/api/v1/auth/token", data={"username": "an-operator", "password": "an-operator-password"}
    )
    assert relogin.status_code == 401


def test_the_last_admin_cannot_be_demoted(client: TestClient) -> None:
    response = client.patch("/api/v1/users/admin", json={"role": "viewer"})
    assert response.status_code == 409
    assert client.get("/api/v1/users").status_code == 200
