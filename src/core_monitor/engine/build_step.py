"""A BUILD_IMAGE step: the service's build section and the version's files → one build
through the engine, its output bounded into the command log. No decisions: the planner said
to build; this says how the output is logged and what a failure says."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

from core_monitor.domain.bundle import ProjectFiles
from core_monitor.domain.compose import ComposeProject
from core_monitor.domain.plan import ResourceStep
from core_monitor.engine import build_context
from core_monitor.engine.build_log import BuildLog
from core_monitor.engine.docker.build import build_image
from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.engine.errors import BuildFailed
from core_monitor.errors import TerminalError

# a build's events can come by thousands: the cancel/lease/deadline check (a database read)
# runs between them at most this often
CHECK_SECONDS = 1.0


class Reporter(Protocol):
    def log(self, message: str, level: str = "info", **fields: object) -> None: ...

    def checkpoint(self) -> None: ...


def run(
    gateway: DockerGateway,
    project: ComposeProject,
    files: ProjectFiles,
    step: ResourceStep,
    reporter: Reporter,
) -> str:
    """Builds ``step.target`` from its service's build section; returns the image ID.
    A failed build raises BuildFailed quoting the build's own last lines."""
    service = step.service or ""
    spec = project.services[service].build if service in project.services else None
    if spec is None:
        raise TerminalError(f"build {step.target}: service {service!r} has no build section")
    request = build_context.request(step.target, spec, files)
    reporter.log(f"build {step.target}: {step.reason}", step=step.kind, service=service)
    output = BuildLog(lambda line: reporter.log(line, step=step.kind, service=service))
    try:
        between = _at_most_every(CHECK_SECONDS, reporter.checkpoint)
        image_id = build_image(gateway, request, output.feed, between)
    except BuildFailed as exc:
        output.finish()
        raise BuildFailed(f"build of {step.target} failed:\n{output.failure(str(exc))}") from exc
    output.finish()
    reporter.log(f"built {step.target} ({image_id[:19]})", step=step.kind, service=service)
    return image_id


def _at_most_every(seconds: float, fn: Callable[[], None]) -> Callable[[], None]:
    last = [0.0]

    def throttled() -> None:
        now = time.monotonic()
        if now - last[0] >= seconds:
            last[0] = now
            fn()

    return throttled
