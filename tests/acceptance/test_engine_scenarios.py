"""Convergence on a real Docker engine, driven through the REST API of a real server."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.api_client import Api
from tests.support.docker_probe import containers, docker, require_docker
from tests.support.server import ServerProcess, served

STACK_PREFIX = "scn"  # the shared `stack` fixture: <prefix>-<random>

IMAGE = "coremon-test/busybox:latest"

TWO = f"""
services:
  db:
    image: {IMAGE}
    volumes: [data:/data]
    healthcheck: {{test: ["CMD", "true"], interval: 1s}}
  web:
    image: {IMAGE}
    environment: {{MODE: blue}}
    depends_on: {{db: {{condition: service_healthy}}}}
volumes:
  data: {{}}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from served(tmp_path_factory, "engine", COREMON_QUEUE_ON_FAILURE="continue")


def ids(project: str) -> dict[str, str]:
    return {name: c["Id"] for name, c in containers(project).items()}


def test_update_one_service_recreates_only_it(api: Api, stack: str) -> None:
    api.create_stack(stack, TWO)
    cold = api.apply(stack, 1)
    # db's first probe runs a second after its start: the cold apply waits for it
    assert "waiting for db to be healthy" in api.log_messages(cold["command_id"])
    before = ids(stack)
    assert sorted(before) == [f"{stack}-db-1", f"{stack}-web-1"]
    v2 = api.new_version(stack, TWO.replace("MODE: blue", "MODE: green"))
    steps = api.plan(stack, v2)
    assert [(s["kind"], s["target"]) for s in steps] == [
        ("recreate_container", f"{stack}-web-1"),
        ("start_container", f"{stack}-web-1"),
    ]
    assert steps[0]["reason"] == "config changed: environment.MODE"
    change = api.log_messages(api.apply(stack, v2)["command_id"])
    assert f"recreate {stack}-web-1: config changed: environment.MODE" in change
    # db is untouched and already healthy: its health is not waited on again (Compose does)
    assert not [line for line in change if "db" in line and "healthy" in line], change
    after = ids(stack)
    assert after[f"{stack}-db-1"] == before[f"{stack}-db-1"]
    assert after[f"{stack}-web-1"] != before[f"{stack}-web-1"]
    web = containers(stack)[f"{stack}-web-1"]
    assert "MODE=green" in web["Config"]["Env"]
    assert web["State"]["Running"]


def compose_cli(*args: str) -> str:
    """The real `docker compose` (v2), given no compose file: it finds a project by label."""
    result = subprocess.run(
        ["docker", "compose", *args], capture_output=True, text=True, timeout=60, cwd="/"
    )
    assert result.returncode == 0, f"docker compose {' '.join(args)}: {result.stderr}"
    return result.stdout


def test_docker_compose_ps_and_logs_work_on_our_stacks(api: Api, stack: str) -> None:
    api.create_stack(
        stack,
        f"""
services:
  web:
    image: {IMAGE}
    command:
      - sh
      - -c
      - "echo hello-from-web; trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"
    scale: 2
  db:
    image: {IMAGE}
""",
    )
    api.apply(stack, 1)
    rows = [
        json.loads(line) for line in compose_cli("-p", stack, "ps", "--format", "json").splitlines()
    ]
    assert sorted((r["Service"], r["Name"], r["State"]) for r in rows) == [
        ("db", f"{stack}-db-1", "running"),
        ("web", f"{stack}-web-1", "running"),
        ("web", f"{stack}-web-2", "running"),
    ]
    logs = compose_cli("-p", stack, "logs", "--no-color", "web")
    said = sorted(line.split("|")[0].strip() for line in logs.splitlines() if "hello" in line)
    assert said == ["web-1", "web-2"], logs  # Compose names each replica by its number label


def test_same_version_twice_plans_nothing_and_changes_nothing(api: Api, stack: str) -> None:
    api.create_stack(stack, TWO)
    api.apply(stack, 1)
    before = {n: (c["Id"], c["State"]["StartedAt"]) for n, c in containers(stack).items()}
    assert api.plan(stack, 1) == []
    api.apply(stack, 1)
    after = {n: (c["Id"], c["State"]["StartedAt"]) for n, c in containers(stack).items()}
    assert after == before


