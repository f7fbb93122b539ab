"""What a plan adds per dependency layer, and the order its steps run in: the waits a layer
ends with (depends_on conditions of later services) and the run order the plan lists."""

from __future__ import annotations

from core_monitor.domain.plan import (
    Cause,
    Condition,
    ContainerStep,
    ResourceStep,
    Step,
    StepDetails,
    StepKind,
    WaitStep,
    describe,
)
from core_monitor.engine.state import DesiredState

_PHASE = {
    StepKind.PULL_IMAGE: 0,
    StepKind.BUILD_IMAGE: 1,
    StepKind.CREATE_NETWORK: 2,
    StepKind.CREATE_VOLUME: 3,
    # before any container that mounts them is created (recreates create too)
    StepKind.WRITE_PROJECT_FILES: 4,
    StepKind.REMOVE_CONTAINER: 5,
}
_WITHIN_LAYER = {
    StepKind.CREATE_CONTAINER: 0,
    StepKind.RECREATE_CONTAINER: 0,
    StepKind.START_CONTAINER: 1,
    StepKind.RESTART_CONTAINER: 1,
    StepKind.WAIT: 2,
}


def in_run_order(steps: list[Step]) -> list[Step]:
    """Resources and removals first (as planned), then per layer: creates and recreates,
    starts and restarts, waits; within each, by service and number (a stable sort)."""

    def key(step: Step) -> tuple[int, int, int, str, int]:
        if step.kind in _PHASE:
            return (_PHASE[step.kind], 0, 0, "", 0)
        assert not isinstance(step, ResourceStep)
        number = step.number if isinstance(step, ContainerStep) else 0
        return (len(_PHASE), step.layer or 0, _WITHIN_LAYER[step.kind], step.service, number)

    return sorted(steps, key=key)


def waits(desired: DesiredState, steps: list[Step], layer_of: dict[str, int]) -> list[Step]:
    """A service this plan starts (or creates, recreates, restarts) is waited on for each
    condition a dependent declares, before the next layer goes on; the wait is required
    unless every dependent waiting for it says ``required: false``. Services the plan
    leaves alone are not waited on (Compose does the same)."""
    if not desired.run:
        return []
    acted_on = {s.service for s in steps if isinstance(s, ContainerStep) and s.layer is not None}
    dependents: dict[tuple[str, Condition], dict[str, bool]] = {}  # → dependent: required
    for service in desired.services.values():
        for dep, condition in service.depends_on.items():
            if dep in acted_on:
                waiting = dependents.setdefault((dep, Condition(condition)), {})
                waiting[service.name] = dep not in service.optional
    return [
        _wait(dep, condition, layer_of[dep], waiting)
        for (dep, condition), waiting in sorted(dependents.items())
    ]


def _wait(dep: str, condition: Condition, layer: int, waiting: dict[str, bool]) -> WaitStep:
    """``waiting``: each dependent and whether it requires the condition."""
    names = sorted(waiting)
    return WaitStep(
        target=dep,
        service=dep,
        condition=condition,
        layer=layer,
        required=any(waiting.values()),
        cause=Cause.DEPENDENCY_CONDITION,
        reason=describe(
            Cause.DEPENDENCY_CONDITION, dependents=", ".join(names), condition=condition
        ),
        details=StepDetails(dependents=names),
    )
