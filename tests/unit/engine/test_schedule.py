"""The scheduler without any engine: constraints from a plan, the bounded pool, upstream
failures, readiness polling."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable

import pytest

from core_monitor.compose import load_compose
from core_monitor.domain.plan import Step
from core_monitor.engine import schedule
from core_monitor.engine.planner import plan
from core_monitor.engine.state import ObservedState, desired_state

STACK = """
services:
  db:
    image: busybox:1
    healthcheck: {test: ["CMD", "true"]}
  cache: {image: busybox:1}
  web:
    image: busybox:1
    depends_on: {db: {condition: service_healthy}, cache: {condition: service_started}}
    deploy: {replicas: 2}
  side:
    image: busybox:1
    network_mode: "service:web"
    depends_on: [web]
"""


def cold_plan() -> list[Step]:
    desired = desired_state(load_compose(STACK, project_name="shop"), "sid", 1)
    return plan(desired, ObservedState([], [], [], frozenset(), frozenset(), {})).steps


def label(step: Step) -> str:
    return f"{step.kind} {step.target}"


def ran_in_order(steps: list[Step]) -> list[str]:
    done: list[str] = []
    schedule.run(steps, schedule.constraints(steps), lambda s: done.append(label(s)), 1)
    return done


def test_constraints_follow_layers_waits_and_serial_starts() -> None:
    steps = cold_plan()
    after = schedule.constraints(steps)
    index = {label(s): i for i, s in enumerate(steps)}

    def needs(step: str, *others: str) -> bool:
        return all(index[o] in after[index[step]] for o in others)

    assert needs("create_network shop_default", "pull_image busybox:1")
    # a fresh container is created as soon as the resources exist, whatever its layer
    assert after[index["create_container shop-web-1"]] == {index["create_network shop_default"]}
    assert needs("start_container shop-db-1", "create_container shop-db-1")
    assert needs("wait db", "start_container shop-db-1", "start_container shop-cache-1")
    assert needs("start_container shop-web-1", "wait db", "create_container shop-web-1")
    # one service's starts run one after another (the engine races on port ranges)
    assert needs("start_container shop-web-2", "start_container shop-web-1")
    assert not needs("start_container shop-cache-1", "start_container shop-db-1")
    # a namespace joiner (the planner names what it joins) is created once the layers
    # before it are up
    assert needs("create_container shop-side-1", "start_container shop-web-2", "wait db")


def test_run_keeps_plan_order_among_ready_steps() -> None:
    steps = cold_plan()
    assert ran_in_order(steps) == [label(s) for s in steps]


def test_run_never_exceeds_the_pool_and_uses_it() -> None:
    changed = threading.Condition()
    in_flight = peak = 0

    def action(_: int) -> None:
        nonlocal in_flight, peak
        with changed:
            in_flight += 1
            peak = max(peak, in_flight)
            changed.notify_all()
            # hold until three overlap (bounded): a serial run shows a peak of one
            changed.wait_for(lambda: peak >= 3, timeout=5)
            in_flight -= 1

    schedule.run(list(range(9)), [frozenset()] * 9, action, pool_size=3)
    assert peak == 3


def test_an_upstream_failure_skips_its_dependents_only_and_is_raised() -> None:
    ran: list[int] = []

    def action(item: int) -> None:
        if item == 1:
            raise RuntimeError("create failed")
        ran.append(item)

    # 0 ← 1 ← 2 ← 3 (a chain through the failure), 4 independent, 5 after 0
    after = [frozenset(), {0}, {1}, {2}, frozenset(), {0}]
    with pytest.raises(RuntimeError, match="create failed"):
        schedule.run(list(range(6)), [frozenset(a) for a in after], action, pool_size=2)
    assert sorted(ran) == [0, 4, 5]


def test_run_refuses_a_constraint_on_a_later_step() -> None:
    with pytest.raises(ValueError):
        schedule.run([0, 1], [frozenset({1}), frozenset()], lambda _: None, pool_size=1)


def test_in_layers_waits_for_the_layers_before_only() -> None:
    # a stop: the dependents (layer 2) first, then what they depend on
    assert schedule.in_layers([2, 2, 1, 0, 0]) == [
        frozenset(),
        frozenset(),
        frozenset({0, 1}),
        frozenset({0, 1, 2}),
        frozenset({0, 1, 2}),
    ]
    assert schedule.in_layers([]) == []
    with pytest.raises(ValueError, match="layer 1 is listed in two places"):
        schedule.in_layers([1, 0, 1])


def test_a_layer_runs_at_once_and_the_next_only_after_it() -> None:
    layer_of = {"web": 1, "api": 1, "db": 0, "cache": 0}
    names = ["web", "api", "db", "cache"]
    events: list[tuple[str, str]] = []
    changed = threading.Condition()

    def action(name: str) -> None:
        with changed:
            events.append(("start", name))
            changed.notify_all()
            # hold until the whole layer is in flight (bounded): one by one never gets there
            mates = {n for n in names if layer_of[n] == layer_of[name]}
            changed.wait_for(lambda: mates <= {n for _, n in events}, timeout=5)
            events.append(("end", name))

    after = schedule.in_layers([layer_of[n] for n in names])
    schedule.run(names, after, action, pool_size=8)
    order = [f"{kind} {name}" for kind, name in events]
    first_layer, second_layer = order[:4], order[4:]
    assert sorted(first_layer) == ["end api", "end web", "start api", "start web"]
    # both in flight before either ends
    assert sorted(first_layer[:2]) == ["start api", "start web"]
    assert sorted(second_layer[:2]) == ["start cache", "start db"]


def probe_of(*answers: bool | str) -> Callable[[], bool | str]:
    replies = iter(answers)
    return lambda: next(replies)


def test_readiness_polls_until_ready_and_says_it_waited_once() -> None:
    slept: list[float] = []
    announced: list[str] = []
    waited = schedule.wait_until(
        probe_of(False, False, True),
        timeout=60,
        poll=0.5,
        on_waiting=lambda: announced.append("waiting"),
        sleep=slept.append,
    )
    assert waited and slept == [0.5, 0.5] and announced == ["waiting"]
    assert schedule.wait_until(probe_of(True), timeout=60, poll=0.5) is False


def test_readiness_that_can_no_longer_be_met_or_times_out_raises() -> None:
    with pytest.raises(schedule.NeverReady, match="exited"):
        schedule.wait_until(probe_of(False, "db-1 exited (code 1)"), 60, 0, sleep=lambda _: None)
    now = [0.0]

    def tick(seconds: float) -> None:
        now[0] += seconds

    with pytest.raises(schedule.ReadyTimedOut):
        schedule.wait_until(lambda: False, 2, 1, clock=lambda: now[0], sleep=tick)
    assert now[0] == 3  # polled past the deadline once, not forever


def test_the_scheduler_knows_nothing_of_docker() -> None:
    code = (
        "import sys, core_monitor.engine.schedule; "
        "sys.exit(any(m.split('.')[0] == 'docker' for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
