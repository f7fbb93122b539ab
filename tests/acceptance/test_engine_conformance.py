"""Docker Compose v2 is the oracle for the engine: same file, same result on the engine.

Each ``tests/fixtures/engine/*.yaml`` is brought up by ``docker compose up -d`` (project
``conf-<n>-<run>-c``), read back through ``docker inspect`` and taken down again; then the same
file goes through our API (stack ``conf-<n>-<run>-o``: create, APPLY, read back, DELETE with
remove_volumes). The two projections (tests/support/engine_oracle.py) must agree field by field,
except for the deliberate differences listed in KNOWN_DIFFERENCES.

The two projects run one after the other, not side by side: the files use fixed host ports,
fixed container/network/volume names and fixed subnets, which cannot exist twice at once.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.api_client import Api
from tests.support.docker_probe import docker, remove_project, require_docker
from tests.support.engine_oracle import (
    anonymous_volumes,
    compose,
    diff,
    leftovers,
    snapshot,
)
from tests.support.helpers import missing
from tests.support.server import ServerProcess

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "engine"
FILES = sorted(FIXTURES.glob("*.yaml"))
BIND_ROOT = Path("/tmp/coremon-conf")  # the absolute bind sources the fixtures use
RUN = uuid.uuid4().hex[:6]

# regex over a whole difference line (as engine_oracle.diff prints it) → why it cannot matter.
# Projections that make equal things compare equal (Ulimits
# order) are in engine_oracle itself, each with its reason.
KNOWN_DIFFERENCES: dict[str, str] = {
    r"containers\.[^.]+\.RestartPolicy\.Name: compose='' ours='no'": (
        "no `restart:` key: Compose sends an empty policy name, we send 'no' (the normalized "
        "model defaults restart to 'no'); the engine treats both as 'never restart'"
    ),
}


def _known(line: str) -> bool:
    return any(re.fullmatch(pattern, line) for pattern in KNOWN_DIFFERENCES)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    require_docker()
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode != 0:
        missing("docker compose v2 is not installed")
    for image in ("coremon-test/busybox:latest", "coremon-test/busybox:alt"):
        if subprocess.run(["docker", "image", "inspect", image], capture_output=True).returncode:
            missing(f"test image {image} missing: run scripts/build-test-images.sh")
    tmp = tmp_path_factory.mktemp("conformance")
    server = ServerProcess(
        f"sqlite:///{tmp / 'coremon.db'}",
        tmp / "server.log",
        COREMON_QUEUE_ON_FAILURE="continue",  # one failing file must not hold the queue
    ).start()
    client = Api(server.url)
    # Parity with Compose is the point here, not the host policy: these files use
    # privileged, host namespaces, devices, capabilities… on purpose.
    everything = {rule: {"enabled": False} for rule in client.http.get("/policy").json()["rules"]}
    relaxed = client.http.put("/policy", json={"rules": everything})
    assert relaxed.status_code == 200, relaxed.text
    yield client
    client.close()
    server.stop()
    shutil.rmtree(BIND_ROOT, ignore_errors=True)


def _reset_bind_root() -> None:
    shutil.rmtree(BIND_ROOT, ignore_errors=True)
    (BIND_ROOT / "bind").mkdir(parents=True)


def _check_own_labels(snap: dict[str, Any]) -> list[str]:
    problems = []
    for name, own in snap["_own_labels"].items():
        for key in (
            "com.docker.compose.project",
            "com.docker.compose.service",
            "com.docker.compose.container-number",
        ):
            if key not in own:
                problems.append(f"{name}: our container lacks label {key}")
    return problems


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_same_engine_state_as_compose(api: Api, path: Path) -> None:
    n = FILES.index(path)
    ours, theirs = f"conf-{n}-{RUN}-o", f"conf-{n}-{RUN}-c"
    text = path.read_text()
    subnets = _subnets(text)
    _reset_bind_root()
    try:
        compose(theirs, "-f", str(path), "up", "-d", "--quiet-pull", cwd=str(FIXTURES))
        expected = snapshot(theirs, subnets)
        compose(theirs, "-f", str(path), "down", "-v", "--remove-orphans", cwd=str(FIXTURES))
        assert leftovers(theirs) == {"container": [], "network": [], "volume": []}
        _reset_bind_root()

        api.create_stack(ours, text)
        api.apply(ours, 1)
        actual = snapshot(ours, subnets)
        api.run(f"/stacks/{ours}/delete", {"remove_volumes": True})
        assert leftovers(ours) == {"container": [], "network": [], "volume": []}
        remaining = [v for v in anonymous_volumes(actual) if _volume_exists(v)]
        assert remaining == [], f"anonymous volumes left behind: {remaining}"
    finally:
        for project in (theirs, ours):
            _force_cleanup(project)

    assert expected["containers"], f"compose started nothing for {path.name}"
    problems = [line for line in diff(expected, actual) if not _known(line)]
    problems += _check_own_labels(actual)
    assert not problems, f"{path.name}: ours differs from Compose:\n" + "\n".join(problems)


def _subnets(text: str) -> set[str]:
    networks = (yaml.safe_load(text) or {}).get("networks") or {}
    return {
        str(entry["subnet"])
        for network in networks.values()
        for entry in ((network or {}).get("ipam") or {}).get("config") or []
        if entry.get("subnet")
    }


def _volume_exists(name: str) -> bool:
    return (
        subprocess.run(["docker", "volume", "inspect", name], capture_output=True).returncode == 0
    )


def _force_cleanup(project: str) -> None:
    anonymous = []
    for line in docker(
        "ps", "-aq", "--filter", f"label=com.docker.compose.project={project}"
    ).split():
        mounts = docker("inspect", "-f", "{{range .Mounts}}{{.Name}} {{end}}", line).split()
        anonymous += [m for m in mounts if re.fullmatch(r"[0-9a-f]{64}", m)]
    remove_project(project)
    for volume in anonymous:
        subprocess.run(["docker", "volume", "rm", volume], capture_output=True)
