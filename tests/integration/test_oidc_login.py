"""Single sign-on end to end: a real `coremon serve` and a real OpenID Connect provider
(oidc-provider-mock, on localhost), the authorization code flow with PKCE walked by hand."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from oidc_provider_mock import run_server_in_thread

from tests.support.server import ServerProcess


@pytest.fixture(scope="module")
def provider() -> Iterator[str]:
    with run_server_in_thread() as server:
        yield f"http://localhost:{server.server_port}"


@pytest.fixture(scope="module")
def server(provider: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    tmp = tmp_path_factory.mktemp("oidc")
    process = ServerProcess(
        f"sqlite:///{tmp / 'coremon.db'}",
        tmp / "server.log",
        COREMON_OIDC_ISSUER=provider,
        COREMON_OIDC_CLIENT_ID="core-monitor",
        COREMON_OIDC_CLIENT_SECRET="provider-secret",
        COREMON_OIDC_ROLE_MAP="coremon-admins=admin,coremon-ops=operator",
        COREMON_OIDC_NAME="Company SSO",
    ).start()
    yield process
    process.stop()


@dataclass
class SignIn:
    browser: httpx.Client  # carries whatever cookies our callback set
    back: httpx.Response  # our callback's answer
    callback: str


def sign_in(server: ServerProcess, provider: str, sub: str, claims: dict[str, object]) -> SignIn:
    """Our login → the provider's consent form (answered as `sub`) → our callback."""
    httpx.put(f"{provider}/users/{sub}", json=claims).raise_for_status()
    browser = httpx.Client(base_url=server.url)
    start = browser.get("/api/v1/auth/oidc/login")
    assert start.status_code == 302, start.text
    authorize = start.headers["location"]
    query = parse_qs(urlparse(authorize).query)
    assert authorize.startswith(f"{provider}/oauth2/authorize")
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    consent = httpx.post(authorize, data={"sub": sub})
    assert consent.status_code == 302, consent.text
    callback = consent.headers["location"]
    assert callback.startswith(f"{server.url}/api/v1/auth/oidc/callback")
    return SignIn(browser, browser.get(callback), callback)


def test_login_maps_the_group_claim_to_a_role(server: ServerProcess, provider: str) -> None:
    config = httpx.get(f"{server.url}/api/v1/auth/config").json()
    assert config["oidc"] == {
        "enabled": True,
        "name": "Company SSO",
        "login_url": "/api/v1/auth/oidc/login",
    }
    alice = sign_in(
        server, provider, "u-1001", {"preferred_username": "alice", "groups": ["coremon-ops"]}
    )
    assert alice.back.status_code == 302 and alice.back.headers["location"] == "/"
    browser = alice.browser
    me = browser.get("/api/v1/auth/me").json()
    assert me == {"username": "alice", "role": "operator", "stack_roles": {}, "auth": "session"}
    assert browser.get("/api/v1/stacks").status_code == 200
    # the code and state were for one use only
    replay = browser.get(alice.callback)
    assert replay.status_code == 302 and replay.headers["location"].startswith("/login?error=")

    # the provider is the source of truth: a changed group changes the role at next login
    again = sign_in(
        server, provider, "u-1001", {"preferred_username": "alice", "groups": ["coremon-admins"]}
    )
    assert again.browser.get("/api/v1/auth/me").json()["role"] == "admin"
    audit = httpx.get(
        f"{server.url}/api/v1/audit",
        params={"action": "auth.login", "actor": "alice"},
        headers=server.headers,
    ).json()
    assert [(e["outcome"], e["details"]) for e in audit["items"]][:2] == [
        ("ok", {"via": "oidc"}),
        ("ok", {"via": "oidc"}),
    ]


def test_a_user_without_a_mapped_group_gets_no_session(
    server: ServerProcess, provider: str
) -> None:
    mallory = sign_in(server, provider, "u-2002", {"preferred_username": "mallory", "groups": []})
    assert mallory.back.status_code == 302
    assert mallory.back.headers["location"].startswith("/login?error=")
    assert "no+role" in mallory.back.headers["location"]
    assert mallory.browser.get("/api/v1/auth/me").status_code == 401


def test_a_local_name_cannot_be_taken_over_by_single_sign_on(
    server: ServerProcess, provider: str
) -> None:
    claims: dict[str, object] = {"preferred_username": "admin", "groups": ["coremon-admins"]}
    impostor = sign_in(server, provider, "u-3003", claims)
    assert impostor.back.headers["location"].startswith("/login?error=")
    assert impostor.browser.get("/api/v1/auth/me").status_code == 401


def test_bad_oidc_configuration_stops_the_start(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.support.server import REPO

    result = subprocess.run(
        [sys.executable, "-m", "core_monitor", "serve"],
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(REPO),
            "COREMON_DATA_DIR": str(tmp_path),
            "COREMON_OIDC_ISSUER": "http://localhost:1",
            "COREMON_OIDC_ROLE_MAP": "admins=superuser",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("coremon: ")