def test_a_container_name_added_changed_or_removed_is_applied_once(api: Api, stack: str) -> None:
    sleeper = f"""
services:
  web:
    image: {IMAGE}
    command: ["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 1 & wait $$!; done"]
"""
    named = sleeper + "    container_name: {}\n"
    api.create_stack(stack, sleeper)
    api.apply(stack, 1)
    versions = [
        (api.new_version(stack, named.format(f"{stack}-custom")), f"{stack}-custom"),  # added
        (api.new_version(stack, named.format(f"{stack}-other")), f"{stack}-other"),  # changed
        (1, f"{stack}-web-1"),  # removed
    ]
    for version, name in versions:
        api.apply(stack, version)
        assert sorted(containers(stack)) == [name]
        assert containers(stack)[name]["State"]["Running"]
        assert api.plan(stack, version) == []  # converged: no recreate under the old name
        again = api.apply(stack, version)
        assert f"apply v{version}: 0 step(s)" in api.log_messages(again["command_id"])
        assert settled_status(api, stack) == ("RUNNING", [])


def settled_status(api: Api, stack: str, timeout: float = 10) -> tuple[str, list[object]]:
    """(status, drift) once RUNNING without drift, or as it stands at the timeout (the
    monitor learns of a change through the engine's events, a moment after it)."""
    deadline = time.monotonic() + timeout
    while True:
        body = api.http.get(f"/stacks/{stack}/status").json()
        found = (str(body["status"]), list(body["drift"]))
        if found == ("RUNNING", []) or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_removed_service_goes_and_the_version_is_the_source_of_truth(api: Api, stack: str) -> None:
    api.create_stack(stack, TWO)
    api.apply(stack, 1)
    only_db = TWO.split("  web:")[0] + "volumes:\n  data: {}\n"
    v2 = api.new_version(stack, only_db)
    steps = api.plan(stack, v2)
    assert steps[0]["kind"] == "remove_container"
    assert steps[0]["reason"].startswith("orphan: service 'web'")
    api.apply(stack, v2)
    assert sorted(containers(stack)) == [f"{stack}-db-1"]


def test_rollback_restores_config_and_volume_data_survives(api: Api, stack: str) -> None:
    api.create_stack(stack, TWO)
    api.apply(stack, 1)
    docker("exec", f"{stack}-db-1", "sh", "-c", "echo precious > /data/file")
    v2 = api.new_version(
        stack, TWO.replace("MODE: blue", "MODE: green").replace("interval: 1s", "interval: 2s")
    )
    api.apply(stack, v2)
    assert docker("exec", f"{stack}-db-1", "cat", "/data/file").strip() == "precious"
    api.run(f"/stacks/{stack}/rollback/1")
    web = containers(stack)[f"{stack}-web-1"]
    assert "MODE=blue" in web["Config"]["Env"]
    assert docker("exec", f"{stack}-db-1", "cat", "/data/file").strip() == "precious"
    stack_state = api.http.get(f"/stacks/{stack}").json()
    assert (stack_state["current_version"], stack_state["status"]) == (1, "RUNNING")
    assert api.plan(stack, 1) == []


def test_scale_up_and_down(api: Api, stack: str) -> None:
    api.create_stack(stack, TWO)
    api.apply(stack, 1)
    first = ids(stack)
    v2 = api.new_version(
        stack, TWO.replace("environment: {MODE: blue}", "environment: {MODE: blue}\n    scale: 3")
    )
    api.apply(stack, v2)
    scaled = ids(stack)
    assert sorted(n for n in scaled if "-web-" in n) == [f"{stack}-web-{i}" for i in (1, 2, 3)]
    assert scaled[f"{stack}-web-1"] == first[f"{stack}-web-1"]  # scaling recreates nothing
    api.apply(stack, 1)
    assert sorted(ids(stack)) == [f"{stack}-db-1", f"{stack}-web-1"]


