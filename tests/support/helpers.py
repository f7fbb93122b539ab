"""Helpers shared by tests."""

from __future__ import annotations

import os

import pytest

from core_monitor.settings import Settings

IN_CI = os.environ.get("CI") == "true"
POSTGRES_URL = os.environ.get(
    "COREMON_TEST_POSTGRES_URL", "postgresql+psycopg://coremon:coremon@127.0.0.1:5432/coremon_test"
)


def missing(reason: str) -> None:
    """A missing real part fails under CI and skips on a developer's machine."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: a missing engine or database is a failure)")
    pytest.skip(reason)


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "lease_seconds": 2.0,
        "poll_seconds": 0.1,
        "worker": False,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]
