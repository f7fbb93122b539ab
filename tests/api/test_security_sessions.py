"""Browser sessions (HttpOnly cookie + CSRF), login throttling without user enumeration,
the audit trail, and the hardening headers."""

from __future__ import annotations

from fastapi.testclient import TestClient

from core_monitor.runtime import Runtime
from core_monitor.store import audit
from tests.support.helpers import make_settings

WEB = "services:\n  web:\n    image: busybox:1\n"


def test_cookie_session_needs_the_csrf_header_to_write(client: TestClient) -> None:
    browser = TestClient(client.app)
    login = browser.post(
        "/api/v1/auth/login", json={"username": "admin", "password": "test-admin-password"}
    )
    assert login.status_code == 200
    cookie = login.headers.get_list("set-cookie")
    session = next(c for c in cookie if c.startswith("coremon_session="))
    assert "HttpOnly" in session and "SameSite=strict" in session and "Path=/" in session
    csrf = login.json()["csrf_token"]
    assert browser.get("/api/v1/auth/me").json()["auth"] == "session"
    body = {"name": "shop", "compose": WEB}
    assert browser.post("/api/v1/stacks", json=body).status_code == 403
    forged = browser.post("/api/v1/stacks", json=body, headers={"X-CSRF-Token": "guess"})
    assert forged.status_code == 403
    ok = browser.post("/api/v1/stacks", json=body, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201
    assert browser.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    browser.cookies.set("coremon_session", session.split(";")[0].split("=", 1)[1])
    assert browser.get("/api/v1/stacks").status_code == 401  # the session was revoked


def test_wrong_password_and_unknown_user_look_the_same(client: TestClient) -> None:
    anonymous = TestClient(client.app)
    wrong = anonymous.post("/api/v1/auth/token", data={"username": "admin", "password": "nope"})
    unknown = anonymous.post("/api/v1/auth/token", data={"username": "ghost", "password": "nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"] == "invalid username or password"


def test_repeated_failures_throttle_logins_even_with_the_right_password(
    database_url: str,
) -> None:
    from core_monitor.api.app import create_app

    runtime = Runtime.build(make_settings(database_url, login_max_failures=3))
    with TestClient(create_app(runtime, run_worker=False)) as anonymous:
        for _ in range(3):
            failed = anonymous.post(
                "/api/v1/auth/token", data={"username": "admin", "password": "wrong"}
            )
            assert failed.status_code == 401
        right = {"username": "admin", "password": "test-admin-password"}
        throttled = anonymous.post("/api/v1/auth/token", data=right)
        assert throttled.status_code == 429
        assert int(throttled.headers["Retry-After"]) > 0
        with runtime.db.read() as session:
            rows, _ = audit.list_entries(
                session, audit.AuditFilter(action="auth.login"), limit=10, offset=0
            )
        assert [r.outcome for r in rows] == ["throttled", "denied", "denied", "denied"]


def test_every_write_is_audited_with_actor_source_target_and_outcome(client: TestClient) -> None:
    client.post("/api/v1/stacks", json={"name": "shop", "compose": WEB})
    client.post("/api/v1/stacks/shop/versions", json={"compose": WEB + "    init: true\n"})
    client.post("/api/v1/stacks/shop/apply/2")
    client.post("/api/v1/users", json={"username": "eve", "password": "eve-password"})
    token = client.post("/api/v1/tokens", json={"name": "t"}).json()
    client.delete(f"/api/v1/tokens/{token['token_id']}")
    client.put("/api/v1/policy", json={"rules": {"devices": {"enabled": False}}})
    TestClient(client.app).post(
        "/api/v1/auth/token", data={"username": "eve", "password": "wrong-password"}
    )
    entries = client.get("/api/v1/audit", params={"limit": 100}).json()["items"]
    actions = [(e["action"], e["actor"], e["outcome"]) for e in reversed(entries)]
    for expected in [
        ("auth.login", "admin", "ok"),
        ("stack.create", "admin", "ok"),
        ("version.create", "admin", "ok"),
        ("command.apply", "admin", "ok"),
        ("user.create", "admin", "ok"),
        ("token.create", "admin", "ok"),
        ("token.revoke", "admin", "ok"),
        ("policy.update", "admin", "ok"),
        ("auth.login", "eve", "denied"),
    ]:
        assert expected in actions, expected
    assert all(e["source"] == "testclient" for e in entries if e["action"] != "user.create")
    only = client.get("/api/v1/audit", params={"action": "token."}).json()
    assert {e["action"] for e in only["items"]} == {"token.create", "token.revoke"}
    command = client.get("/api/v1/commands").json()["items"][0]
    assert command["requested_by"] == "admin"


def test_security_headers_json_only_bodies_and_no_foreign_cors(client: TestClient) -> None:
    response = client.get("/api/v1/stacks")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    form = client.post(
        "/api/v1/stacks",
        content="name=shop",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert form.status_code == 415
    foreign = client.get("/api/v1/stacks", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in foreign.headers
    preflight = client.options(
        "/api/v1/stacks",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_first_start_without_a_password_prints_a_one_time_one(
    database_url: str, capsys: object
) -> None:
    import structlog

    settings = make_settings(database_url, admin_password=None)
    with structlog.testing.capture_logs() as logs:
        Runtime.build(settings)
        Runtime.build(settings)  # a second start prints nothing new
    printed = [e for e in logs if "one-time password" in e["event"]]
    assert len(printed) == 1
    password = printed[0]["password"]
    runtime = Runtime.build(settings)
    from core_monitor.api.app import create_app

    with TestClient(create_app(runtime, run_worker=False)) as anonymous:
        got = anonymous.post("/api/v1/auth/token", data={"username": "admin", "password": password})
        assert got.status_code == 200
