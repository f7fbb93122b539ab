"""The planner's cost grows linearly with services x replicas.

A plan of 100 services x 1000 replicas once took minutes (a scan of every number in use
for each new replica, a rescan of the whole graph for each dependency layer). Linearity is
checked by counting the Python lines the planner executes, which is deterministic; so is
the guard on the absolute cost, a budget of lines per container planned (a wall-clock bound
failed whenever the host was busy: speed is measured in `make bench`, not in tests).
"""

from __future__ import annotations

import pytest

from core_monitor.domain.plan import Plan
from core_monitor.engine.model import ObservedContainer
from core_monitor.engine.planner import plan
from core_monitor.engine.state import DesiredService, DesiredState, ObservedState
from tests.support.cost import lines_run

IMAGE = "busybox:1"
IMAGE_ID = "sha256:aaa"


def chain(services: int, replicas: int) -> DesiredState:
    """``services`` services, each depending on the one before (one layer each)."""
    wanted = {}
    for i in range(services):
        name = f"s{i:05d}"
        wanted[name] = DesiredService(
            name=name,
            replicas=replicas,
            config_hash="new",
            image=IMAGE,
            container_name=None,
            depends_on={f"s{i - 1:05d}": "service_started"} if i else {},
            restart_with=frozenset(),
            restart_policy="no",
            pull_policy="missing",
            config={},
        )
    return DesiredState("big", "sid", 2, wanted, {}, {})


def container(service: str, number: int, config_hash: str) -> ObservedContainer:
    return ObservedContainer(
        id=f"id-{service}-{number}",
        name=f"big-{service}-{number}",
        service=service,
        number=number,
        state="running",
        health=None,
        exit_code=None,
        image_id=IMAGE_ID,
        config_hash=config_hash,
        labels={},
    )


def mixed(state: DesiredState) -> ObservedState:
    """Every path at once: even services have every other number (scale up fills the gaps),
    odd ones twice too many containers, half of them outdated (scale down, recreate)."""
    containers = []
    for i, (name, service) in enumerate(state.services.items()):
        if i % 2 == 0:
            numbers = range(1, service.replicas + 1, 2)
        else:
            numbers = range(1, 2 * service.replicas + 1)
        containers += [container(name, n, "old" if n % 2 else "new") for n in numbers]
    return observed(containers)


def observed(containers: list[ObservedContainer]) -> ObservedState:
    return ObservedState(containers, [], [], frozenset(), frozenset(), {IMAGE: IMAGE_ID})


def work(services: int, replicas: int) -> int:
    state = chain(services, replicas)
    now = mixed(state)
    return lines_run(lambda: plan(state, now))


@pytest.mark.parametrize(
    ("small", "large"),
    [((100, 1), (400, 1)), ((2, 50), (2, 200))],
    ids=["4x-services", "4x-replicas"],
)
def test_plan_work_grows_linearly_with_services_and_replicas(
    small: tuple[int, int], large: tuple[int, int]
) -> None:
    ratio = work(*large) / work(*small)
    # four times the input: linear work is four times the lines (a little more for
    # sorting); quadratic work would be about sixteen times
    assert ratio < 4 * 1.3, ratio


# lines per container of a cold plan: about 140 for wide and tall stacks, 280 for a chain
# of 4000 layers (each ends with its wait step); a scan per replica or per layer would be
# thousands
LINES_PER_CONTAINER = 400


@pytest.mark.parametrize(
    ("services", "replicas"), [(50, 20), (2, 1000), (4000, 1)], ids=["wide", "tall", "deep"]
)
def test_planning_a_large_cold_stack_costs_a_bounded_work_per_container(
    services: int, replicas: int
) -> None:
    state = chain(services, replicas)
    planned: list[Plan] = []
    lines = lines_run(lambda: planned.append(plan(state, observed([]))))
    creates = [s for s in planned[0].steps if s.kind == "create_container"]
    assert len(creates) == services * replicas
    per_container = lines / (services * replicas)
    assert per_container < LINES_PER_CONTAINER, f"{services} x {replicas}: {per_container:.0f}"
