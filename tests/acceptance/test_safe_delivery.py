"""Safe delivery on a real engine (issue 20): versions pinned to the images that ran, the
atomic apply that reverts itself (also across a kill -9), and the freeze after a rollback.

Two distinct images are built locally from the test busybox (a file that differs), and a
unique ``<repo>:1`` tag is moved between them as a registry tag would move."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.api_client import Api
from tests.support.docker_probe import containers, docker, remove_project
from tests.support.server import ServerProcess, served

STACK_PREFIX = "dlv"
BASE = "coremon-test/busybox:latest"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from served(tmp_path_factory, "delivery")


def build(tag: str, content: str) -> str:
    """An image from the test busybox with /which holding ``content``: its ID."""
    dockerfile = f"FROM {BASE}\nRUN echo {content} > /which\n"
    subprocess.run(
        ["docker", "build", "-q", "-t", tag, "-"],
        input=dockerfile.encode(),
        capture_output=True,
        check=True,
        timeout=120,
    )
    return docker("image", "inspect", "-f", "{{.Id}}", tag).strip()


@pytest.fixture
def images() -> Iterator[tuple[str, str, str]]:
    """(the moving tag, image A's ID, image B's ID); the tag points at A."""
    repo = f"dlvtest-{uuid.uuid4().hex[:8]}/app"
    a = build(f"{repo}:a", f"A-{repo}")
    b = build(f"{repo}:b", f"B-{repo}")
    docker("tag", f"{repo}:a", f"{repo}:1")
    yield f"{repo}:1", a, b
    for tag in ("1", "a", "b"):
        subprocess.run(["docker", "rmi", f"{repo}:{tag}"], capture_output=True, timeout=60)
    for image in (a, b):
        subprocess.run(["docker", "rmi", image], capture_output=True, timeout=60)


def service(image: str, extra: str = "") -> str:
    return (
        "services:\n  app:\n"
        f"    image: {image}\n"
        '    command: ["sleep", "3600"]\n'
        "    volumes: [data:/data]\n" + extra + "volumes: {data: {}}\n"
    )


def running_image(stack: str) -> tuple[str, str]:
    """(image ID, version label) of the stack's one app container."""
    (found,) = [c for c in containers(stack).values() if c["State"]["Running"]]
    return found["Image"], found["Config"]["Labels"]["io.coremon.version"]


def test_rollback_runs_what_ran_even_after_the_tag_moved(
    api: Api, stack: str, images: tuple[str, str, str]
) -> None:
    tag, a, b = images
    api.create_stack(stack, service(tag))
    api.apply(stack, 1)
    assert running_image(stack) == (a, "1")
    pins = api.http.get(f"/stacks/{stack}/versions/1").json()["pins"]
    assert (pins["app"]["image_id"], pins["app"]["reference"]) == (a, tag)

    docker("tag", b, tag)  # the tag moves, as a registry's would
    api.new_version(stack, service(tag, "    environment: {V: '2'}\n"))
    api.apply(stack, 2)
    assert running_image(stack) == (b, "2")
    diff = api.http.get(f"/stacks/{stack}/versions/1/diff/2").json()
    assert [(i["service"], i["from_image_id"], i["to_image_id"]) for i in diff["images"]] == [
        ("app", a, b)
    ]

    recreate = [s for s in api.plan(stack, 1) if s["kind"] == "recreate_container"]
    assert [(s["details"]["pinned"], s["details"]["tag_image"]) for s in recreate] == [(a, b)]
    assert f"pinned to {a} (tag {tag} now points to {b})" in recreate[0]["reason"]
    pinned = api.http.get("/images", params={"pinned": 1}).json()
    assert {a, b} <= {i["id"] for i in pinned}

    api.run(f"/stacks/{stack}/rollback/1", {"reason": "v2 broke checkout"})
    assert running_image(stack) == (a, "1")  # what ran, not where the tag points

    # freeze: set by the rollback, respected by APPLY unless forced, lifted by unfreeze
    frozen = api.http.get(f"/stacks/{stack}").json()["frozen"]
    assert (frozen["version"], frozen["by"], frozen["reason"]) == (1, "admin", "v2 broke checkout")
    refused = api.http.post(f"/stacks/{stack}/apply/2")
    assert refused.status_code == 409, refused.text
    assert "frozen at v1" in refused.json()["detail"]
    assert "v2 broke checkout" in refused.json()["detail"]
    api.run(f"/stacks/{stack}/apply/2", {"force": True})
    assert running_image(stack) == (b, "2")
    stack_id = api.http.get(f"/stacks/{stack}").json()["stack_id"]
    trail = api.http.get("/audit", params={"target": f"stack:{stack_id}", "limit": 50}).json()
    seen = [(e["action"], e["outcome"]) for e in reversed(trail["items"])]
    assert ("command.rollback", "ok") in seen
    assert ("stack.freeze", "ok") in seen
    assert ("command.apply", "refused") in seen
    forced = [e for e in trail["items"] if e["details"].get("payload", {}).get("force")]
    assert [e["outcome"] for e in forced] == ["ok"]
    assert api.http.post(f"/stacks/{stack}/unfreeze").status_code == 200
    assert api.http.get(f"/stacks/{stack}").json()["frozen"] is None
    assert api.http.post(f"/stacks/{stack}/unfreeze").status_code == 409
    unfrozen = api.http.get("/audit", params={"action": "stack.unfreeze"}).json()["items"]
    assert any(e["target"] == f"stack:{stack_id}" for e in unfrozen)

    # the pinned image goes: a rollback to it is refused, unless re-pinned to the tag
    for ref in (f"{tag.rsplit(':', 1)[0]}:a",):
        docker("rmi", ref)
    refused = api.http.post(f"/stacks/{stack}/rollback/1")
    assert refused.status_code == 409, refused.text
    assert "service 'app'" in refused.json()["detail"] and a in refused.json()["detail"]
    api.run(f"/stacks/{stack}/rollback/1", {"allow_repin": True})
    assert running_image(stack) == (b, "1")
    pins = api.http.get(f"/stacks/{stack}/versions/1").json()["pins"]
    assert pins["app"]["image_id"] == b


