"""Helpers shared by tests."""

from __future__ import annotations

import os
from typing import Any

import pytest

from core_monitor.settings import Settings
from tests.support.server import TEST_ADMIN_PASSWORD

IN_CI = os.environ.get("CI") == "true"
POSTGRES_URL = os.environ.get(
    "COREMON_TEST_POSTGRES_URL", "postgresql+psycopg://coremon:coremon@127.0.0.1:5432/coremon_test"
)


def missing(reason: str) -> None:
    """A missing real part fails under CI and skips on a developer's machine."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing engine or database is a failure)")
    pytest.skip(reason)


TEST_SECRET_KEY = "test-secret-key-not-for-production"


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "lease_seconds": 2.0,
        "poll_seconds": 0.1,
        "worker": False,
        "admin_password": TEST_ADMIN_PASSWORD,
        "secret_key": TEST_SECRET_KEY,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def login(client: Any, username: str = "admin", password: str = TEST_ADMIN_PASSWORD) -> None:
    """Every later request of ``client`` (a TestClient or httpx.Client) carries ``username``'s
    bearer token."""
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