def test_runtime_actions_on_a_service_and_the_stack(api: Api, stack: str) -> None:
    api.create_stack(stack, TWO)
    api.apply(stack, 1)
    api.run(f"/stacks/{stack}/services/web/stop")
    assert containers(stack)[f"{stack}-web-1"]["State"]["Status"] == "exited"
    # a service stopped on purpose is a desired state: shown STOPPED, the stack not DEGRADED
    assert api.http.get(f"/stacks/{stack}").json()["status"] == "RUNNING"
    shown = monitored(api, stack, lambda b: b["status"] == "RUNNING")
    assert {s["name"]: s["status"] for s in shown["services"]} == {
        "db": "RUNNING",
        "web": "STOPPED",
    }
    assert shown["drift"] == []
    # a saved, unapplied version without web does not hide the web that runs
    api.new_version(stack, TWO.split("  web:")[0] + "volumes:\n  data: {}\n")
    api.run(f"/stacks/{stack}/services/web/start")
    assert containers(stack)[f"{stack}-web-1"]["State"]["Running"]
    started = containers(stack)[f"{stack}-db-1"]["State"]["StartedAt"]
    api.run(f"/stacks/{stack}/restart")
    assert containers(stack)[f"{stack}-db-1"]["State"]["StartedAt"] != started
    api.run(f"/stacks/{stack}/stop")
    assert {c["State"]["Status"] for c in containers(stack).values()} == {"exited"}
    assert api.http.get(f"/stacks/{stack}").json()["status"] == "STOPPED"


def monitored(api: Api, stack: str, done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The monitor's view once ``done`` (it follows the engine's events, a moment behind)."""
    deadline = time.monotonic() + 20
    while True:
        body: dict[str, Any] = api.http.get(f"/stacks/{stack}/status").json()
        if done(body) or time.monotonic() > deadline:
            return body
        time.sleep(0.2)


def test_delete_keeps_named_volumes_unless_asked(api: Api, stack: str) -> None:
    api.create_stack(stack, TWO)
    api.apply(stack, 1)
    api.run(f"/stacks/{stack}/delete")
    assert containers(stack) == {}
    assert docker("network", "ls", "-q", "--filter", f"name={stack}_default").strip() == ""
    assert docker("volume", "ls", "-q", "--filter", f"name={stack}_data").strip() != ""
    assert api.http.get(f"/stacks/{stack}").json()["status"] == "DELETED"  # soft, readable
    history = api.http.get("/commands", params={"stack_id": stack}).json()
    assert history["total"] == 2  # history kept
    again = api.create_stack(stack, TWO)  # the name is free again
    api.apply(stack, again["version"])
    api.run(f"/stacks/{stack}/delete", {"remove_volumes": True})
    assert docker("volume", "ls", "-q", "--filter", f"name={stack}_data").strip() == ""


def test_missing_image_whose_registry_does_not_answer_is_refused_before_apply(
    api: Api, stack: str
) -> None:
    """No registry answers here: the APPLY is refused when asked, not FAILED at its pull."""
    api.create_stack(stack, TWO.replace(IMAGE, "coremon-test/absent:1", 1))
    refused = api.http.post(f"/stacks/{stack}/apply/1")
    assert refused.status_code == 409, refused.text
    assert "image coremon-test/absent:1" in refused.json()["detail"]
    assert api.http.get(f"/stacks/{stack}").json()["status"] != "FAILED"


def test_pull_policy_always_pulls_even_a_present_image(api: Api, stack: str) -> None:
    """The image is here, but `always` must ask the registry (none answers here): FAILED with
    the registry's reason, and nothing created."""
    api.create_stack(stack, f"services:\n  app:\n    image: {IMAGE}\n    pull_policy: always\n")
    result = api.apply(stack, 1, expect="FAILED")
    assert f"cannot pull image {IMAGE}" in result["error"]
    assert containers(stack) == {}


