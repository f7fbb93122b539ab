"""The status the executor records and the monitor's live status agree on the same containers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core_monitor.compose import load_compose
from core_monitor.domain.stack import StackStatus
from core_monitor.engine.model import ObservedContainer
from core_monitor.engine.state import desired_state
from core_monitor.monitor.status import ContainerStatus, aggregate
from core_monitor.services.runtime_actions import status_of

COMPOSE = """
services:
  web: {image: busybox:1, restart: always, deploy: {replicas: 2}}
  job: {image: busybox:1}
  worker: {image: busybox:1, restart: unless-stopped}
  spare: {image: busybox:1, deploy: {replicas: 0}}
"""
Facts = tuple[str, int, str, int | None, str | None]  # service, number, state, exit, health
SERVING: list[Facts] = [
    ("web", 1, "running", None, None),
    ("web", 2, "running", None, "healthy"),
    ("job", 1, "exited", 0, None),
    ("worker", 1, "running", None, None),
]


def _swap(facts: Facts) -> list[Facts]:
    return [facts if f[:2] == facts[:2] else f for f in SERVING]


CASES = {
    "all serving, the one-shot completed": SERVING,
    "restart always exited 0": _swap(("web", 2, "exited", 0, None)),
    "unless-stopped exited 0": _swap(("worker", 1, "exited", 0, None)),
    "the one-shot failed": _swap(("job", 1, "exited", 2, None)),
    "unhealthy": _swap(("web", 1, "running", None, "unhealthy")),
    "a replica missing": SERVING[1:],
    "restarting": _swap(("worker", 1, "restarting", None, None)),
}


def _observed(f: Facts) -> ObservedContainer:
    service, number, state, code, health = f
    name = f"shop-{service}-{number}"
    return ObservedContainer(name, name, service, number, state, health, code, "img", "hash")


def _shown(f: Facts) -> ContainerStatus:
    service, number, state, code, health = f
    name = f"shop-{service}-{number}"
    return ContainerStatus(
        id=name,
        name=name,
        service=service,
        number=number,
        state=state,
        exit_code=code,
        health=health,
    )


@pytest.mark.parametrize("case", sorted(CASES))
def test_recorded_and_monitored_status_agree(case: str) -> None:
    desired = desired_state(load_compose(COMPOSE, project_name="shop"), "sid", 1)
    facts = CASES[case]
    recorded = status_of(desired.services, [_observed(f) for f in facts])
    shown = aggregate(
        stack_id="sid",
        name="shop",
        recorded=recorded,
        desired_version=1,
        current_version=1,
        desired=desired,
        containers=[_shown(f) for f in facts],
        drift=[],
        now=datetime.now(UTC),
    )
    assert str(shown.status) == str(recorded), case
    expected = StackStatus.RUNNING if facts is SERVING else StackStatus.DEGRADED
    assert recorded == expected, case
