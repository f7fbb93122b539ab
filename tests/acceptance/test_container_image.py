"""The production image: builds offline, runs as non-root, migrates, serves, turns healthy.

Builds with scripts/build-image.sh (debootstrap base + host wheelhouse: no registry needed),
starts it with scripts/run-container.sh as the README says (compose.yaml: data volume, Docker
socket, the socket's group read from the socket and added) and talks to it only through a port
published on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.helpers import missing
from tests.support.server import free_port, login_headers

pytestmark = [pytest.mark.docker, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
IMAGE = os.environ.get("COREMON_TEST_IMAGE", "core-monitor:test")
# Set to 1 to test an image built beforehand (e.g. by a CI step) without rebuilding it.
PREBUILT = os.environ.get("COREMON_TEST_IMAGE_PREBUILT") == "1"
SOCKET = Path("/var/run/docker.sock")
HEALTH_WAIT = 60.0


def docker(*args: str, timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"docker {' '.join(args)} failed ({result.returncode}): {result.stderr.strip()}"
        )
    return result


def require_docker() -> None:
    if shutil.which("docker") is None:
        missing("docker CLI not installed")
    try:
        info = subprocess.run(
            ["docker", "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except subprocess.TimeoutExpired:
        missing("Docker engine does not answer (docker info timed out)")
        return
    if info.returncode != 0:
        missing(f"Docker engine unavailable: {info.stderr.strip().splitlines()[-1:]}")
    if not SOCKET.is_socket():
        missing(f"{SOCKET} missing: the container needs the engine's socket")


@pytest.fixture(scope="module")
def image() -> str:
    require_docker()
    if PREBUILT:
        docker("image", "inspect", IMAGE)
        return IMAGE
    started = time.monotonic()
    build = subprocess.run(
        [str(ROOT / "scripts" / "build-image.sh"), IMAGE],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1500,
        check=False,
    )
    assert build.returncode == 0, f"build-image.sh failed:\n{build.stdout}\n{build.stderr}"
    print(f"{build.stdout.strip()} (fixture: {time.monotonic() - started:.0f} s)")
    return IMAGE


@dataclass
class Running:
    container_id: str
    base_url: str

    def inspect(self) -> dict[str, Any]:
        out = docker("inspect", self.container_id).stdout
        result: dict[str, Any] = json.loads(out)[0]
        return result

    def logs(self) -> str:
        result = docker("logs", "--tail", "60", self.container_id, check=False)
        return result.stdout + result.stderr


@pytest.fixture
def running(image: str) -> Iterator[Running]:
    """The image started the way the README says: scripts/run-container.sh (compose.yaml, the
    socket's group read from the socket), under a project and a port of its own."""
    project = f"coremon-imgtest-{uuid.uuid4().hex[:10]}"
    env = {
        **os.environ,
        "COREMON_IMAGE": image,
        "COMPOSE_PROJECT_NAME": project,
        "COREMON_PUBLISH_PORT": str(free_port()),
    }
    env.pop("DOCKER_GID", None)  # the script finds it
    container_id = ""
    try:
        started = subprocess.run(
            [str(ROOT / "scripts" / "run-container.sh"), "--no-build"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert started.returncode == 0, f"run-container.sh failed:\n{started.stderr}"
        assert f"socket's group {SOCKET.stat().st_gid}," in started.stdout, started.stdout
        label = f"label=com.docker.compose.project={project}"
        container_id = docker("ps", "-q", "--filter", label).stdout.strip()
        assert container_id, f"no container of {project}: {started.stdout}"
        groups = json.loads(docker("inspect", container_id).stdout)[0]["HostConfig"]["GroupAdd"]
        assert groups == [str(SOCKET.stat().st_gid)]
        port_line = docker("port", container_id, "8080/tcp").stdout.splitlines()[0].strip()
        host, _, port = port_line.rpartition(":")
        assert host == "127.0.0.1", port_line
        yield Running(container_id, f"http://127.0.0.1:{port}")
    finally:
        if container_id:
            docker("rm", "-f", "-v", container_id, check=False)
        docker("volume", "rm", "-f", f"{project}_coremon-data", check=False)
        docker("network", "rm", f"{project}_default", check=False)


def test_compose_refuses_to_guess_the_sockets_group() -> None:
    """Without DOCKER_GID, compose.yaml names what to set rather than assuming a number."""
    require_docker()
    env = {k: v for k, v in os.environ.items() if k != "DOCKER_GID"}
    config = subprocess.run(
        ["docker", "compose", "-f", str(ROOT / "compose.yaml"), "config"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert config.returncode != 0
    assert "DOCKER_GID" in config.stderr and "stat -c %g" in config.stderr


def one_time_password(app: Running) -> str:
    """The image logs JSON lines; the first start prints the admin's password once."""
    logs = docker("logs", app.container_id, check=False)
    text = logs.stdout + logs.stderr
    found = []
    for line in text.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if "one-time password" in str(entry.get("event", "")):
            found.append(str(entry["password"]))
    assert found, f"no one-time admin password in the log:\n{text[-2000:]}"
    assert len(found) == 1 and text.count(found[0]) == 1, "printed more than once"
    return found[0]


def wait_healthz(app: Running, timeout: float) -> httpx.Response:
    deadline = time.monotonic() + timeout
    last: str = "no answer"
    while time.monotonic() < deadline:
        state = app.inspect()["State"]
        if state["Status"] in {"exited", "dead"}:
            pytest.fail(f"container stopped ({state['ExitCode']}) before answering:\n{app.logs()}")
        try:
            response = httpx.get(f"{app.base_url}/healthz", timeout=2.0)
            if response.status_code == 200:
                return response
            last = f"{response.status_code} {response.text[:200]}"
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(0.5)
    pytest.fail(f"/healthz did not answer 200 within {timeout:.0f} s ({last}):\n{app.logs()}")


def wait_health_status(app: Running, want: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    status = "?"
    while time.monotonic() < deadline:
        health = app.inspect()["State"].get("Health") or {}
        status = health.get("Status", "none")
        if status == want:
            return
        if status == "unhealthy":
            break
        time.sleep(1)
    probes = (app.inspect()["State"].get("Health") or {}).get("Log", [])[-3:]
    pytest.fail(f"health status {status!r}, wanted {want!r}; last probes: {probes}")


def stack_names(body: Any) -> set[str]:
    items = body["items"] if isinstance(body, dict) and "items" in body else body
    return {item["name"] for item in items}


@pytest.mark.timeout(1800)
def test_image_serves_migrates_and_runs_as_non_root(running: Running) -> None:
    health = wait_healthz(running, HEALTH_WAIT)
    assert health.json() == {"status": "ok"}

    config = running.inspect()["Config"]
    assert config["User"] in {"coremon", "10001"}, config["User"]
    assert config.get("Healthcheck", {}).get("Test"), "the image declares no HEALTHCHECK"
    uid = docker("exec", running.container_id, "python3", "-c", "import os; print(os.getuid())")
    assert uid.stdout.strip() == "10001"

    # First start: an `admin` with a one-time password, printed once in the log.
    headers = login_headers(running.base_url, password=one_time_password(running))

    # The schema was migrated on start: the API stores and lists a stack.
    with httpx.Client(base_url=running.base_url, timeout=10.0, headers=headers) as client:
        created = client.post(
            "/api/v1/stacks",
            json={
                "name": "imgtest",
                "compose": "services:\n  web:\n    image: coremon-test/busybox:latest\n",
            },
        )
        assert created.status_code == 201, created.text
        listed = client.get("/api/v1/stacks")
        assert listed.status_code == 200, listed.text
        assert "imgtest" in stack_names(listed.json())

    # The non-root user reaches the engine through the mounted socket and its added group.
    reach = docker(
        "exec",
        running.container_id,
        "python3",
        "-c",
        "import docker; print(docker.from_env().version()['ApiVersion'])",
        check=False,
    )
    assert reach.returncode == 0, f"cannot use the Docker socket as coremon: {reach.stderr}"

    # From inside the container, APPLY drives the host's engine.
    project = f"imgtest-{uuid.uuid4().hex[:6]}"
    try:
        with httpx.Client(base_url=running.base_url, timeout=10.0, headers=headers) as client:
            client.post(
                "/api/v1/stacks",
                json={
                    "name": project,
                    "compose": "services:\n  web:\n    image: coremon-test/busybox:latest\n",
                },
            ).raise_for_status()
            command_id = client.post(f"/api/v1/stacks/{project}/apply/1").json()["command_id"]
            deadline = time.monotonic() + 60
            status = "PENDING"
            while time.monotonic() < deadline and status in ("PENDING", "RUNNING"):
                status = client.get(f"/api/v1/commands/{command_id}").json()["status"]
                time.sleep(0.1)
            assert status == "DONE", client.get(f"/api/v1/commands/{command_id}/logs").text
        state = docker("inspect", "-f", "{{.State.Running}}", f"{project}-web-1")
        assert state.stdout.strip() == "true"
    finally:
        leftovers = docker(
            "ps", "-aq", "--filter", f"label=com.docker.compose.project={project}", check=False
        ).stdout.split()
        if leftovers:
            docker("rm", "-f", *leftovers, check=False)
        docker("network", "rm", f"{project}_default", check=False)

    wait_health_status(running, "healthy", HEALTH_WAIT)