def test_pull_policy_never_refuses_a_missing_image_without_pulling(
    api: Api, stack: str, server: ServerProcess
) -> None:
    api.create_stack(
        stack,
        f"services:\n  app:\n    image: {IMAGE}\n"
        "  late:\n    image: coremon-test/absent:2\n    pull_policy: never\n",
    )
    result = api.apply(stack, 1, expect="FAILED")
    assert (
        "image coremon-test/absent:2 is not present and pull_policy is never" in (result["error"])
    )
    assert "cannot pull" not in result["error"]
    assert containers(stack) == {}  # refused at planning: not even the other service
    # a refusal, logged as one line with its reason: not a crash with a traceback
    mine = [
        line for line in server.log_path.read_text().splitlines() if result["command_id"] in line
    ]
    assert any("command refused" in line for line in mine), mine
    assert not any("crashed" in line for line in mine), mine


UNMEETABLE = {
    "exits non-zero": (
        'command: ["sh", "-c", "exit 3"]',
        "service_completed_successfully",
        "dependency dep failed service_completed_successfully: exited with code 3",
    ),
    "turns unhealthy": (
        'healthcheck: {test: ["CMD", "false"], interval: 1s, timeout: 1s, retries: 1}',
        "service_healthy",
        "dependency dep failed service_healthy: {stack}-dep-1 is unhealthy",
    ),
}


@pytest.mark.parametrize("case", UNMEETABLE, ids=list(UNMEETABLE))
def test_a_dependency_that_cannot_meet_its_condition_fails_the_apply_and_its_dependent_never_starts(
    api: Api, stack: str, case: str
) -> None:
    dependency, condition, reason = UNMEETABLE[case]
    api.create_stack(
        stack,
        f"""
services:
  dep:
    image: {IMAGE}
    {dependency}
  app:
    image: {IMAGE}
    depends_on: {{dep: {{condition: {condition}}}}}
""",
    )
    result = api.apply(stack, 1, expect="FAILED")
    assert reason.format(stack=stack) in result["error"]
    assert containers(stack)[f"{stack}-app-1"]["State"]["Status"] == "created"
    assert api.http.get(f"/stacks/{stack}").json()["status"] == "FAILED"


def test_a_dependency_not_healthy_in_time_fails_with_the_wait_it_timed_out_on(
    tmp_path: Path, stack: str
) -> None:
    # The first probe only runs after a minute: the dependency stays "starting" past the wait.
    server = ServerProcess(
        f"sqlite:///{tmp_path / 'c.db'}", tmp_path / "s.log", COREMON_WAIT_TIMEOUT_SECONDS="2"
    ).start()
    api = Api(server.url)
    try:
        api.create_stack(
            stack,
            f"""
services:
  db:
    image: {IMAGE}
    healthcheck: {{test: ["CMD", "true"], interval: 60s}}
  web:
    image: {IMAGE}
    depends_on: {{db: {{condition: service_healthy}}}}
""",
        )
        started = time.monotonic()
        result = api.apply(stack, 1, expect="FAILED")
        assert "timed out after 2 s waiting for db to be healthy" in result["error"]
        assert time.monotonic() - started < 30
        found = containers(stack)
        assert found[f"{stack}-db-1"]["State"]["Health"]["Status"] == "starting"
        assert found[f"{stack}-web-1"]["State"]["Status"] == "created"
    finally:
        api.close()
        server.stop()


def test_unreachable_engine_fails_clearly_and_reads_still_work(tmp_path: Path) -> None:
    sock = tmp_path / "nothing.sock"
    server = ServerProcess(
        f"sqlite:///{tmp_path / 'c.db'}",
        tmp_path / "s.log",
        COREMON_DOCKER_HOST=f"unix://{sock}",
        COREMON_MAX_ATTEMPTS="1",
    ).start()
    api = Api(server.url)
    try:
        api.create_stack("lonely", TWO)
        host = api.http.get("/host").json()
        assert host["reachable"] is False
        assert f"Docker engine unreachable at unix://{sock}" in host["error"]
        result = api.apply("lonely", 1, expect="FAILED")
        assert result["error"].startswith(f"Docker engine unreachable at unix://{sock}")
        plan = api.http.get("/stacks/lonely/plan/1")
        assert plan.status_code == 503
        assert "Docker engine unreachable" in plan.json()["detail"]
        assert api.http.get("/stacks/lonely/versions").status_code == 200
    finally:
        api.close()
        server.stop()


