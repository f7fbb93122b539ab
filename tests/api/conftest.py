from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from core_monitor.api.app import create_app
from core_monitor.queue.executors import ExecutorRegistry
from core_monitor.runtime import Runtime
from tests.support.executors import register
from tests.support.helpers import login, make_settings


@pytest.fixture
def runtime(database_url: str) -> Runtime:
    # Only the test executors: these API tests need no Docker engine, and APPLY has no
    # executor here (that is what the halted-queue test relies on).
    registry = ExecutorRegistry()
    register(registry)
    rt = Runtime.build(make_settings(database_url), registry=registry)
    return rt


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    """The test admin's client (a server without a worker)."""
    with TestClient(create_app(runtime, run_worker=False)) as test_client:
        login(test_client)
        yield test_client


@pytest.fixture
def working_client(runtime: Runtime) -> Iterator[TestClient]:
    """The test admin's client, on a server that runs the queue worker."""
    with TestClient(create_app(runtime, run_worker=True)) as test_client:
        login(test_client)
        yield test_client
