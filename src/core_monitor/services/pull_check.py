"""Before an APPLY: an image absent here whose registry does not answer cannot be pulled.

Said in the plan preview (the pull step's ``details.registry_unreachable``) and refused when
an APPLY or ROLLBACK is requested (409), rather than a FAILED command after the fact with
the queue halted behind it. One bounded question per registry, its answer kept a short while:
a preview or an enqueue never waits on a registry for more than ``ASK_SECONDS``. The
engine asked is the stack's host's (each host reaches registries through its own network).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

from core_monitor.domain.plan import Plan, ResourceStep, Step, StepKind
from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.engine.state import DesiredState
from core_monitor.errors import Conflict, NotFound, RetryableError

ASK_SECONDS = 3.0
REMEMBER_SECONDS = 30.0
DEFAULT_REGISTRY = "docker.io"


class ImageUnpullable(Conflict):
    title = "Image cannot be pulled"


def registry_of(reference: str) -> str:
    """The registry host of an image reference, as the docker CLI reads it."""
    first, slash, _ = reference.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        return first
    return DEFAULT_REGISTRY


class PullCheck:
    def __init__(
        self,
        gateways: Callable[[str], DockerGateway],
        desired: Callable[[str, int], DesiredState],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``gateways``: a stack's host's gateway; ``desired``: a stack version's desired
        state (the images it runs)."""
        self._gateways = gateways
        self._desired = desired
        self._clock = clock
        # (engine, registry) → (when, answered)
        self._answered: dict[tuple[str, str], tuple[float, bool]] = {}
        self._lock = threading.Lock()

    def unreachable_registry(self, reference: str, stack: str) -> str | None:
        """The registry of an image absent on the stack's host, when it does not answer
        that engine; else None."""
        gateway = self._gateways(stack)
        if gateway.image_id(reference) is not None:
            return None
        host = registry_of(reference)
        key = (gateway.address, host)
        with self._lock:
            known = self._answered.get(key)
        if known is None or self._clock() - known[0] > REMEMBER_SECONDS:
            known = (self._clock(), gateway.registry_answers(reference, ASK_SECONDS))
            with self._lock:
                self._answered[key] = known
        return None if known[1] else host

    def annotate(self, plan: Plan) -> Plan:
        """The plan, each pull of an image that cannot be pulled now saying so."""
        steps = [self._annotated(s, plan.stack) for s in plan.steps]
        return plan.model_copy(update={"steps": steps})

    def _annotated(self, step: Step, stack: str) -> Step:
        if not isinstance(step, ResourceStep) or step.kind != StepKind.PULL_IMAGE:
            return step
        host = self.unreachable_registry(step.target, stack)
        if host is None:
            return step
        details = step.details.model_copy(update={"registry_unreachable": host})
        reason = f"{step.reason}; its registry {host} does not answer"
        return step.model_copy(update={"details": details, "reason": reason})

    def refuse_unpullable(self, stack_id: str, version: int) -> None:
        """Raises ImageUnpullable naming the first image of the version that is absent here
        and whose registry does not answer. An engine that does not answer, or a version
        that does not exist, is left to the enqueue and the worker to report."""
        try:
            services = self._desired(stack_id, version).services.values()
            # a built image is never pulled: its registry is not asked
            self._refuse(
                stack_id,
                (s.image for s in services if s.pull_policy != "never" and s.build_digest is None),
            )
        except (RetryableError, NotFound):
            return

    def _refuse(self, stack: str, images: Iterable[str]) -> None:
        for reference in sorted(set(images)):
            host = self.unreachable_registry(reference, stack)
            if host is not None:
                raise ImageUnpullable(
                    f"image {reference} is not on this host and its registry {host} does not "
                    "answer: an apply would fail at its pull"
                )
