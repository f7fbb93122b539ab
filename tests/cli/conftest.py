"""The client CLI run through Typer's runner against the real app in this process: its HTTP
client is a TestClient (an ASGI transport) on a real SQLite store, with the real engine's
executors and a worker (or none), authenticated by an admin API token."""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from core_monitor.api.app import create_app
from core_monitor.cli.client.http import Transport
from core_monitor.cli.main import app as coremon
from core_monitor.runtime import Runtime
from tests.support.docker_probe import remove_project, require_docker
from tests.support.helpers import login, make_settings

GOLDEN = Path(__file__).resolve().parents[1] / "fixtures" / "cli"
IMAGE = "coremon-test/busybox:latest"
BASE = "http://testserver"
# values that differ from run to run, each replaced by its key's name in golden files
VOLATILE = {
    "stack_id",
    "command_id",
    "created_at",
    "updated_at",
    "started_at",
    "finished_at",
    "observed_at",
    "latest_version_at",
    "content_hash",
    "location",
    "id",
    "config_hash",
    "image_id",
    "uptime_seconds",
    "time",
    "last_updated",
    "name_suffix",
    "container_id",
}


# the in-process server's own log lines, which land on the same stdout as the CLI's output
SERVER_LOG = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[")


@dataclass(frozen=True)
class Run:
    exit_code: int
    stdout: str
    stderr: str


class Cli:
    """`coremon …` in this process, against ``client``'s app (whose runtime a test may use
    to arrange a state the API cannot make)."""

    def __init__(self, client: TestClient, token: str, home: Path, stack: str) -> None:
        self.client = client
        self.token = token
        self.home = home
        self.stack = stack
        self.runner = CliRunner()

    @property
    def runtime(self) -> Runtime:
        runtime: Runtime = self.client.app.state.runtime  # type: ignore[attr-defined]
        return runtime

    def env(self, **extra: str | None) -> dict[str, str | None]:
        base: dict[str, str | None] = {
            "COREMON_TOKEN": self.token,
            "COREMON_URL": BASE,
            "XDG_CONFIG_HOME": str(self.home),
            "COLUMNS": "200",
        }
        return {**base, **extra}

    def __call__(self, *args: str, input: str | None = None, **env: str | None) -> Run:
        Transport.factory = lambda _url: self.client
        try:
            result = self.runner.invoke(coremon, list(args), input=input, env=self.env(**env))
        finally:
            Transport.factory = None
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        lines = result.stdout.splitlines(keepends=True)
        stdout = "".join(line for line in lines if not SERVER_LOG.match(line))
        return Run(result.exit_code, stdout, result.stderr)

    def json(self, *args: str, code: int = 0) -> Any:
        result = self(*args, "-o", "json")
        assert result.exit_code == code, (args, result.stdout, result.stderr)
        return json.loads(result.stdout)


def normalized(value: Any, stack: str, volatile: frozenset[str] = frozenset()) -> Any:
    """``value`` with ids, times and the stack's random name made constant (and the values of
    the keys in ``volatile``, too)."""
    if isinstance(value, dict):
        return {
            k: (
                f"<{k}>"
                if (k in VOLATILE or k in volatile) and v is not None
                else normalized(v, stack, volatile)
            )
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [normalized(v, stack, volatile) for v in value]
    if isinstance(value, str):
        return re.sub(r"[0-9a-f]{32}", "<hex>", value.replace(stack, "<stack>"))
    return value


def check_golden(name: str, value: Any, stack: str, *volatile: str) -> None:
    """Equal to tests/fixtures/cli/<name>.json (COREMON_UPDATE_GOLDEN=1 rewrites it);
    ``volatile``: more keys whose values differ from run to run."""
    path = GOLDEN / f"{name}.json"
    got = normalized(value, stack, frozenset(volatile))
    if os.environ.get("COREMON_UPDATE_GOLDEN") == "1":
        path.write_text(json.dumps(got, indent=2, sort_keys=True) + "\n")
    assert got == json.loads(path.read_text()), f"{name}: {json.dumps(got, indent=2)}"


def admin_token(client: TestClient) -> str:
    response = client.post(
        "/api/v1/tokens", json={"name": "cli tests", "role": "admin", "expires_in_days": 1}
    )
    assert response.status_code == 201, response.text
    return str(response.json()["token"])


@pytest.fixture
def make_cli(tmp_path: Path) -> Iterator[Callable[..., Cli]]:
    """``make_cli(worker, **settings)``: a Cli on a fresh server, with the queue worker or
    without (``settings``: more of the server's settings)."""
    require_docker()
    opened: list[tuple[TestClient, str]] = []

    def make(worker: bool, **overrides: object) -> Cli:
        data = tmp_path / f"server-{len(opened)}"
        data.mkdir()
        database = f"sqlite:///{data / 'coremon.db'}"
        settings = make_settings(database, data_dir=str(data), **overrides)
        runtime = Runtime.build(settings)
        client = TestClient(create_app(runtime, run_worker=worker)).__enter__()
        login(client)
        stack = f"clitest-{uuid.uuid4().hex[:8]}"
        opened.append((client, stack))
        home = tmp_path / f"home-{len(opened)}"
        return Cli(client, admin_token(client), home, stack)

    yield make
    for client, stack in opened:
        client.__exit__(None, None, None)  # the app's lifespan closes the runtime
        remove_project(stack)


@pytest.fixture
def cli(make_cli: Callable[..., Cli]) -> Cli:
    """A Cli on a server whose worker runs the real engine's commands."""
    return make_cli(True)


def compose_file(directory: Path, body: str, name: str = "compose.yaml") -> Path:
    path = directory / name
    path.write_text(body)
    return path
