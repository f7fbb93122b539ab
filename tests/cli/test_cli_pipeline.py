"""The CLI as a pipeline uses it: a `coremon serve` subprocess with its worker and a real
engine, and `coremon` itself run as a process — create, plan, apply --wait, diff, edit,
diff, apply --wait, rollback --wait, status; a wait that runs out of time; a followed log;
and examples/ci-deploy.sh (so the README's CI example cannot rot)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.docker_probe import remove_project
from tests.support.server import REPO, ServerProcess, served

pytestmark = [pytest.mark.docker, pytest.mark.slow]

IMAGE = "coremon-test/busybox:latest"
V1 = f"""services:
  web:
    image: {IMAGE}
    command: [sh, -c, 'echo serving v$$VERSION; exec sleep 3600']
    environment: {{VERSION: "1"}}
"""
V2 = V1.replace('VERSION: "1"', 'VERSION: "2"')
SLOW = f"""services:
  db:
    image: {IMAGE}
    command: [sleep, "3600"]
    healthcheck: {{test: [CMD, "false"], interval: 1s, start_period: 120s}}
  web:
    image: {IMAGE}
    command: [sleep, "3600"]
    depends_on: {{db: {{condition: service_healthy}}}}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from served(tmp_path_factory, "cli-pipeline")


@pytest.fixture(scope="module")
def env(server: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A CI job's environment: the server's URL and an operator's API token, nothing else."""
    token = httpx.post(
        f"{server.url}/api/v1/tokens",
        json={"name": "ci", "role": "operator", "expires_in_days": 1},
        headers=server.headers,
        timeout=30,
    )
    assert token.status_code == 201, token.text
    bin_dir = str(Path(sys.executable).parent)
    return {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "COREMON_URL": server.url,
        "COREMON_TOKEN": token.json()["token"],
        "XDG_CONFIG_HOME": str(tmp_path_factory.mktemp("ci-home")),
        "COLUMNS": "200",
    }


@pytest.fixture
def stack() -> Iterator[str]:
    name = f"clipipe-{uuid.uuid4().hex[:8]}"
    yield name
    remove_project(name)


def coremon(
    env: dict[str, str], *args: str, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "core_monitor", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=REPO,
    )


def test_a_pipeline_deploys_changes_and_rolls_back(
    env: dict[str, str], stack: str, tmp_path: Path
) -> None:
    v1, v2 = tmp_path / "v1.yaml", tmp_path / "v2.yaml"
    v1.write_text(V1)
    v2.write_text(V2)

    def ok(*args: str, code: int = 0) -> str:
        result = coremon(env, *args)
        assert result.returncode == code, (args, result.stdout, result.stderr)
        return result.stdout

    ok("stack", "create", stack, "-f", str(v1))
    assert "create_container" in ok("stack", "plan", stack)
    applied = json.loads(ok("stack", "apply", stack, "--wait", "--timeout", "2m", "-o", "json"))
    assert applied["status"] == "DONE" and applied["type"] == "APPLY"
    ok("stack", "diff", stack)  # the applied version is the latest
    ok("stack", "edit", stack, "-f", str(v2), "--parent", "1")
    assert "VERSION" in ok("stack", "diff", stack, code=1)
    ok("stack", "apply", stack, "--wait", "--timeout", "2m")
    rolled = json.loads(ok("stack", "rollback", stack, "--wait", "--timeout", "2m", "-o", "json"))
    assert rolled["type"] == "ROLLBACK" and rolled["payload"] == {"version": 1}
    status = json.loads(ok("stack", "status", stack, "-o", "json"))
    assert status["current_version"] == 1 and status["status"] == "RUNNING"
    assert "serving v1" in _first_followed_line(env, stack)


def _first_followed_line(env: dict[str, str], stack: str) -> str:
    """`stack logs -f` prints the lines as they come (read one, then stop it)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "core_monitor", "stack", "logs", stack, "-f", "--tail", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO,
    )
    try:
        assert process.stdout is not None
        return process.stdout.readline()
    finally:
        process.terminate()
        process.wait(10)


def test_a_wait_that_runs_out_of_time_is_exit_3(
    env: dict[str, str], stack: str, tmp_path: Path
) -> None:
    slow = tmp_path / "slow.yaml"
    slow.write_text(SLOW)
    assert coremon(env, "stack", "create", stack, "-f", str(slow)).returncode == 0
    started = time.monotonic()
    result = coremon(env, "stack", "apply", stack, "--wait", "--timeout", "3s", "-q")
    assert result.returncode == 3, (result.stdout, result.stderr)
    assert time.monotonic() - started < 30
    assert "timed out after 3 s" in result.stderr
    command_id = result.stderr.split("command ", 1)[1].split()[0]
    cancelled = coremon(env, "command", "cancel", command_id, "-o", "json")
    assert cancelled.returncode == 0, cancelled.stderr
    ended = coremon(env, "command", "logs", command_id, "-f", "--timeout", "2m")
    assert ended.returncode == 0, ended.stderr


def test_the_ci_example_script(env: dict[str, str], stack: str, tmp_path: Path) -> None:
    compose = tmp_path / "compose.yaml"
    compose.write_text(V1)
    script = [str(REPO / "examples" / "ci-deploy.sh")]
    job = {**env, "STACK": stack, "COMPOSE_FILE": str(compose), "TIMEOUT": "2m"}

    def deploy() -> subprocess.CompletedProcess[str]:
        return subprocess.run(script, capture_output=True, text=True, timeout=600, env=job)

    first = deploy()
    assert first.returncode == 0, (first.stdout, first.stderr)
    again = deploy()
    assert again.returncode == 0 and "nothing to apply" in again.stdout, again.stderr
    compose.write_text(V2)
    changed = deploy()
    assert changed.returncode == 0, (changed.stdout, changed.stderr)
    status = json.loads(coremon(env, "stack", "status", stack, "-o", "json").stdout)
    assert status["current_version"] == 3 and status["status"] == "RUNNING"
    compose.write_text("services:\n  web:\n    ports: ['99999:80']\n")
    refused = deploy()
    assert refused.returncode == 4 and "services.web" in refused.stderr
