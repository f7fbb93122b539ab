"""A plan: the steps that take observed state to desired state, in the order they run.

Each step says what it acts on (a resource, a container, or a wait on a service), why in a
closed vocabulary (``Cause``, plus ``details``), and why in words (``reason``). Code switches
on ``kind`` and ``cause`` only: the words are for people and may be reworded freely.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class StepKind(StrEnum):
    PULL_IMAGE = "pull_image"
    BUILD_IMAGE = "build_image"
    CREATE_NETWORK = "create_network"
    CREATE_VOLUME = "create_volume"
    WRITE_PROJECT_FILES = "write_project_files"  # the version's bundle, into its project dir
    REMOVE_CONTAINER = "remove_container"
    CREATE_CONTAINER = "create_container"
    RECREATE_CONTAINER = "recreate_container"
    START_CONTAINER = "start_container"
    RESTART_CONTAINER = "restart_container"
    WAIT = "wait"


class Cause(StrEnum):
    """Why a step is in the plan: the closed set drift, metrics and the console switch on."""

    MISSING = "missing"  # network, volume, image, container or project files absent
    FILES_CHANGED = "files_changed"  # the project directory holds another version's files
    PULL_POLICY = "pull_policy"  # pull_policy: always pulls (build: builds) whatever is present
    BUILD_CHANGED = "build_changed"  # the image was built from another context or options
    ORPHAN = "orphan"  # its service is not in the version
    DUPLICATE = "duplicate"  # a second container under one number
    SCALE_DOWN = "scale_down"
    CONFIG_CHANGED = "config_changed"
    # an adopted container (Compose created it) that is not what the version creates
    ADOPTED_DIFFERS = "adopted_differs"
    IMAGE_CHANGED = "image_changed"
    NAME_CHANGED = "name_changed"
    NOT_RUNNING = "not_running"  # should run and does not (stopped, exited, created)
    CREATED = "created"  # start of a container this plan creates
    RECREATED = "recreated"  # start of a container this plan recreates
    DEPENDENCY_RECREATED = "dependency_recreated"  # depends_on restart: true
    DEPENDENCY_CONDITION = "dependency_condition"  # a later service waits for this one


class Condition(StrEnum):
    """What a wait step waits for (the depends_on condition that holds a later layer back)."""

    STARTED = "service_started"  # started: running, or already exited (a one-shot)
    HEALTHY = "service_healthy"
    COMPLETED_SUCCESSFULLY = "service_completed_successfully"


class StepDetails(BaseModel):
    """Facts behind a cause, typed: what changed, what was seen."""

    model_config = ConfigDict(frozen=True)

    # config_changed, adopted_differs: the fields that differ (empty: unknown)
    fields: list[str] = []
    state: str | None = None  # not_running: the container's state
    dependency: str | None = None  # dependency_recreated: the service recreated
    dependents: list[str] = []  # dependency_condition: the services waiting
    replicas: int | None = None  # scale_down: how many are kept
    files: list[str] = []  # files_changed: the bundle paths written or removed
    # pull_image: the registry of an image absent here that did not answer (the pull would fail)
    registry_unreachable: str | None = None
    # pull_image: the platform its services ask for (`platform:`), pulled as such
    platform: str | None = None
    # create/recreate of a pinned service: the image ID it ran, and the tag's image now
    pinned: str | None = None
    tag_image: str | None = None


class _Step(BaseModel):
    model_config = ConfigDict(frozen=True)

    cause: Cause
    reason: str  # the cause in words, for people only
    details: StepDetails = StepDetails()


class ResourceStep(_Step):
    """An image, network, volume or the project's files; ``target`` is its engine name,
    image reference, or (project files) the stack's project name."""

    kind: Literal[
        StepKind.PULL_IMAGE,
        StepKind.BUILD_IMAGE,
        StepKind.CREATE_NETWORK,
        StepKind.CREATE_VOLUME,
        StepKind.WRITE_PROJECT_FILES,
    ]
    target: str
    # build_image: the service whose build section it runs, and the digest the image gets
    # (here, not in ``details``: a details default is copied for every step of a plan)
    service: str | None = None
    digest: str | None = None


class ContainerStep(_Step):
    kind: Literal[
        StepKind.REMOVE_CONTAINER,
        StepKind.CREATE_CONTAINER,
        StepKind.RECREATE_CONTAINER,
        StepKind.START_CONTAINER,
        StepKind.RESTART_CONTAINER,
    ]
    target: str  # the container's name (for a recreate: the name the new one ends under)
    service: str
    number: int  # container number within its service
    # the observed container a step acts on: engine writes address it by this id, never by
    # its name, which another worker may have given to a new container meanwhile
    container_id: str | None = None
    # dependency layer; None: runs before every layer (removals)
    layer: int | None = None
    # the services whose container this one joins (network_mode, ipc or pid: service:x):
    # its create waits for the layers before its own, where they start
    joins: tuple[str, ...] = ()


class WaitStep(_Step):
    """Wait until ``service`` meets ``condition`` before the next layer goes on. When it is
    not ``required`` (every dependent says ``required: false``), a condition that fails or
    times out is a warning and the next layer goes on anyway (Compose's rule)."""

    kind: Literal[StepKind.WAIT] = StepKind.WAIT
    target: str  # the service waited on
    service: str
    condition: Condition
    layer: int
    required: bool = True


Step = Annotated[ResourceStep | ContainerStep | WaitStep, Field(discriminator="kind")]


class PlanWarning(BaseModel):
    """Something of the version the plan accepts but this engine may not honour as written
    (said here rather than dropped silently)."""

    model_config = ConfigDict(frozen=True)

    service: str
    path: str  # the field in the compose file, e.g. services.ml.deploy.resources.reservations
    message: str


class Plan(BaseModel):
    model_config = ConfigDict(frozen=True)

    stack: str
    version: int | None
    steps: list[Step]  # in the order they run (steps of one layer may run in parallel)
    warnings: list[PlanWarning] = []  # nothing to do with ``empty``: no step comes of them

    @property
    def empty(self) -> bool:
        return not self.steps

    def summary(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for step in self.steps:
            counts[step.kind] = counts.get(step.kind, 0) + 1
        return counts


# The words for each cause, filled from the facts the planner has. Only people read them.
REASONS: dict[Cause, str] = {
    Cause.MISSING: "{what} missing",
    Cause.PULL_POLICY: "pull_policy: {policy}",
    Cause.BUILD_CHANGED: "build context or options changed ({what})",
    Cause.FILES_CHANGED: "project files changed: {files}",
    Cause.ORPHAN: "orphan: service {service!r} is not in v{version}",
    Cause.DUPLICATE: "duplicate container number",
    Cause.SCALE_DOWN: "scale down to {replicas}",
    Cause.CONFIG_CHANGED: "config changed: {fields}",
    Cause.ADOPTED_DIFFERS: "adopted container differs: {fields}",
    Cause.IMAGE_CHANGED: "image changed",
    Cause.NAME_CHANGED: "container name changed",
    Cause.NOT_RUNNING: "not running ({state})",
    Cause.CREATED: "created",
    Cause.RECREATED: "recreated",
    Cause.DEPENDENCY_RECREATED: "dependency {dependency} recreated (restart: true)",
    Cause.DEPENDENCY_CONDITION: "{condition} required by {dependents}",
}


def describe(cause: Cause, **facts: object) -> str:
    return REASONS[cause].format(**facts)
