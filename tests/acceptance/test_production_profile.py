"""The production compose profile (issue 18): PostgreSQL, two Core Monitor replicas and
HAProxy in front of them, started from compose.yaml with Docker Compose v2 as a user would
(`docker compose --profile production up`), under a project and a port of their own.

No registry: the Core Monitor image is built as the container test builds it
(test_container_image's fixture, build-image.sh's cache), PostgreSQL and HAProxy are the
local stand-ins tagged postgres:16 and haproxy:2.8 (scripts/build-catalog-images.sh).
Everything goes through the proxy's port: both replicas turn ready (and neither crashed on
the way: they start together on an empty database), the first admin logs in, an APPLY runs
to DONE, one replica holds the queue lease; that replica's container is killed, the other
takes the lease, and an APPLY enqueued after the kill runs to DONE, its `finished` event
seen by an event-stream client connected through the proxy.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.acceptance import test_container_image as container_image
from tests.support.api_client import Api
from tests.support.docker_probe import remove_project
from tests.support.helpers import missing
from tests.support.server import free_port, login_headers

pytestmark = [pytest.mark.docker, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "compose.yaml"
REPLICAS = ("core-monitor-1", "core-monitor-2")
STAND_INS = ("postgres:16", "haproxy:2.8")
BUSYBOX = "coremon-test/busybox:latest"
SLEEPER = "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"
STACK = f'services:\n  web:\n    image: {BUSYBOX}\n    command: [sh, -c, "{SLEEPER}"]\n'
READY_WAIT = 180.0
LEASE = 10.0  # COREMON_LEASE_SECONDS' default: the profile leaves it so

# the same module fixture as the container test: one build-image.sh run (cached)
image = container_image.image


def require_compose_v2() -> None:
    try:
        found = subprocess.run(
            ["docker", "compose", "version", "--short"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        missing(f"docker compose unusable: {exc}")
        return
    if found.returncode != 0 or not found.stdout.strip().lstrip("v").startswith("2"):
        missing(f"Docker Compose v2 needed (scripts/install-compose.sh): {found.stderr.strip()}")
    for reference in STAND_INS:
        if container_image.docker("image", "inspect", reference, check=False).returncode:
            missing(f"{reference} missing: scripts/build-catalog-images.sh builds its stand-in")
    if container_image.docker("image", "inspect", BUSYBOX, check=False).returncode:
        missing(f"{BUSYBOX} missing: scripts/build-test-images.sh builds it")


@dataclass
class Production:
    project: str
    base_url: str
    env: dict[str, str]
    stacks: list[str] = field(default_factory=list)

    def compose(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["docker", "compose", "-f", str(COMPOSE_FILE), "-p", self.project, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def container(self, service: str) -> str:
        return f"{self.project}-{service}-1"

    def inspect(self, service: str) -> dict[str, Any]:
        out = container_image.docker("inspect", self.container(service)).stdout
        found: dict[str, Any] = json.loads(out)[0]
        return found

    def log_entries(self, service: str) -> list[dict[str, Any]]:
        logs = container_image.docker("logs", self.container(service), check=False)
        entries = []
        for line in (logs.stdout + logs.stderr).splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                entries.append(entry)
        return entries

    def logs(self) -> str:
        return self.compose("logs", "--no-color", "--tail", "40", timeout=60).stdout[-6000:]


@pytest.fixture
def production(image: str) -> Iterator[Production]:
    require_compose_v2()
    project = f"coremon-prodtest-{uuid.uuid4().hex[:10]}"
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    env.update(
        COREMON_IMAGE=image,
        COREMON_PUBLISH_PORT=str(port),
        DOCKER_GID=str(container_image.SOCKET.stat().st_gid),
        # the profile's required secrets: no defaults exist
        POSTGRES_PASSWORD=f"p@ss/{secrets.token_urlsafe(12)}:w rd",  # any character works
        COREMON_SECRET_KEY=secrets.token_urlsafe(24),
    )
    env.pop("COREMON_LEASE_SECONDS", None)
    setup = Production(project, f"http://127.0.0.1:{port}", env)
    try:
        # as the README says: the script (which reads DOCKER_GID from the socket itself)
        started = run_container("--production", "--no-build", env=env, project=project)
        assert started.returncode == 0, f"run-container.sh failed:\n{started.stderr}"
        assert "(production)" in started.stdout, started.stdout
        yield setup
    finally:
        # the replicas first: nothing of theirs acts on the stacks' containers any more
        setup.compose("--profile", "production", "down", "-v", "--remove-orphans", "-t", "5")
        for stack in setup.stacks:
            remove_project(stack)


def run_container(
    *args: str, env: dict[str, str], project: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / "scripts" / "run-container.sh"), *args],
        cwd=ROOT,
        env={
            **{k: v for k, v in env.items() if k != "DOCKER_GID"},
            "COMPOSE_PROJECT_NAME": project,
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_plain_compose_up_is_still_the_single_container() -> None:
    """`docker compose up` starts what it always did (the tracked .env's COMPOSE_PROFILES);
    `--profile production` starts the production set instead, never both (one port)."""
    require_compose_v2()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    env["DOCKER_GID"] = "999"

    def services(*args: str) -> set[str]:
        listed = subprocess.run(
            ["docker", "compose", "-f", str(COMPOSE_FILE), *args, "config", "--services"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert listed.returncode == 0, listed.stderr
        return set(listed.stdout.split())

    assert services() == {"core-monitor"}
    assert services("--profile", "production") == {"postgres", *REPLICAS, "proxy"}


def test_the_production_profile_needs_its_secrets() -> None:
    """No default password or key: the script names what is missing and starts nothing."""
    container_image.require_docker()
    project = f"coremon-prodtest-{uuid.uuid4().hex[:10]}"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("COMPOSE_", "POSTGRES_"))}
    base.pop("COREMON_SECRET_KEY", None)
    cases = {
        "POSTGRES_PASSWORD": {},
        "COREMON_SECRET_KEY": {"POSTGRES_PASSWORD": "pw"},
        "at least 16 characters": {"POSTGRES_PASSWORD": "pw", "COREMON_SECRET_KEY": "short"},
    }
    for said, extra in cases.items():
        refused = run_container(
            "--production", "--no-build", env={**base, **extra}, project=project
        )
        assert refused.returncode == 2 and said in refused.stderr, (said, refused.stderr)
    assert not container_image.docker(
        "ps", "-aq", "--filter", f"label=com.docker.compose.project={project}"
    ).stdout.strip()


def wait_ready(setup: Production) -> None:
    """Both replicas healthy (their /readyz), the proxy answering /readyz for them."""
    deadline = time.monotonic() + READY_WAIT
    health: dict[str, str] = {}
    while time.monotonic() < deadline:
        health = {s: setup.inspect(s)["State"].get("Health", {}).get("Status") for s in REPLICAS}
        if all(status == "healthy" for status in health.values()):
            break
        time.sleep(1)
    else:
        pytest.fail(f"replicas not healthy within {READY_WAIT:.0f} s: {health}\n{setup.logs()}")
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{setup.base_url}/readyz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"the proxy does not answer /readyz 200:\n{setup.logs()}")


def one_time_password(setup: Production) -> str:
    """Printed once, by whichever replica created the first admin."""
    found = [
        str(entry["password"])
        for service in REPLICAS
        for entry in setup.log_entries(service)
        if "one-time password" in str(entry.get("event", ""))
    ]
    assert len(found) == 1, f"one-time password printed {len(found)} times:\n{setup.logs()}"
    return found[0]


def lease_takers(setup: Production, service: str) -> list[str]:
    return [
        str(entry["holder"])
        for entry in setup.log_entries(service)
        if entry.get("event") == "queue lease acquired"
    ]


def worker_of(api: Api, command_id: str) -> str:
    """The replica that ran a command: its attempt line names the lease holder
    ("<hostname>:<pid>:…", the hostname being the service's)."""
    lines = api.http.get(f"/commands/{command_id}/logs").json()
    workers = [line["fields"]["worker"] for line in lines if "worker" in line["fields"]]
    assert workers, lines
    return str(workers[-1]).split(":")[0]


class Follower(threading.Thread):
    """An event-stream client through the proxy, collecting the command events it sees."""

    def __init__(self, base_url: str, headers: dict[str, str], stack: str) -> None:
        super().__init__(daemon=True)
        self.url = f"{base_url}/api/v1/events?stack={stack}"
        self.headers = {**headers, "Accept": "text/event-stream"}
        self.events: list[dict[str, Any]] = []
        self.connected = threading.Event()
        self.error = ""

    def run(self) -> None:
        try:
            with (
                httpx.Client(timeout=httpx.Timeout(10, read=None)) as client,
                client.stream("GET", self.url, headers=self.headers) as response,
            ):
                if response.status_code != 200:
                    self.error = f"{response.status_code}"
                    return
                self.connected.set()
                for line in response.iter_lines():
                    if line.startswith("data:"):
                        self.events.append(json.loads(line[5:]))
        except httpx.HTTPError as exc:
            self.error = repr(exc)

    def saw_finished(self, command_id: str) -> bool:
        return any(
            e.get("kind") == "command"
            and e.get("action") == "finished"
            and e.get("command_id") == command_id
            for e in list(self.events)
        )


def connect_follower(setup: Production, headers: dict[str, str], stack: str) -> Follower:
    deadline = time.monotonic() + 30
    while True:
        follower = Follower(setup.base_url, headers, stack)
        follower.start()
        if follower.connected.wait(10):
            return follower
        assert time.monotonic() < deadline, f"no event stream through the proxy: {follower.error}"
        time.sleep(0.5)


def new_stack(api: Api, setup: Production) -> str:
    name = f"prodprof-{uuid.uuid4().hex[:8]}"
    setup.stacks.append(name)
    api.create_stack(name, STACK)
    return name


def running_web(stack: str) -> bool:
    state = container_image.docker(
        "inspect", "-f", "{{.State.Running}}", f"{stack}-web-1", check=False
    )
    return state.stdout.strip() == "true"


@pytest.mark.timeout(1800)
def test_production_profile_serves_through_the_proxy_and_fails_over(
    production: Production,
) -> None:
    setup = production
    wait_ready(setup)
    for service in REPLICAS:
        state = setup.inspect(service)
        # started together on an empty database, neither died migrating or bootstrapping
        assert state["RestartCount"] == 0, f"{service} restarted:\n{setup.logs()}"
        shared = [m.get("Name") for m in state["Mounts"] if m["Destination"] == "/data"]
        assert shared == [f"{setup.project}_coremon-shared"], state["Mounts"]
        assert not state["HostConfig"]["PortBindings"], "a replica publishes a port itself"
        assert state["HostConfig"]["GroupAdd"] == [setup.env["DOCKER_GID"]]

    headers = login_headers(setup.base_url, password=one_time_password(setup))
    api = Api(setup.base_url, headers)
    first = new_stack(api, setup)
    done = api.apply(first, 1)
    assert running_web(first)

    # exactly one replica took the lease, and it ran the APPLY
    takers = {s: lease_takers(setup, s) for s in REPLICAS}
    assert sum(1 for t in takers.values() if t) == 1, takers
    holder = worker_of(api, done["command_id"])
    assert holder in REPLICAS and takers[holder], (holder, takers)
    survivor = next(s for s in REPLICAS if s != holder)

    container_image.docker("kill", setup.container(holder))
    killed = time.monotonic()
    second = new_stack(api, setup)  # through the proxy, to the survivor
    follower = connect_follower(setup, headers, second)
    command_id = api.enqueue(f"/stacks/{second}/apply/1")
    result = api.wait(command_id, timeout=LEASE + 60)
    failover = time.monotonic() - killed
    assert result["status"] == "DONE", (result, api.log_messages(command_id))
    print(f"\nproduction profile: APPLY enqueued after the kill DONE {failover:.1f} s later")
    assert failover < LEASE + 20, f"{failover:.1f} s from the kill to DONE"
    assert worker_of(api, command_id) == survivor
    assert lease_takers(setup, survivor), "the survivor never took the lease"
    assert running_web(second)

    deadline = time.monotonic() + 10
    while not follower.saw_finished(command_id):
        assert time.monotonic() < deadline, (follower.error, follower.events)
        time.sleep(0.1)
    api.close()