SLOW = f"""
services:
  slow:
    image: {IMAGE}
    command:
      - sh
      - -c
      - "trap 'exit 0' TERM; sleep 4; touch /tmp/ready; while :; do sleep 1 & wait $$!; done"
    healthcheck: {{test: ["CMD", "test", "-f", "/tmp/ready"], interval: 1s}}
  after:
    image: {IMAGE}
    depends_on: {{slow: {{condition: service_healthy}}}}
    scale: 2
"""


def test_kill9_mid_apply_then_restart_converges_without_duplicates(
    tmp_path: Path, stack: str
) -> None:
    require_docker()
    url = f"sqlite:///{tmp_path / 'c.db'}"
    first = ServerProcess(url, tmp_path / "s1.log", COREMON_LEASE_SECONDS="2").start()
    api = Api(first.url)
    api.create_stack(stack, SLOW)
    command_id = api.enqueue(f"/stacks/{stack}/apply/1")
    deadline = time.monotonic() + 30
    while not containers(stack) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.0)  # mid-apply: slow is starting, `after` not started yet
    first.kill9()
    api.close()
    second = ServerProcess(url, tmp_path / "s2.log", COREMON_LEASE_SECONDS="2").start()
    api = Api(second.url)
    try:
        result = api.wait(command_id, timeout=90)
        assert result["status"] == "DONE", result
        assert result["attempts"] == 2
        names = sorted(containers(stack))
        assert names == [f"{stack}-after-1", f"{stack}-after-2", f"{stack}-slow-1"]
        assert api.plan(stack, 1) == []
    finally:
        api.close()
        second.stop()


def test_cancel_mid_apply_stops_between_steps_and_a_rerun_converges(api: Api, stack: str) -> None:
    api.create_stack(stack, SLOW)
    command_id = api.enqueue(f"/stacks/{stack}/apply/1")
    deadline = time.monotonic() + 30
    while not containers(stack) and time.monotonic() < deadline:
        time.sleep(0.1)
    cancel = api.http.post(f"/commands/{command_id}/cancel")
    assert cancel.status_code == 200, cancel.text
    result = api.wait(command_id, timeout=60)
    assert result["status"] == "CANCELLED"
    found = containers(stack)
    assert found[f"{stack}-slow-1"]["State"]["Status"] == "running"
    # `after` may have been created with the others (Compose's create phase) but it waits
    # on `slow` being healthy, which the cancel cut short: it was never started
    waiting = {name: c["State"]["Status"] for name, c in found.items() if "-after-" in name}
    assert set(waiting.values()) <= {"created"}, waiting
    api.apply(stack, 1)
    names = sorted(containers(stack))
    assert names == [f"{stack}-after-1", f"{stack}-after-2", f"{stack}-slow-1"]
    version = api.http.get(f"/stacks/{stack}/versions/1").json()
    recorded = version["runtime"]["containers"]
    assert {name: c["id"] for name, c in recorded.items()} == {
        name: c["Id"] for name, c in containers(stack).items()
    }
    assert version["status"]["actual"] == "RUNNING"


def test_dependents_with_restart_true_restart_when_the_dependency_is_recreated(
    api: Api, stack: str
) -> None:
    text = TWO.replace("condition: service_healthy}", "condition: service_healthy, restart: true}")
    api.create_stack(stack, text)
    api.apply(stack, 1)
    web = containers(stack)[f"{stack}-web-1"]
    v2 = api.new_version(stack, text.replace("interval: 1s", "interval: 2s"))
    api.apply(stack, v2)
    after = containers(stack)[f"{stack}-web-1"]
    assert after["Id"] == web["Id"]  # not recreated...
    assert after["State"]["StartedAt"] != web["State"]["StartedAt"]  # ...but restarted
