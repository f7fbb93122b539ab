"""The planner decides every depends_on wait and every namespace joiner's order; the plan
carries them as data (pure: no engine)."""

from __future__ import annotations

from core_monitor.compose import load_compose
from core_monitor.domain.plan import Condition, ContainerStep, Step, StepKind, WaitStep
from core_monitor.engine import schedule
from core_monitor.engine.planner import plan
from core_monitor.engine.state import ObservedState, desired_state

STACK = """
services:
  cache: {image: busybox:1}
  job: {image: busybox:1, command: ["true"]}
  db:
    image: busybox:1
    healthcheck: {test: ["CMD", "true"]}
  web:
    image: busybox:1
    depends_on:
      cache: {condition: service_started}
      job: {condition: service_completed_successfully, required: false}
      db: {condition: service_healthy, required: false}
  api:
    image: busybox:1
    depends_on: {db: {condition: service_healthy}}
  side:
    image: busybox:1
    network_mode: "service:web"
    ipc: "service:api"
"""


def cold_plan(text: str = STACK) -> list[Step]:
    desired = desired_state(load_compose(text, project_name="shop"), "sid", 1)
    return plan(desired, ObservedState([], [], [], frozenset(), frozenset(), {})).steps


def waits(steps: list[Step]) -> dict[tuple[str, Condition], WaitStep]:
    return {(s.service, s.condition): s for s in steps if isinstance(s, WaitStep)}


def test_every_depends_on_condition_is_a_wait_step_started_included() -> None:
    found = waits(cold_plan())
    assert set(found) == {
        ("cache", Condition.STARTED),
        ("job", Condition.COMPLETED_SUCCESSFULLY),
        ("db", Condition.HEALTHY),
        # side's implicit dependencies (network_mode and ipc: service:x)
        ("web", Condition.STARTED),
        ("api", Condition.STARTED),
    }
    assert found[("cache", Condition.STARTED)].details.dependents == ["web"]
    assert found[("cache", Condition.STARTED)].layer == 0


def test_a_wait_is_optional_only_when_every_dependent_says_required_false() -> None:
    found = waits(cold_plan())
    assert found[("job", Condition.COMPLETED_SUCCESSFULLY)].required is False
    assert found[("cache", Condition.STARTED)].required is True
    # web does not require db healthy, api does: the wait is required
    assert found[("db", Condition.HEALTHY)].details.dependents == ["api", "web"]
    assert found[("db", Condition.HEALTHY)].required is True
    alone = STACK.replace("db: {condition: service_healthy}}", "cache: {}}")
    assert waits(cold_plan(alone))[("db", Condition.HEALTHY)].required is False


def test_a_started_wait_survives_serialization() -> None:
    steps = cold_plan()
    wait = waits(steps)[("cache", Condition.STARTED)]
    assert WaitStep.model_validate_json(wait.model_dump_json()) == wait
    assert wait.model_dump(mode="json")["condition"] == "service_started"


def test_a_namespace_joiner_names_what_it_joins_and_is_created_after_it_runs() -> None:
    steps = cold_plan()
    creates = {
        s.service: s
        for s in steps
        if isinstance(s, ContainerStep) and s.kind == StepKind.CREATE_CONTAINER
    }
    assert creates["side"].joins == ("api", "web")
    assert creates["web"].joins == ()
    after = schedule.constraints(steps)
    index = {f"{s.kind} {s.target}": i for i, s in enumerate(steps)}
    side = after[index["create_container shop-side-1"]]
    assert index["start_container shop-web-1"] in side
    assert index["start_container shop-api-1"] in side
    # a container that joins nothing is created as soon as the resources exist
    assert index["start_container shop-cache-1"] not in after[index["create_container shop-web-1"]]
