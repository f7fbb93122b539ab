"""The DEPLOY executor: one deployment into the target's running container, verified, and
the previous one put back when it fails.

Steps: the applied version's container of the service → the driver's ``transfer`` →
``activate`` → ``verify`` → an HTTP probe of the deployed path from inside the container
(taken from the driver's verdict when its own exec probed that URL and it passed).
Success: the deployment is DEPLOYED and the target's previous one SUPERSEDED, in the commit
that records the command DONE. Failure: the previous deployment's artifact is deployed again
from our store; this one is marked FAILED with the driver's words (the previous stays
DEPLOYED, the target's current) and the command FAILED with them. ROLLED_BACK is not used
by this executor: a deployment that never served is FAILED.

Re-runnable after a crash: the deployment row and the driver's ``current`` are read again,
so a deployment already active is only verified, one already FAILED fails again with its
message, and nothing is ever left half-recorded. A first attempt does not ask ``current``:
nothing of this deployment can be in place before it ran (that saves an exec on every
deploy's path; re-runs, and putting the previous deployment back, still ask).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from core_monitor.deploy import probe as http
from core_monitor.deploy.artifacts import ArtifactStore
from core_monitor.deploy.driver import ContainerAccess, Driver, Release, Verdict
from core_monitor.domain.commands import CommandType, DeployPayload
from core_monitor.domain.deploy import Deployment, DeploymentStatus, DeployTarget, TargetKind
from core_monitor.errors import CommandCancelled, LeaseLost, NotFound, RetryableError, TerminalError
from core_monitor.queue.executors import ExecutionContext, ExecutorRegistry
from core_monitor.services.desired import DesiredVersions
from core_monitor.store import deploys as deploy_store
from core_monitor.store import stacks as stack_store
from core_monitor.store.clock import utcnow
from core_monitor.store.db import Database

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

# (host id, container id) → access to it; a DEPLOY's opener checks the host's engine first
OpenBox = Callable[[str, str], ContainerAccess]
Observe = Callable[[str, str, float], None]  # (target kind, outcome, seconds)
PASS_THROUGH = (LeaseLost, CommandCancelled, RetryableError)  # the worker's, not a failure


@dataclass(frozen=True)
class Job:
    target: DeployTarget
    driver: Driver
    box: ContainerAccess
    release: Release
    previous: Release | None


class DeployExecutor:
    def __init__(
        self,
        db: Database,
        store: ArtifactStore,
        versions: DesiredVersions,
        open_box: OpenBox,
        drivers: Callable[[], Mapping[TargetKind, Driver]],
        verify_seconds: float,
        ready_seconds: float = 60.0,
    ) -> None:
        self.db = db
        self.store = store
        self.versions = versions
        self.open_box = open_box
        self.drivers = drivers
        self.verify_seconds = verify_seconds
        self.ready_seconds = ready_seconds  # a server just started may not listen yet
        self.observers: list[Observe] = []
        self.clock: Callable[[], float] = time.monotonic
        self.sleep: Callable[[float], None] = time.sleep

    def register(self, registry: ExecutorRegistry) -> None:
        registry.register(CommandType.DEPLOY, self.run)

    def run(self, ctx: ExecutionContext) -> None:
        started = self.clock()
        payload = ctx.command.payload_as(DeployPayload)
        deployment = self._deployment(payload.deployment_id)
        if deployment.status == DeploymentStatus.FAILED:  # recorded before a crash
            raise TerminalError(deployment.message or "the deployment failed")
        if deployment.status != DeploymentStatus.DEPLOYING:
            ctx.log_later(f"deployment {deployment.deployment_id} is {deployment.status} already")
            return
        job = self._job(ctx.command.stack_id or "", payload)
        kind = job.target.kind.value
        previous = job.previous.deployment_id if job.previous else None
        verdict = self._deploy(ctx, job, job.release, fresh=ctx.command.attempts <= 1)
        if verdict.ok:
            self._succeeded(ctx, job, verdict, previous)
            self._observe(kind, "deployed", started)
            return
        restored = self._restore(ctx, job)
        with self.db.write() as session:
            deploy_store.conclude(
                session,
                payload.deployment_id,
                DeploymentStatus.FAILED,
                finished_at=utcnow(),
                message=verdict.message,
                health=verdict.message,
                previous=previous,
            )
        self._observe(kind, "failed", started)
        raise TerminalError(
            f"deploy of {job.release.artifact.filename} failed: {verdict.message}; {restored}"
        )

    # -- reading what to do ------------------------------------------------------------
    def _deployment(self, deployment_id: str) -> Deployment:
        try:
            with self.db.read() as session:
                return deploy_store.get_deployment(session, deployment_id)
        except NotFound:
            raise TerminalError(f"no deployment {deployment_id!r} to run") from None

    def _job(self, stack_id: str, payload: DeployPayload) -> Job:
        with self.db.read() as session:
            stack = stack_store.get_stack(session, stack_id)
            if stack.current_version is None:
                raise TerminalError(f"stack {stack.name} was never applied: nothing runs there")
            applied = stack_store.get_version(session, stack.stack_id, stack.current_version)
            artifact = deploy_store.get_artifact(session, payload.artifact)
            before = deploy_store.current_of(session, stack_id, payload.service, payload.path)
            earlier = deploy_store.get_artifact(session, before.artifact) if before else None
        version = stack.current_version
        spec = self.versions.get(stack.stack_id, version).project.services.get(payload.service)
        if spec is None or spec.deploy is None:
            raise TerminalError(f"service {payload.service!r} of v{version} has no deploy target")
        target = DeployTarget(service=payload.service, settings=spec.deploy)
        driver = self.drivers().get(target.kind)
        if driver is None:
            raise TerminalError(f"no {target.kind.value} driver on this server")
        container = container_of(applied.runtime.mapping, payload.service)
        if container is None:
            raise TerminalError(f"service {payload.service!r} has no container in v{version}")
        release = Release(
            payload.deployment_id,
            payload.path,
            artifact,
            self.store.path(artifact.sha256),
            self.ready_seconds,
        )
        previous = None
        if before is not None and earlier is not None:
            previous = Release(
                before.deployment_id,
                before.path,
                earlier,
                self.store.path(earlier.sha256),
                self.ready_seconds,
            )
        return Job(target, driver, self.open_box(stack.host_id, container), release, previous)

    # -- doing it ----------------------------------------------------------------------
    def _deploy(
        self, ctx: ExecutionContext, job: Job, release: Release, fresh: bool = False
    ) -> Verdict:
        """``release`` put in place, the driver's verdict, then the probe's."""
        ctx.checkpoint()
        try:
            verdict = self._put_in_place(ctx, job, release, fresh)
        except PASS_THROUGH:
            raise
        except Exception as exc:  # the driver's own failure: this deployment's outcome
            return Verdict(False, f"{type(exc).__name__}: {exc}")
        return self._probed(ctx, job, release, verdict)

    def _put_in_place(
        self, ctx: ExecutionContext, job: Job, release: Release, fresh: bool
    ) -> Verdict:
        """Transferred and activated, unless active already (never asked when ``fresh``:
        nothing of ``release`` can be in place before its first attempt)."""
        target, driver, box = job.target, job.driver, job.box
        if not fresh and driver.current(box, target, release.path) == release.deployment_id:
            ctx.log(f"{release.deployment_id} is active already: verifying it")
            return driver.verify(box, target, release, ctx.log)
        ctx.check_lease()
        ctx.log(f"transfer {release.artifact.filename} to {target.service} {release.path}")
        driver.transfer(box, target, release, ctx.log)
        ctx.check_lease()
        # rides with the driver's next line or the verdict's: one commit less
        ctx.log_later(f"activate {release.deployment_id}")
        activated = driver.activate(box, target, release, ctx.log)
        return activated if activated is not None else driver.verify(box, target, release, ctx.log)

    def _probed(
        self, ctx: ExecutionContext, job: Job, release: Release, verdict: Verdict
    ) -> Verdict:
        """The HTTP probe of the deployed path after the driver's verdict (taken from the
        verdict when the driver's own exec probed it and it passed)."""
        url = http.probe_url(job.target.settings, release.path)
        if verdict.ok and http.passes(verdict.probed):
            ctx.log_later(f"driver says: {verdict.message}", ok=True)  # the outcome follows
            passed, seen = True, f"GET {url} → {verdict.probed}"
        else:
            ctx.log(f"driver says: {verdict.message}", ok=verdict.ok)
            if not verdict.ok:
                return verdict
            passed, seen = http.probe(job.box, url, self.verify_seconds, self.clock, self.sleep)
        # committed with what comes next (the outcome, or putting the previous one back)
        ctx.log_later(f"probe: {seen}", ok=passed)
        return Verdict(passed, seen)

    def _succeeded(
        self, ctx: ExecutionContext, job: Job, verdict: Verdict, previous: str | None
    ) -> None:
        deployment_id = job.release.deployment_id

        def record(session: Session) -> None:
            deploy_store.conclude(
                session,
                deployment_id,
                DeploymentStatus.DEPLOYED,
                finished_at=utcnow(),
                health=verdict.message,
                previous=previous,
            )

        ctx.log_later(f"{deployment_id} deployed to {job.target.service} {job.release.path}")
        ctx.commit_with_outcome(record)

    def _restore(self, ctx: ExecutionContext, job: Job) -> str:
        """Put the target's previous deployment back; what happened, in words."""
        if job.previous is None:
            return "no previous deployment to put back"
        ctx.log(f"putting back {job.previous.deployment_id} ({job.previous.artifact.filename})")
        verdict = self._deploy(ctx, job, job.previous)
        if verdict.ok:
            back = job.previous
            return f"{back.artifact.filename} (deployment {back.deployment_id}) serves again"
        ctx.log(f"putting back failed: {verdict.message}", level="error")
        return f"putting back {job.previous.deployment_id} failed too: {verdict.message}"

    def _observe(self, kind: str, outcome: str, started: float) -> None:
        for observer in self.observers:
            observer(kind, outcome, self.clock() - started)


def container_of(mapping: dict[str, object], service: str) -> str | None:
    """The service's first container (by number) in a version's runtime mapping."""
    containers = mapping.get("containers")
    if not isinstance(containers, dict):
        return None
    found = sorted(
        (c.get("number") or 0, c["id"])
        for c in containers.values()
        if isinstance(c, dict) and c.get("service") == service and c.get("id")
    )
    return str(found[0][1]) if found else None
