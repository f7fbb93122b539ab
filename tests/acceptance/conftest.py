"""What the acceptance modules share. Each module starts its own server (a module-scoped
`server` fixture, usually ``served(...)`` with the environment it needs); ``api`` is the test
admin's client on it, and ``stack`` names a fresh stack (``<STACK_PREFIX>-<random>``, the
module's prefix) and removes whatever ran under that name."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.support.api_client import Api
from tests.support.docker_probe import remove_project
from tests.support.server import ServerProcess


@pytest.fixture
def api(server: ServerProcess) -> Iterator[Api]:
    client = Api(server.url, server.headers)
    yield client
    client.close()


@pytest.fixture
def stack(request: pytest.FixtureRequest) -> Iterator[str]:
    prefix = getattr(request.module, "STACK_PREFIX", "acc")
    name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    yield name
    remove_project(name)
