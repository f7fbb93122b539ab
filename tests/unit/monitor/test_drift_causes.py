"""Drift and the plan's summary read each step's kind and cause, never its words: rewording
every reason changes nothing but the words."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core_monitor.compose import load_compose
from core_monitor.domain import plan as plan_module
from core_monitor.domain.plan import Cause, Plan
from core_monitor.engine import labels as lbl
from core_monitor.engine import planner
from core_monitor.engine.model import ObservedContainer
from core_monitor.engine.state import DesiredState, ObservedState, desired_state
from core_monitor.monitor.drift import detect, observed_state

IMAGE_ID = "sha256:aaa"
COMPOSE = """
services:
  db:
    image: busybox:1
    healthcheck: {test: ["CMD", "true"]}
    volumes: [data:/data]
  web:
    image: busybox:1
    depends_on: {db: {condition: service_healthy, restart: true}}
    deploy: {replicas: 2}
  api: {image: busybox:1, container_name: shop-api}
  cron: {image: busybox:1, volumes: ["./conf/site.conf:/etc/site.conf:ro"]}
  job: {image: other:1, pull_policy: always, deploy: {replicas: 1}}
  app: {build: ./app}
volumes: {data: {}}
"""


def desired() -> DesiredState:
    files = {"app/Dockerfile": b"FROM busybox:1\n", "conf/site.conf": b"v1"}
    project = load_compose(COMPOSE, project_name="shop", files=files)
    return desired_state(project, "sid", 1, files=files)


def container(
    wanted_state: DesiredState, service: str, number: int, **values: object
) -> ObservedContainer:
    wanted = wanted_state.services.get(service)
    fields: dict[str, object] = {
        "id": f"id-{service}-{number}",
        "name": f"shop-{service}-{number}",
        "service": service,
        "number": number,
        "state": "running",
        "health": None,
        "exit_code": None,
        "image_id": IMAGE_ID,
        "config_hash": wanted.config_hash if wanted else "h",
        "labels": {lbl.STACK_VERSION: "1"},
        **values,
    }
    return ObservedContainer(**fields)  # type: ignore[arg-type]


def scenarios(state: DesiredState) -> list[tuple[ObservedState, set[str]]]:
    """Observed states that between them give every cause the planner has."""
    images: dict[str, str | None] = {
        "busybox:1": IMAGE_ID,
        "other:1": IMAGE_ID,
        "shop-app": IMAGE_ID,
    }
    built: dict[str, str | None] = {"shop-app": "sha256:another-context"}  # build changed
    changed = [
        container(state, "db", 1, config_hash="by-hand"),  # config changed → restarts web
        container(state, "cron", 1, image_id="sha256:old"),  # image changed
        container(state, "web", 1),
        container(state, "web", 2, state="exited", exit_code=137),  # not running
        container(state, "web", 3),  # scale down
        container(state, "web", 2, id="id-dup"),  # duplicate number
        container(state, "cache", 1),  # orphan
        container(state, "api", 1),  # name changed (container_name)
        container(state, "app", 1),
    ]
    missing = [container(state, "db", 1, state="exited", exit_code=0)]
    other_files = {"conf/site.conf": "another version's"}  # files changed
    return [
        (
            replace(
                observed_state(changed, {"shop_default"}, {"shop_data"}, images, built=built),
                project_files=other_files,
            ),
            {"shop-web-2"},
        ),
        (observed_state(changed, {"shop_default"}, {"shop_data"}, images, built=built), set()),
        (
            observed_state(
                missing, set(), set(), {"busybox:1": None, "other:1": None, "shop-app": None}
            ),
            set(),
        ),
        (  # adopted from Compose, and not what the version creates
            observed_state(
                [container(state, "cron", 1, config_hash="compose", labels={})],
                {"shop_default"},
                {"shop_data"},
                images,
                adopted_differences={"id-cron-1": ["environment.X"]},
            ),
            set(),
        ),
    ]


def read(state: DesiredState) -> list[tuple[object, ...]]:
    """Everything behaviour depends on: drift (bar its words), summaries, kinds, causes."""
    seen: list[tuple[object, ...]] = []
    for observed, by_hand in scenarios(state):
        result: Plan = planner.plan(state, observed)
        seen.append(tuple(sorted(result.summary().items())))
        seen.append(tuple((s.kind, s.target, s.cause) for s in result.steps))
        for stopped in (False, True):
            items = detect(state, observed, stopped=stopped, stopped_by_hand=by_hand)
            seen += [(i.kind, i.target, i.service, i.difference, i.drifted) for i in items]
    return seen


def reasons(state: DesiredState) -> set[str]:
    return {
        s.reason for observed, _ in scenarios(state) for s in planner.plan(state, observed).steps
    }


def test_the_scenarios_reach_every_cause() -> None:
    state = desired()
    causes = {s.cause for o, _ in scenarios(state) for s in planner.plan(state, o).steps}
    assert causes == set(Cause)


def test_rewording_every_reason_changes_no_behaviour(monkeypatch: pytest.MonkeyPatch) -> None:
    state = desired()
    before, words = read(state), reasons(state)
    reworded = {cause: f"reworded #{n}" for n, cause in enumerate(Cause)}
    monkeypatch.setattr(plan_module, "REASONS", reworded)
    assert reasons(state).isdisjoint(words)  # the words did change…
    assert read(state) == before  # …and nothing else


def test_a_built_image_from_another_context_is_drift_named_as_such() -> None:
    state = desired()
    observed, by_hand = scenarios(state)[1]
    items = detect(state, observed, stopped=False, stopped_by_hand=by_hand)
    built = [i for i in items if i.target == "shop-app" and i.kind == "build_image"]
    assert [(i.difference, i.drifted) for i in built] == [("build_changed", True)]
