"""Drift: the plan APPLY of the applied version would execute now, read as differences."""

from __future__ import annotations

import dataclasses
from typing import Any

from core_monitor.domain.plan import Plan, StepKind
from core_monitor.engine import planner
from core_monitor.engine.model import ObservedContainer
from core_monitor.engine.state import DesiredState, ObservedState
from core_monitor.errors import ValidationFailed
from core_monitor.monitor.status import DriftItem

_DIFFERENCE = {
    StepKind.CREATE_CONTAINER: "missing",
    StepKind.CREATE_NETWORK: "network_missing",
    StepKind.CREATE_VOLUME: "volume_missing",
    StepKind.PULL_IMAGE: "image_missing",
}


def observed_state(
    containers: list[ObservedContainer],
    present_networks: set[str],
    present_volumes: set[str],
    images: dict[str, str | None],
    previous_configs: dict[tuple[int, str], dict[str, Any]] | None = None,
) -> ObservedState:
    return ObservedState(
        containers=containers,
        networks=[],
        volumes=[],
        present_networks=frozenset(present_networks),
        present_volumes=frozenset(present_volumes),
        images=images,
        previous_configs=previous_configs or {},
    )


def detect(
    desired: DesiredState, observed: ObservedState, *, stopped: bool, stopped_by_hand: set[str]
) -> list[DriftItem]:
    """``stopped``: the last command was STOP, so containers are meant to be down.
    ``stopped_by_hand``: containers someone stopped outside Core Monitor (seen as events)."""
    wanted = dataclasses.replace(desired, run=False) if stopped else desired
    try:
        plan = planner.plan(wanted, observed)
    except ValidationFailed as exc:
        return [
            DriftItem(
                kind="external_missing",
                target=e.path,
                difference="external_missing",
                reason=e.message,
                drifted=True,
            )
            for e in exc.errors
        ]
    return from_plan(plan, stopped_by_hand)


def from_plan(plan: Plan, stopped_by_hand: set[str]) -> list[DriftItem]:
    items = []
    for step in plan.steps:
        if step.kind == StepKind.PULL_IMAGE and step.reason == "pull_policy: always":
            continue  # a policy, not a difference
        if step.kind == StepKind.RESTART_CONTAINER:
            continue  # a consequence of a recreate listed anyway
        if step.kind == StepKind.START_CONTAINER:
            if step.reason in ("created", "recreated"):
                continue  # part of the create/recreate listed before it
            by_hand = step.target in stopped_by_hand
            items.append(
                DriftItem(
                    kind=step.kind,
                    target=step.target,
                    service=step.service,
                    difference="stopped" if by_hand else "not_running",
                    reason=("stopped outside Core Monitor; " if by_hand else "") + step.reason,
                    drifted=by_hand,
                )
            )
            continue
        if step.kind == StepKind.REMOVE_CONTAINER:
            difference = "extra"
        elif step.kind == StepKind.RECREATE_CONTAINER:
            difference = "config_changed" if step.reason.startswith("config changed") else "changed"
            if step.reason == "image changed":
                difference = "image_changed"
        else:
            difference = _DIFFERENCE.get(step.kind, str(step.kind))
        items.append(
            DriftItem(
                kind=step.kind,
                target=step.target,
                service=step.service,
                difference=difference,
                reason=step.reason,
                drifted=True,
            )
        )
    return items
