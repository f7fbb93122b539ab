"""Drift: the plan APPLY of the applied version would execute now, read as differences.

Read from each step's kind and cause, never from its words."""

from __future__ import annotations

import dataclasses
from collections.abc import Set as AbstractSet
from typing import Any

from core_monitor.domain.plan import Cause, ContainerStep, Plan, Step, StepKind, WaitStep
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
    StepKind.BUILD_IMAGE: "image_missing",
    StepKind.REMOVE_CONTAINER: "extra",
}
_RECREATE_DIFFERENCE = {
    Cause.CONFIG_CHANGED: "config_changed",
    Cause.ADOPTED_DIFFERS: "config_changed",
    Cause.IMAGE_CHANGED: "image_changed",
}
# not differences: a policy, or the consequence of a step listed anyway
# a container that does not run, by hand or not: what a service stopped on purpose should be
_DOWN = {"not_running", "stopped"}
_NOT_DRIFT = {Cause.PULL_POLICY, Cause.CREATED, Cause.RECREATED, Cause.DEPENDENCY_RECREATED}


def observed_state(
    containers: list[ObservedContainer],
    present_networks: set[str],
    present_volumes: set[str],
    images: dict[str, str | None],
    previous_configs: dict[tuple[int, str], dict[str, Any]] | None = None,
    built: dict[str, str | None] | None = None,
    adopted_differences: dict[str, list[str]] | None = None,
) -> ObservedState:
    """``built``: each built image's build digest label (reference → digest or None)."""
    return ObservedState(
        containers=containers,
        networks=[],
        volumes=[],
        present_networks=frozenset(present_networks),
        present_volumes=frozenset(present_volumes),
        images=images,
        built=built or {},
        previous_configs=previous_configs or {},
        adopted_differences=adopted_differences or {},
    )


def detect(
    desired: DesiredState,
    observed: ObservedState,
    *,
    stopped: bool,
    stopped_by_hand: set[str],
    stopped_services: AbstractSet[str] = frozenset(),
) -> list[DriftItem]:
    """``stopped``: every service was stopped on purpose, so containers are meant to be down;
    ``stopped_services``: the services a STOP stopped (theirs are not "not running").
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
    return [
        item
        for item in from_plan(plan, stopped_by_hand)
        if not (item.difference in _DOWN and item.service in stopped_services)
    ]


def from_plan(plan: Plan, stopped_by_hand: set[str]) -> list[DriftItem]:
    return [
        _item(step, stopped_by_hand)
        for step in plan.steps
        if not isinstance(step, WaitStep)
        and step.cause not in _NOT_DRIFT
        # the monitor does not read the project directory: its files are no drift signal
        and step.kind != StepKind.WRITE_PROJECT_FILES
    ]


def _item(step: Step, stopped_by_hand: set[str]) -> DriftItem:
    service = step.service if isinstance(step, ContainerStep) else None
    if step.cause == Cause.NOT_RUNNING:
        by_hand = step.target in stopped_by_hand
        return DriftItem(
            kind=step.kind,
            target=step.target,
            service=service,
            difference="stopped" if by_hand else "not_running",
            reason=("stopped outside Core Monitor; " if by_hand else "") + step.reason,
            drifted=by_hand,
        )
    if step.kind == StepKind.RECREATE_CONTAINER:
        difference = _RECREATE_DIFFERENCE.get(step.cause, "changed")
    elif step.cause == Cause.BUILD_CHANGED:  # a built image that is not the version's build
        difference = "build_changed"
    else:
        difference = _DIFFERENCE.get(step.kind, str(step.kind))
    return DriftItem(
        kind=step.kind,
        target=step.target,
        service=service,
        difference=difference,
        reason=step.reason,
        drifted=True,
    )
