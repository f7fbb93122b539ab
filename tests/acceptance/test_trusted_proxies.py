"""X-Forwarded-For names the client only when a configured proxy sends it.

A real `coremon serve`; the test client connects from 127.0.0.1 and sends a forged
X-Forwarded-For (documentation addresses: header values only, no traffic goes there).
Login throttling and the audit trail must count the address the server believes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.server import TEST_ADMIN_PASSWORD, ServerProcess

FORGED = "203.0.113.9"
OTHER = "198.51.100.7"


@pytest.fixture
def server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[ServerProcess]:
    process = ServerProcess(
        f"sqlite:///{tmp_path / 'coremon.db'}",
        tmp_path / "server.log",
        COREMON_TRUSTED_PROXIES=request.param,
        COREMON_LOGIN_MAX_FAILURES="2",
        COREMON_WORKER="false",
    )
    try:
        yield process.start()
    finally:
        process.stop()


def login(server: ServerProcess, username: str, password: str, forwarded: str) -> int:
    response = httpx.post(
        f"{server.url}/api/v1/auth/token",
        data={"username": username, "password": password},
        headers={"X-Forwarded-For": forwarded},
        timeout=30,
    )
    return response.status_code


def sources(server: ServerProcess, action: str, outcome: str) -> set[str]:
    response = httpx.get(
        f"{server.url}/api/v1/audit",
        params={"action": action, "outcome": outcome},
        headers=server.headers,
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return {entry["source"] for entry in response.json()["items"]}


@pytest.mark.parametrize(
    ("server", "client"),
    [
        ("", "127.0.0.1"),  # the default: no proxy is trusted
        ("10.0.0.0/8, 127.0.0.1", FORGED),
    ],
    indirect=["server"],
    ids=["none", "trusted"],
)
def test_the_client_address_comes_from_a_trusted_proxy_only(
    server: ServerProcess, client: str
) -> None:
    admin = server.headers  # the admin logs in before any address is locked
    created = httpx.post(
        f"{server.url}/api/v1/stacks",
        json={"name": "shop", "compose": "services: {web: {image: busybox:1}}"},
        headers={**admin, "X-Forwarded-For": FORGED},
        timeout=30,
    )
    assert created.status_code == 201, created.text
    assert sources(server, "stack.create", "ok") == {client}

    for name in ("nobody-1", "nobody-2"):
        assert login(server, name, "wrong", FORGED) == 401
    assert sources(server, "auth.login", "denied") == {client}
    # the address that failed twice is locked: a right password from it is refused …
    assert login(server, "admin", TEST_ADMIN_PASSWORD, FORGED) == 429
    # … and another forwarded address is the same client unless a proxy vouches for it
    expected = 429 if client == "127.0.0.1" else 200
    assert login(server, "admin", TEST_ADMIN_PASSWORD, OTHER) == expected
