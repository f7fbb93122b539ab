from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core_monitor.api.app import create_app
from core_monitor.domain.commands import CommandType
from core_monitor.errors import TerminalError
from core_monitor.queue.executors import ExecutionContext, ExecutorRegistry
from core_monitor.runtime import Runtime
from tests.support.executors import register
from tests.support.helpers import login, make_settings

ENGINE_TYPES = frozenset(CommandType) - {CommandType.DEPLOY}
"""The types the engine runs in production (Convergence registers them)."""


def no_engine(ctx: ExecutionContext) -> None:
    raise TerminalError(f"no engine in the API tests: {ctx.command.type} not run")


@pytest.fixture
def runtime(database_url: str, tmp_path: Path) -> Runtime:
    # These API tests need no Docker engine: the engine's types are accepted as in
    # production, and fail if a worker runs them; DEPLOY is the test plug-in's sleeper.
    registry = ExecutorRegistry()
    for command_type in ENGINE_TYPES:
        registry.register(command_type, no_engine)
    register(registry)
    # the artifact store lives in the data directory: the test's own
    rt = Runtime.build(make_settings(database_url, data_dir=tmp_path), registry=registry)
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