def volume_file(stack: str) -> str:
    return docker("run", "--rm", "-v", f"{stack}_data:/data", BASE, "cat", "/data/f").strip()


FAILING = "    healthcheck: {test: [CMD, 'false'], interval: 1s, timeout: 1s, retries: 1}\n"


def test_atomic_apply_of_a_failing_version_reverts_to_the_previous_one(
    api: Api, stack: str, images: tuple[str, str, str]
) -> None:
    tag, a, b = images
    api.create_stack(stack, service(tag))
    api.apply(stack, 1)
    docker("run", "--rm", "-v", f"{stack}_data:/data", BASE, "sh", "-c", "echo kept > /data/f")
    docker("tag", b, tag)
    api.new_version(stack, service(tag, FAILING))
    result = api.run(f"/stacks/{stack}/apply/2", {"atomic": True, "timeout": "30s"}, "FAILED")
    assert "reverted to v1" in result["error"]
    assert "service 'app' unhealthy" in result["error"]
    assert "last health check: exit 1" in result["error"]
    assert running_image(stack) == (a, "1")  # v1's container, on v1's image
    assert volume_file(stack) == "kept"
    body = api.http.get(f"/stacks/{stack}").json()
    assert body["current_version"] == 1
    # the FAILED command halts the queue like any other, until dismissed
    dismissed = api.http.post(
        f"/commands/{result['command_id']}/dismiss", json={"reason": "reverted, seen"}
    )
    assert dismissed.status_code == 200, dismissed.text
    # a one-shot that exits 0 passes the gate
    oneshot = "  migrate:\n    image: " + BASE + '\n    command: ["true"]\n    restart: "no"\n'
    v3 = api.new_version(stack, service(tag).replace("volumes: {data", oneshot + "volumes: {data"))
    api.run(f"/stacks/{stack}/apply/{v3}", {"atomic": True, "timeout": "30s"})


def test_a_kill9_during_the_revert_is_finished_by_the_next_worker(
    tmp_path: Path, images: tuple[str, str, str]
) -> None:
    tag, a, b = images
    stack = f"{STACK_PREFIX}-k9-{uuid.uuid4().hex[:6]}"
    url = f"sqlite:///{tmp_path / 'coremon.db'}"
    env = {"COREMON_LEASE_SECONDS": "2"}
    first = ServerProcess(url, tmp_path / "s1.log", **env).start()
    second: ServerProcess | None = None
    try:
        api = Api(first.url, first.headers)
        api.create_stack(stack, service(tag))
        api.apply(stack, 1)
        docker("tag", b, tag)
        # PID 1 ignores SIGTERM: taking v2's container down waits its whole grace period,
        # which is when the worker is killed
        api.new_version(stack, service(tag, FAILING + "    stop_grace_period: 20s\n"))
        command = api.enqueue(f"/stacks/{stack}/apply/2", {"atomic": True, "timeout": "30s"})
        deadline = time.monotonic() + 60
        while not any(m.startswith("gate failed") for m in api.log_messages(command)):
            assert time.monotonic() < deadline, api.log_messages(command)
            time.sleep(0.2)
        time.sleep(3)  # inside the revert's stop of v2's container
        first.kill9()
        api.close()
        second = ServerProcess(url, tmp_path / "s2.log", **env).start()
        api = Api(second.url, second.headers)
        result = api.wait(command, timeout=120)
        assert result["status"] == "FAILED", result
        assert "reverted to v1" in result["error"]
        assert result["attempts"] == 2
        logs = api.http.get(f"/commands/{command}/logs").json()
        again = [line["message"] for line in logs if line["attempt"] == 2]
        assert any(m.startswith("resuming the revert") for m in again), again
        assert not any(m.startswith("apply v2") for m in again), again  # never forward again
        assert running_image(stack) == (a, "1")
        assert len(containers(stack)) == 1
        api.close()
    finally:
        for process in (first, second):
            if process is not None:
                process.stop()
        remove_project(stack)
