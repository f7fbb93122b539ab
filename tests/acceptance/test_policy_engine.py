"""The policy on a real engine, where only the engine's host can tell: a link planted through
the API alone (stack A binds an allowed directory and makes links in it; stack B binds a link)
is followed on the host and refused where it leads; a resource of another stack is refused."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.api_client import Api
from tests.support.docker_probe import docker, remove_project, require_docker
from tests.support.server import ServerProcess

IMAGE = "coremon-test/busybox:latest"


@pytest.fixture
def names() -> Iterator[list[str]]:
    taken: list[str] = []
    yield taken
    for name in taken:
        remove_project(name)
    for name in taken:  # once no container holds them
        docker("volume", "rm", "-f", f"{name}_data")


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    require_docker()
    server = ServerProcess(
        f"sqlite:///{tmp_path / 'c.db'}",
        tmp_path / "s.log",
        COREMON_QUEUE_ON_FAILURE="continue",
    ).start()
    client = Api(server.url, server.headers)
    yield client
    client.close()
    server.stop()


def service(name: str, lines: str, top: str = "") -> str:
    return f"services:\n  {name}:\n    image: {IMAGE}\n    init: true\n{lines}{top}"


def test_links_planted_through_the_api_are_followed_on_the_host(
    api: Api, names: list[str], tmp_path: Path
) -> None:
    root = tmp_path / "allowed"
    (root / "x").mkdir(parents=True)
    relaxed = api.http.put("/policy", json={"allowed_bind_roots": [str(root)]})
    assert relaxed.status_code == 200, relaxed.text
    planter, *victims = (f"pol-{uuid.uuid4().hex[:6]}-{i}" for i in range(6))
    names.extend([planter, *victims])
    plant = (
        "ln -s / /x/root; ln -s /var/run/docker.sock /x/sock; mkdir /x/data; "
        "ln -s data /x/inside; ln -s loop /x/loop; exec sleep 600"
    )
    api.create_stack(
        planter,
        service("app", f"    volumes: ['{root}/x:/x']\n    command: [sh, -c, '{plant}']\n"),
    )
    api.apply(planter, 1)
    _wait_for(lambda: (root / "x" / "loop").is_symlink())

    host_root, sock, loop, volume, inside = victims
    cases = {
        host_root: (service("app", f"    volumes: ['{root}/x/root:/host']\n"), "sensitive_paths"),
        sock: (service("app", f"    volumes: ['{root}//x/sock:/s']\n"), "docker_socket"),
        loop: (service("app", f"    volumes: ['{root}/x/loop/:/l']\n"), "bind_outside_roots"),
        volume: (
            service(
                "app",
                "    volumes: [data:/d]\n",
                "volumes:\n  data:\n    driver_opts:\n"
                f"      {{type: none, o: bind, device: '{root}/x/root'}}\n",
            ),
            "sensitive_paths",
        ),
    }
    for name, (text, rule) in cases.items():
        api.create_stack(name, text)  # as written, each source is under the allowed root
        failed = api.apply(name, 1, expect="FAILED")
        assert "refused by the stack policy" in failed["error"], failed
        assert rule in failed["error"], failed
        assert docker("ps", "-aq", "--filter", f"label=com.docker.compose.project={name}") == ""
    assert "'/'" in api.command(_last_apply(api, host_root))["error"]
    assert docker("volume", "ls", "-q", "--filter", f"name={volume}_data") == ""

    # where stack A writes, no other stack binds: A could swap a directory for a link
    # that the other's next start would follow
    api.create_stack(inside, service("app", f"    volumes: ['{root}/x/inside:/d:ro']\n"))
    failed = api.apply(inside, 1, expect="FAILED")
    assert f"which stack '{planter}' binds" in failed["error"], failed
    assert "foreign_resources" in failed["error"]

    # a link that stays inside the allowed root is fine, and the mount is its real path
    (root / "y" / "data").mkdir(parents=True)
    (root / "y" / "inside").symlink_to("data")
    api.new_version(inside, service("app", f"    volumes: ['{root}/y/inside:/d']\n"))
    api.apply(inside, 2)
    source = docker("inspect", "-f", "{{(index .Mounts 0).Source}}", f"{inside}-app-1")
    assert source.strip() == str(root / "y" / "data")
    probes = docker("ps", "-aq", "--filter", "label=io.coremon.probe")
    assert probes == ""  # the host probe is gone once the apply is over


def test_a_volume_of_another_stack_is_refused(api: Api, names: list[str]) -> None:
    owner, thief = (f"pol-{uuid.uuid4().hex[:6]}-{i}" for i in range(2))
    names.extend([owner, thief])
    api.create_stack(owner, service("db", "    volumes: [data:/data]\n", "volumes:\n  data: {}\n"))
    api.apply(owner, 1)
    stolen = f"volumes:\n  data:\n    external: true\n    name: {owner}_data\n"
    api.create_stack(thief, service("app", "    volumes: [data:/loot]\n", stolen))
    failed = api.apply(thief, 1, expect="FAILED")
    assert "foreign_resources" in failed["error"]
    assert f"belongs to stack '{owner}'" in failed["error"]
    # the same name, not external: the engine would hand over the existing volume all the same
    api.new_version(
        thief,
        service("app", "    volumes: [data:/loot]\n", stolen.replace("    external: true\n", "")),
    )
    failed = api.apply(thief, 2, expect="FAILED")
    assert "foreign_resources" in failed["error"]
    assert docker("ps", "-aq", "--filter", f"label=com.docker.compose.project={thief}") == ""


def _last_apply(api: Api, stack: str) -> str:
    commands = api.http.get("/commands", params={"stack": stack}).json()
    items = commands["items"] if isinstance(commands, dict) else commands
    return str(items[0]["command_id"])


def _wait_for(condition: object, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("timed out")
