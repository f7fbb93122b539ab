"""Status aggregation is pure: list rows + inspect data + drift → one overall status."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from core_monitor.compose import load_compose
from core_monitor.domain.stack import StackStatus
from core_monitor.engine import labels as lbl
from core_monitor.engine.docker import rows
from core_monitor.engine.state import DesiredState, desired_state
from core_monitor.monitor.status import (
    ContainerStatus,
    DriftItem,
    OverallStatus,
    StackStatusOut,
    aggregate,
    container_status,
    parse_time,
)

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
COMPOSE = """
services:
  db: {image: busybox:1}
  web: {image: busybox:1, deploy: {replicas: 2}}
  job: {image: busybox:1}
"""


def desired() -> DesiredState:
    return desired_state(load_compose(COMPOSE, project_name="shop"), "sid", 1)


def container(name: str, state: str = "running", **extra: Any) -> ContainerStatus:
    service, number = name.split("-")[1], int(name.split("-")[2])
    values: dict[str, Any] = {
        "id": f"id-{name}",
        "name": name,
        "service": service,
        "number": number,
        "state": state,
    }
    values.update(extra)
    return ContainerStatus(**values)


def healthy_set() -> list[ContainerStatus]:
    return [
        container("shop-db-1"),
        container("shop-web-1"),
        container("shop-web-2"),
        container("shop-job-1", "exited", exit_code=0),  # a one-shot that completed
    ]


def run(
    containers: list[ContainerStatus],
    drift: list[DriftItem] | None = None,
    recorded: StackStatus = StackStatus.RUNNING,
    state: DesiredState | None = None,
    *,
    failed: bool = False,
    stopped: frozenset[str] = frozenset(),
) -> StackStatusOut:
    return aggregate(
        stack_id="sid",
        name="shop",
        recorded=recorded,
        desired_version=1,
        current_version=1,
        desired=state or desired(),
        containers=containers,
        drift=drift or [],
        now=NOW,
        failed=failed,
        stopped=stopped,
    )


def item(difference: str, drifted: bool, target: str = "shop-web-2") -> DriftItem:
    return DriftItem(
        kind="start_container",
        target=target,
        service=target.split("-")[1],
        difference=difference,
        reason="x",
        drifted=drifted,
    )


def test_all_serving_is_running() -> None:
    body = run(healthy_set())
    assert body.status == OverallStatus.RUNNING
    assert [s.status for s in body.services] == [OverallStatus.RUNNING] * 3


def test_a_crashed_container_degrades_its_service_and_the_stack() -> None:
    containers = healthy_set()
    containers[2] = container("shop-web-2", "exited", exit_code=137)
    body = run(containers, [item("not_running", drifted=False)])
    assert body.status == OverallStatus.DEGRADED
    web = next(s for s in body.services if s.name == "web")
    assert (web.status, web.running) == (OverallStatus.DEGRADED, 1)


def test_unhealthy_and_restarting_degrade() -> None:
    for broken in (
        container("shop-web-2", health="unhealthy"),
        container("shop-web-2", "restarting"),
    ):
        containers = healthy_set()
        containers[2] = broken
        assert run(containers).status == OverallStatus.DEGRADED


def test_drift_wins_over_degraded_and_failed_wins_over_drift() -> None:
    containers = healthy_set()
    containers[2] = container("shop-web-2", "exited", exit_code=137)
    drift = [item("not_running", drifted=False), item("extra", drifted=True, target="shop-x-1")]
    assert run(containers, drift).status == OverallStatus.DRIFTED
    assert run(containers, drift, failed=True).status == OverallStatus.FAILED


def test_a_recorded_failure_alone_is_not_failed() -> None:
    """FAILED comes from the stack's last finished command: once it is dismissed (or a
    later command succeeds) the status is what runs again, whatever was recorded."""
    assert run(healthy_set(), recorded=StackStatus.FAILED).status == OverallStatus.RUNNING


def test_missing_containers_are_listed_as_missing() -> None:
    containers = healthy_set()[:2] + healthy_set()[3:]
    body = run(containers, [item("missing", drifted=True)])
    web = next(s for s in body.services if s.name == "web")
    assert [(c.name, c.state) for c in web.containers] == [
        ("shop-web-1", "running"),
        ("shop-web-2", "missing"),
    ]
    assert body.status == OverallStatus.DRIFTED


def test_stopped_on_purpose_is_stopped_not_degraded() -> None:
    containers = [
        container(c.name, "exited", exit_code=0 if c.service == "job" else 143)
        for c in healthy_set()
    ]
    body = run(containers, recorded=StackStatus.STOPPED, stopped=frozenset({"db", "web", "job"}))
    assert body.status == OverallStatus.STOPPED
    assert {s.status for s in body.services} == {OverallStatus.STOPPED}


def test_never_applied_is_stopped() -> None:
    body = aggregate(
        stack_id="sid",
        name="shop",
        recorded=StackStatus.NEW,
        desired_version=None,
        current_version=None,
        desired=None,
        containers=[],
        drift=[],
        now=NOW,
    )
    assert body.status == OverallStatus.STOPPED
    assert body.services == []


def test_container_status_reads_list_row_and_inspect() -> None:
    row = {
        "Id": "abc",
        "Names": ["/shop-web-1"],
        "Image": "busybox:1",
        "ImageID": "sha256:1",
        "State": "running",
        "Status": "Up 5 minutes (healthy)",
        "Ports": [
            {"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
            {"PrivatePort": 443, "Type": "tcp"},
        ],
        "Labels": {
            lbl.COMPOSE_SERVICE: "web",
            lbl.COMPOSE_NUMBER: "1",
            lbl.STACK_VERSION: "3",
            lbl.COMPOSE_CONFIG_HASH: "h",
        },
    }
    inspect = {
        "RestartCount": 2,
        "State": {
            "Status": "running",
            "StartedAt": "2026-01-01T11:59:00.123456789Z",
            "Health": {"Status": "healthy", "Log": [{"Output": "ok\n", "ExitCode": 0}]},
        },
    }
    c = container_status(rows.container(row), inspect, NOW, lambda h: f"print-of-{h}")
    assert (c.service, c.number, c.version, c.state) == ("web", 1, 3, "running")
    assert c.config_hash == "print-of-h"  # the label itself is never shown
    assert (c.health, c.health_output, c.restart_count) == ("healthy", "ok", 2)
    assert c.uptime_seconds is not None and abs(c.uptime_seconds - 59.877) < 0.01
    assert [(p.container_port, p.host_port) for p in c.ports] == [(80, 8080)]


def test_exited_container_keeps_its_exit_code_without_inspect() -> None:
    row = {"Id": "x", "Names": ["/shop-db-1"], "State": "exited", "Status": "Exited (137) 2s ago"}
    c = container_status(rows.container(row), None, NOW, str.upper)
    assert (c.state, c.exit_code, c.uptime_seconds) == ("exited", 137, None)


def test_parse_time_handles_nanoseconds_and_the_zero_time() -> None:
    assert parse_time("0001-01-01T00:00:00Z") is None
    assert parse_time("2026-01-01T00:00:00.999999999Z") == datetime(
        2026, 1, 1, 0, 0, 0, 999999, tzinfo=UTC
    )
