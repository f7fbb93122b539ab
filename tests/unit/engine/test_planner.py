"""The planner is pure: (desired, observed) → plan, tested without any engine."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core_monitor.compose import load_compose
from core_monitor.domain.plan import Cause, ContainerStep, Plan, StepKind
from core_monitor.engine import labels as lbl
from core_monitor.engine.model import ObservedContainer, ObservedResource
from core_monitor.engine.planner import plan
from core_monitor.engine.state import DesiredState, ObservedState, desired_state
from core_monitor.errors import ValidationFailed

IMAGE_ID = "sha256:aaa"
BASE = """
services:
  db:
    image: busybox:1
    healthcheck: {test: ["CMD", "true"]}
  web:
    image: busybox:1
    depends_on: {db: {condition: service_healthy}}
    environment: {A: "1"}
    deploy: {replicas: 2}
"""


def desired(text: str = BASE, version: int = 1) -> DesiredState:
    return desired_state(load_compose(text, project_name="shop"), "sid", version)


def running(state: DesiredState, **overrides: object) -> list[ObservedContainer]:
    """Containers exactly as the desired state would have them, running."""
    containers = []
    for service in state.services.values():
        for number in range(1, service.replicas + 1):
            name = f"{state.project}-{service.name}-{number}"
            values: dict[str, object] = {
                "id": f"id-{name}",
                "name": name,
                "service": service.name,
                "number": number,
                "state": "running",
                "health": None,
                "exit_code": None,
                "image_id": IMAGE_ID,
                "config_hash": service.config_hash,
                "labels": {lbl.STACK_VERSION: str(state.version)},
            }
            values.update(overrides.get(name, {}))  # type: ignore[call-overload]
            containers.append(ObservedContainer(**values))  # type: ignore[arg-type]
    return containers


def observed(
    state: DesiredState, containers: list[ObservedContainer], previous: DesiredState | None = None
) -> ObservedState:
    configs = {}
    if previous is not None:
        configs = {(previous.version, s.name): s.config for s in previous.services.values()}
    return ObservedState(
        containers=containers,
        networks=[ObservedResource("n", name, key) for key, (name, _) in state.networks.items()],
        volumes=[],
        present_networks=frozenset(name for name, _ in state.networks.values()),
        present_volumes=frozenset(name for name, _ in state.volumes.values()),
        images={s.image: IMAGE_ID for s in state.services.values()},
        previous_configs=configs,
    )


def kinds(result: Plan) -> list[tuple[str, str]]:
    return [(str(s.kind), s.target) for s in result.steps]


def test_cold_plan_creates_everything_in_dependency_layers() -> None:
    state = desired()
    result = plan(state, ObservedState([], [], [], frozenset(), frozenset(), {}))
    # in the order they run: pulls, networks, then per layer creates, starts, waits
    assert kinds(result) == [
        ("pull_image", "busybox:1"),
        ("create_network", "shop_default"),
        ("create_container", "shop-db-1"),
        ("start_container", "shop-db-1"),
        ("wait", "db"),
        ("create_container", "shop-web-1"),
        ("create_container", "shop-web-2"),
        ("start_container", "shop-web-1"),
        ("start_container", "shop-web-2"),
    ]
    layers = {
        s.target: s.layer
        for s in result.steps
        if isinstance(s, ContainerStep) and s.kind == StepKind.CREATE_CONTAINER
    }
    assert layers == {"shop-db-1": 0, "shop-web-1": 1, "shop-web-2": 1}


def test_converged_state_plans_nothing() -> None:
    state = desired()
    assert plan(state, observed(state, running(state))).empty


def test_changed_environment_recreates_only_that_service_with_the_field_named() -> None:
    before = desired()
    after = desired(BASE.replace('A: "1"', 'A: "2"'), version=2)
    result = plan(after, observed(after, running(before), previous=before))
    assert kinds(result) == [
        ("recreate_container", "shop-web-1"),
        ("recreate_container", "shop-web-2"),
        ("start_container", "shop-web-1"),
        ("start_container", "shop-web-2"),
    ]
    assert result.steps[0].reason == "config changed: environment.A"


def test_new_image_id_recreates() -> None:
    state = desired()
    containers = running(state, **{"shop-db-1": {"image_id": "sha256:old"}})
    result = plan(state, observed(state, containers))
    assert kinds(result)[0] == ("recreate_container", "shop-db-1")
    assert result.steps[0].reason == "image changed"


def test_scaling_neither_recreates_nor_touches_others() -> None:
    state = desired()
    up = desired(BASE.replace("replicas: 2", "replicas: 3"), version=2)
    assert kinds(plan(up, observed(up, running(state)))) == [
        ("create_container", "shop-web-3"),
        ("start_container", "shop-web-3"),
    ]
    down = desired(BASE.replace("replicas: 2", "replicas: 1"), version=2)
    result = plan(down, observed(down, running(state)))
    assert kinds(result) == [("remove_container", "shop-web-2")]
    assert "scale down" in result.steps[0].reason


def test_orphans_are_removed_with_a_reason() -> None:
    before = desired()
    after = desired(BASE.replace("  web:", "  app:"), version=3)
    result = plan(after, observed(after, running(before)))
    removed = [s for s in result.steps if s.kind == StepKind.REMOVE_CONTAINER]
    assert [s.target for s in removed] == ["shop-web-1", "shop-web-2"]
    assert removed[0].reason == "orphan: service 'web' is not in v3"


def test_steps_on_observed_containers_carry_their_ids() -> None:
    """The executor addresses them by id: a name may meanwhile belong to another container."""
    before = desired()
    after = desired(BASE.replace('A: "1"', 'A: "2"').replace("replicas: 2", "replicas: 1"), 2)
    containers = running(before, **{"shop-db-1": {"state": "exited", "exit_code": 1}})
    result = plan(after, observed(after, containers, previous=before))
    assert [
        (str(s.kind), s.target, s.container_id)
        for s in result.steps
        if isinstance(s, ContainerStep)
    ] == [
        ("remove_container", "shop-web-1", "id-shop-web-1"),  # outdated ones go first
        ("start_container", "shop-db-1", "id-shop-db-1"),
        ("recreate_container", "shop-web-2", "id-shop-web-2"),
        ("start_container", "shop-web-2", None),  # the new one, known once created
    ]


def test_a_container_name_added_or_removed_recreates_under_the_new_name_once() -> None:
    before = desired()
    named = BASE.replace("  db:\n", "  db:\n    container_name: shop-database\n")
    after = desired(named, 2)
    result = plan(after, observed(after, running(before), previous=before))
    assert kinds(result) == [
        ("recreate_container", "shop-database"),
        ("start_container", "shop-database"),
        ("wait", "db"),  # web waits for db to be healthy
    ]
    assert isinstance(result.steps[0], ContainerStep)
    assert result.steps[0].container_id == "id-shop-db-1"
    renamed = running(after, **{"shop-db-1": {"name": "shop-database"}})
    assert plan(after, observed(after, renamed)).empty
    back = desired(BASE, 3)
    result = plan(back, observed(back, renamed, previous=after))
    assert kinds(result)[:2] == [
        ("recreate_container", "shop-db-1"),
        ("start_container", "shop-db-1"),
    ]


def test_a_recreate_that_crashed_before_its_rename_is_finished_under_the_right_name() -> None:
    state = desired()
    leftover = running(state, **{"shop-db-1": {"name": "0123abcd_shop-db-1"}})
    result = plan(state, observed(state, leftover))
    assert kinds(result) == [
        ("recreate_container", "shop-db-1"),
        ("start_container", "shop-db-1"),
        ("wait", "db"),
    ]
    assert result.steps[0].cause == Cause.NAME_CHANGED


def test_stopped_containers_are_started_but_completed_jobs_are_left_alone() -> None:
    state = desired()
    containers = running(
        state,
        **{
            "shop-web-1": {"state": "exited", "exit_code": 137},
            "shop-web-2": {"state": "exited", "exit_code": 0},  # restart "no" + exit 0: done
        },
    )
    result = plan(state, observed(state, containers))
    assert kinds(result) == [("start_container", "shop-web-1")]


def test_missing_external_network_is_a_clear_error() -> None:
    text = BASE + "networks:\n  default: {external: true, name: corp}\n"
    state = desired(text)
    with pytest.raises(ValidationFailed, match="external network 'corp' does not exist"):
        plan(state, ObservedState([], [], [], frozenset(), frozenset(), {}))


def test_pull_policy_never_with_a_missing_image_is_refused() -> None:
    state = desired(
        BASE.replace(
            "  db:\n    image: busybox:1", "  db:\n    image: busybox:2\n    pull_policy: never"
        )
    )
    images = {"busybox:1": IMAGE_ID, "busybox:2": None}
    with pytest.raises(ValidationFailed, match="busybox:2 is not present and pull_policy"):
        plan(state, ObservedState([], [], [], frozenset(), frozenset(), images))


@settings(max_examples=200, deadline=None)
@given(
    replicas=st.lists(st.integers(0, 4), min_size=1, max_size=4),
    existing=st.lists(st.integers(1, 6), max_size=8),
    drift=st.booleans(),
)
def test_applying_a_plan_then_planning_again_gives_an_empty_plan(
    replicas: list[int], existing: list[int], drift: bool
) -> None:
    """Property: simulate the plan's effect on observed state; the next plan is empty."""
    text = "services:\n" + "".join(
        f"  s{i}:\n    image: busybox:1\n    scale: {n}\n" for i, n in enumerate(replicas)
    )
    state = desired(text)
    containers = [
        ObservedContainer(
            id=f"x{i}",
            name=f"shop-s0-{n}" if n not in existing[:i] else f"tmp{i}_shop-s0-{n}",
            service="s0",
            number=n,
            state="exited" if drift else "running",
            health=None,
            exit_code=1,
            image_id=IMAGE_ID,
            config_hash="stale" if drift else state.services["s0"].config_hash,
            labels={},
        )
        for i, n in enumerate(existing)
    ]
    first = plan(state, observed(state, containers))
    simulated = {c.name: c for c in containers}
    for step in first.steps:
        if step.kind in (StepKind.REMOVE_CONTAINER, StepKind.RECREATE_CONTAINER):
            gone = [name for name, c in simulated.items() if c.id == step.container_id]
            for name in gone:
                simulated.pop(name)
        if step.kind == StepKind.REMOVE_CONTAINER:
            continue
        if step.kind in (
            StepKind.CREATE_CONTAINER,
            StepKind.RECREATE_CONTAINER,
            StepKind.START_CONTAINER,
        ):
            service = state.services[step.service or ""]
            simulated[step.target] = ObservedContainer(
                id=step.target,
                name=step.target,
                service=service.name,
                number=step.number or 0,
                state="running",
                health=None,
                exit_code=None,
                image_id=IMAGE_ID,
                config_hash=service.config_hash,
                labels={},
            )
    assert plan(state, observed(state, list(simulated.values()))).empty


def test_recreated_dependency_restarts_dependents_that_ask_for_it() -> None:
    text = BASE.replace("condition: service_healthy}", "condition: service_healthy, restart: true}")
    before = desired(text)
    after = desired(
        text.replace(
            'healthcheck: {test: ["CMD", "true"]}',
            'healthcheck: {test: ["CMD", "true"], retries: 5}',
        ),
        2,
    )
    result = plan(after, observed(after, running(before), previous=before))
    assert kinds(result) == [
        ("recreate_container", "shop-db-1"),
        ("start_container", "shop-db-1"),
        ("wait", "db"),
        ("restart_container", "shop-web-1"),
        ("restart_container", "shop-web-2"),
    ]
    assert result.steps[-1].reason == "dependency db recreated (restart: true)"
    # without restart: true, dependents are left alone
    plain_before, plain_after = (
        desired(),
        desired(
            BASE.replace(
                'healthcheck: {test: ["CMD", "true"]}',
                'healthcheck: {test: ["CMD", "true"], retries: 5}',
            ),
            2,
        ),
    )
    result = plan(plain_after, observed(plain_after, running(plain_before), previous=plain_before))
    assert [k for k, _ in kinds(result)] == ["recreate_container", "start_container", "wait"]
