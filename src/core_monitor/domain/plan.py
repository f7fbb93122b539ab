"""A plan: the ordered steps that take observed state to desired state, each with a reason."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class StepKind(StrEnum):
    CREATE_NETWORK = "create_network"
    CREATE_VOLUME = "create_volume"
    PULL_IMAGE = "pull_image"
    REMOVE_CONTAINER = "remove_container"
    CREATE_CONTAINER = "create_container"
    RECREATE_CONTAINER = "recreate_container"
    START_CONTAINER = "start_container"
    RESTART_CONTAINER = "restart_container"
    STOP_CONTAINER = "stop_container"
    REMOVE_NETWORK = "remove_network"
    REMOVE_VOLUME = "remove_volume"


class Step(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: StepKind
    target: str  # container, network or volume name; image reference for pulls
    reason: str
    # the observed container a step acts on: engine writes address it by this id, never by
    # its name, which another worker may have given to a new container meanwhile
    container_id: str | None = None
    service: str | None = None
    number: int | None = None  # container number within its service
    layer: int = 0  # dependency layer: steps of one layer may run in parallel


class Plan(BaseModel):
    model_config = ConfigDict(frozen=True)

    stack: str
    version: int | None
    steps: list[Step]

    @property
    def empty(self) -> bool:
        return not self.steps

    def summary(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for step in self.steps:
            counts[step.kind] = counts.get(step.kind, 0) + 1
        return counts
