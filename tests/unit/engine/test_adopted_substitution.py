"""Adopted containers in the plan: a verified match stands for our configuration while it
keeps the Compose hash it had; one that differs is recreated for ADOPTED_DIFFERS."""

from __future__ import annotations

import dataclasses

from core_monitor.compose import load_compose
from core_monitor.domain.plan import Cause, StepKind
from core_monitor.engine import labels as lbl
from core_monitor.engine.adopted import AdoptedContainer, substitute
from core_monitor.engine.model import ObservedContainer
from core_monitor.engine.planner import plan
from core_monitor.engine.state import ObservedState, desired_state

FILE = """
services:
  db: {image: "busybox:1"}
  web: {image: "busybox:1", environment: {MODE: blue}}
"""


def compose_container(service: str) -> ObservedContainer:
    """As Compose created it: its hash, no version of ours."""
    return ObservedContainer(
        id=f"id-{service}",
        name=f"shop-{service}-1",
        service=service,
        number=1,
        state="running",
        health=None,
        exit_code=None,
        image_id="sha256:img",
        config_hash=f"compose-{service}",
        labels={lbl.COMPOSE_PROJECT: "shop", lbl.COMPOSE_SERVICE: service},
    )


def test_matching_adopted_containers_plan_nothing_and_differing_ones_are_recreated() -> None:
    desired = desired_state(load_compose(FILE, {}, project_name="shop"), "sid", 1)
    records = [
        AdoptedContainer("id-db", "compose-db", desired.services["db"].config_hash),
        AdoptedContainer(
            "id-web", "compose-web", desired.services["web"].config_hash, ("environment.MODE",)
        ),
    ]
    containers, differing = substitute([compose_container("db"), compose_container("web")], records)
    observed = ObservedState(
        containers,
        [],
        [],
        frozenset({"shop_default"}),
        frozenset(),
        {"busybox:1": "sha256:img"},
        adopted_differences=differing,
    )
    steps = plan(desired, observed).steps
    assert [(s.kind, s.target, s.cause) for s in steps] == [
        (StepKind.RECREATE_CONTAINER, "shop-web-1", Cause.ADOPTED_DIFFERS),
        (StepKind.START_CONTAINER, "shop-web-1", Cause.RECREATED),
    ]
    assert steps[0].details.fields == ["environment.MODE"]
    assert steps[0].reason == "adopted container differs: environment.MODE"


def test_a_record_no_longer_applies_once_compose_changed_the_container() -> None:
    record = AdoptedContainer("id-db", "compose-db", "ours")
    changed = compose_container("db")
    changed = dataclasses.replace(changed, config_hash="compose-db-2")
    assert substitute([changed], [record]) == ([changed], {})
    assert substitute([compose_container("db")], [record])[0][0].config_hash == "ours"
