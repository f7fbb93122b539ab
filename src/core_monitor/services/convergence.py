"""The engine's executors for queue commands: APPLY and ROLLBACK (DELETE, START, STOP and
RESTART: services/runtime_actions.py, registered with them).

Level-triggered: every run re-observes the engine and re-plans, so a re-run after a crash
or a cancel converges instead of repeating steps. Each acts on its stack's Docker host
(``Stack.host_id``), whose engine is checked first (``HostRegistry.checked``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from core_monitor.domain.commands import (
    ApplyPayload,
    CommandType,
    RollbackPayload,
)
from core_monitor.domain.compose import ComposeProject
from core_monitor.domain.delivery import GateState, Pin, apply_refusal, freeze_reason
from core_monitor.domain.plan import Plan
from core_monitor.domain.policy import breaking, refusal
from core_monitor.domain.project_dir import allowing_projects
from core_monitor.domain.stack import StackStatus
from core_monitor.engine import planner
from core_monitor.engine.adopted import AdoptedContainer
from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.engine.executor import ExecutionOptions, PlanExecutor
from core_monitor.engine.observe import observe, observe_resources
from core_monitor.engine.request_guard import RequestGuard, definition_violations
from core_monitor.engine.state import DesiredState, ObservedState
from core_monitor.errors import (
    CommandCancelled,
    LeaseLost,
    NotFound,
    RetryableError,
    TerminalError,
)
from core_monitor.hosts.registry import HostRegistry
from core_monitor.queue.executors import ExecutionContext, ExecutorRegistry
from core_monitor.services import atomic
from core_monitor.services import pins as pin_rules
from core_monitor.services.desired import DesiredVersions
from core_monitor.services.runtime_actions import RuntimeActions, status_of
from core_monitor.settings import Settings
from core_monitor.store import adopted as adopted_store
from core_monitor.store import audit
from core_monitor.store import delivery as delivery_store
from core_monitor.store import policy as policy_store
from core_monitor.store import stacks as stack_store
from core_monitor.store import stopped as stopped_store
from core_monitor.store.db import Database
from core_monitor.vault import SecretBox

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


class Convergence:
    def __init__(self, db: Database, settings: Settings, hosts: HostRegistry) -> None:
        """``hosts``: where each stack's host's gateway comes from (the only place that
        builds one)."""
        self.db = db
        self.settings = settings
        self.hosts = hosts
        self.box = SecretBox.of(settings)
        self.versions = DesiredVersions(db, self.box)
        # told (command id, plan) before an APPLY or ROLLBACK runs it
        self.plan_listeners: list[Callable[[str, Plan], None]] = []

    def register(self, registry: ExecutorRegistry) -> None:
        registry.register(CommandType.APPLY, self.apply)
        registry.register(CommandType.ROLLBACK, self.rollback)
        RuntimeActions(self).register(registry)  # DELETE, START, STOP, RESTART

    @property
    def gateway(self) -> DockerGateway:
        """The default host's (``local``): adoption reads Compose projects there."""
        return self.hosts.default()

    def gateway_of(self, stack_ref: str) -> DockerGateway:
        """The gateway of the stack's host, unchecked (reads, plans)."""
        with self.db.read() as session:
            host_id = stack_store.get_stack(session, stack_ref).host_id
        return self.hosts.get(host_id)

    def checked(self, ctx: ExecutionContext) -> DockerGateway:
        """The command's stack's host, its engine checked: HostFailure when it is away or
        not the trusted one (the command then fails at once)."""
        with self.db.read() as session:
            host_id = stack_store.get_stack(session, ctx.command.stack_id or "").host_id
        return self.hosts.checked(host_id)

    # -- planning (also the dry run) ----------------------------------------------------
    def desired(self, stack_ref: str, version: int) -> tuple[ComposeProject, DesiredState]:
        with self.db.read() as session:
            stack = stack_store.get_stack(session, stack_ref)
        found = self.versions.get(stack.stack_id, version)
        return found.project, found.state

    def _guard(self, project: ComposeProject, stack_id: str) -> RequestGuard:
        """The policy as it stands now (it may have changed since the version was made):
        judged on the whole definition before anything happens, then on each request right
        before it is sent."""
        with self.db.read() as session:
            policy = policy_store.get_policy(session)
            allowed = policy_store.allowed_rules(session, stack_id)
        places = self.settings.places
        policy = allowing_projects(policy, places)
        found = breaking(definition_violations(project, policy, places), policy, allowed)
        if found:
            raise TerminalError(refusal(found))
        return RequestGuard(self.gateway_of(stack_id), project, policy, allowed)

    def plan(self, stack_ref: str, version: int, allow_repin: bool = False) -> Plan:
        _, desired = self.to_run(stack_ref, version, allow_repin)
        return planner.plan(desired, self._observe(desired))

    def check_pins(self, stack_ref: str, version: int, allow_repin: bool) -> None:
        """Refuses (409) a version whose pinned images are gone and cannot be pulled by
        digest; a stack, version or engine that does not answer is left to the enqueue and
        the worker to report."""
        try:
            self.to_run(stack_ref, version, allow_repin)
        except (NotFound, RetryableError):
            return

    def to_run(
        self, stack_ref: str, version: int, allow_repin: bool
    ) -> tuple[ComposeProject, DesiredState]:
        """The version as it runs: its pinned images where it has pins (PinnedImageGone, a
        409, when one is gone and cannot be pulled by digest, unless ``allow_repin``)."""
        project, desired = self.desired(stack_ref, version)
        with self.db.read() as session:
            pins = delivery_store.pins(session, desired.stack_id, version)
        if not pins:
            return project, desired
        gateway = self.gateway_of(desired.stack_id)
        chosen = pin_rules.choices(
            desired, pins, lambda image: gateway.image_id(image) is not None, allow_repin
        )
        pin_rules.refuse_gone(version, chosen)
        return pin_rules.pinned(project, desired, chosen)

    def _observe(self, desired: DesiredState) -> ObservedState:
        return observe(
            self.gateway_of(desired.stack_id),
            desired,
            lambda versions: self.versions.previous_configs(desired.stack_id, versions),
            self.settings.places,
            lambda: self._adopted(desired.stack_id),
        )

    def _adopted(self, stack_id: str) -> list[AdoptedContainer]:
        with self.db.read() as session:
            return adopted_store.adopted(session, stack_id)

    # -- executors ----------------------------------------------------------------------
    def apply(self, ctx: ExecutionContext) -> None:
        payload = ctx.command.payload_as(ApplyPayload)
        stack_id = ctx.command.stack_id or ""
        self.checked(ctx)
        with self.db.read() as session:
            refusal = apply_refusal(
                delivery_store.freeze_of(session, stack_id), payload.version, bool(payload.force)
            )
            defaults = delivery_store.defaults(session, stack_id)
        if refusal:  # frozen after it was queued: the rule holds when it runs too
            raise TerminalError(refusal)
        atomic = defaults.atomic if payload.atomic is None else payload.atomic
        if not atomic:
            self._converge(ctx, payload.version, "apply", bool(payload.allow_repin))
            return
        timeout = payload.timeout or defaults.timeout_seconds
        self._atomic(ctx, payload.version, bool(payload.allow_repin), timeout)

    def rollback(self, ctx: ExecutionContext) -> None:
        payload = ctx.command.payload_as(RollbackPayload)
        version = payload.version
        self.checked(ctx)
        reason = freeze_reason(payload.reason, version)
        by = ctx.command.requested_by

        def freeze(session: Session) -> None:
            delivery_store.freeze(session, ctx.command.stack_id or "", version, by, reason)
            audit.record(
                session,
                actor=by,
                action="stack.freeze",
                target=f"stack:{ctx.command.stack_id}",
                details={"version": version, "reason": reason, "by": "rollback"},
            )

        ctx.log_later(f"frozen at v{version}: {reason}", frozen=version)
        ctx.commit_with_outcome(freeze)
        self._converge(ctx, version, "rollback", bool(payload.allow_repin))

    def _atomic(self, ctx: ExecutionContext, version: int, allow_repin: bool, timeout: int) -> None:
        """See services/atomic.py: forward, gate, or revert to the previous version."""
        stack_id = ctx.command.stack_id or ""
        done = atomic.progress(self.db, ctx.command.command_id)
        previous = done.previous
        if not done.started:
            with self.db.read() as session:
                previous = stack_store.get_stack(session, stack_id).current_version
            ctx.log(
                f"atomic apply of v{version}: every service ready within {timeout}s, "
                + (f"else back to v{previous}" if previous else "no version to revert to"),
                atomic=atomic.START,
                previous=previous,
            )
        why = done.reverting_why
        if why is None:
            why = self._forward(ctx, version, allow_repin, timeout)
            if why is None:
                return
            ctx.log(f"gate failed: {why}", level="error", atomic=atomic.REVERTING, why=why)
        else:
            ctx.log(f"resuming the revert after a restart ({why})", level="warning")
        self._revert(ctx, version, previous, why)

    def _forward(
        self, ctx: ExecutionContext, version: int, allow_repin: bool, timeout: int
    ) -> str | None:
        """Apply and hold the gate: None when it passed (concluded), else why it failed. A
        cancel, a lost lease or a retryable error is not a failure of the version: raised."""
        try:
            desired = self._converge(ctx, version, "apply", allow_repin, conclude=False)
        except (CommandCancelled, LeaseLost, RetryableError):
            raise
        except Exception as exc:  # a failed step or wait is the version failing too
            return f"the apply failed: {exc}"
        gateway = self.gateway_of(desired.stack_id)
        verdict = atomic.hold_gate(gateway, ctx, desired, timeout)
        if verdict.state != GateState.PASSED:
            return atomic.failure_text(gateway, verdict)
        ctx.log(f"gate passed: every service of v{version} is ready")
        self._conclude(ctx, desired, version, observe_resources(gateway, desired))
        return None

    def _revert(self, ctx: ExecutionContext, version: int, previous: int | None, why: str) -> None:
        if previous is None:
            raise TerminalError(
                f"v{version} failed its gate: {why}; no earlier version to revert to"
            )
        desired = self._converge(ctx, previous, "revert to", True, conclude=False)
        gateway = self.gateway_of(desired.stack_id)
        now = observe_resources(gateway, desired)
        pins = pin_rules.run_pins(desired, now.containers, _repo_digest(gateway))
        with self.db.write() as session:  # the command FAILS: its outcome writes are dropped
            self._record(session, desired, previous, now, pins)
        ctx.log(f"reverted to v{previous}", level="warning", reverted_to=previous)
        raise TerminalError(f"v{version} failed its gate: {why}; reverted to v{previous}")

    def _converge(
        self,
        ctx: ExecutionContext,
        version: int,
        verb: str,
        allow_repin: bool,
        *,
        conclude: bool = True,
    ) -> DesiredState:
        stack_id = ctx.command.stack_id or ""
        try:
            project, desired = self.to_run(stack_id, version, allow_repin)
            guard = self._guard(project, stack_id)
            observed = self._observe(desired)
            plan = planner.plan(desired, observed)
            for listener in self.plan_listeners:
                listener(ctx.command.command_id, plan)
            line = f"{verb} v{version}: {len(plan.steps)} step(s)"
            steps = [f"{s.kind} {s.target}: {s.reason}" for s in plan.steps]
            if not plan.steps:  # converged already: what was observed is what is there
                guard.close()
                ctx.log_later(line, plan=plan.summary(), steps=steps)
                if conclude:
                    self._conclude(ctx, desired, version, observed)
                return desired
            ctx.log(line, plan=plan.summary(), steps=steps)
            with self.db.write() as session:
                stack_store.set_status(
                    session, stack_id, StackStatus.DEPLOYING, desired_version=version
                )
            options = ExecutionOptions(
                command_id=ctx.command.command_id,
                wait_timeout=self.settings.wait_timeout_seconds,
                guard=guard,
                fence=ctx.check_lease,
                places=self.settings.places,
            )
            gateway = self.gateway_of(stack_id)
            try:
                PlanExecutor(gateway, project, desired, ctx, options).execute(plan)
            finally:
                guard.close()
            ctx.checkpoint()
            if conclude:
                self._conclude(ctx, desired, version, observe_resources(gateway, desired))
            return desired
        except Exception:
            with self.db.write() as session:
                stack_store.set_status(
                    session, stack_id, StackStatus.FAILED, desired_version=version
                )
            raise

    def converge(self, ctx: ExecutionContext, version: int, verb: str) -> None:
        """Apply ``version`` on the stack's host, its tags run where its pins are gone (a
        MOVE's last step: the pins name what the old host ran)."""
        self._converge(ctx, version, verb, True)

    def _conclude(
        self, ctx: ExecutionContext, desired: DesiredState, version: int, now: ObservedState
    ) -> None:
        """What the version became is recorded with the command's outcome, in one commit."""
        ctx.log_later(f"stack is {status_of(desired.services, now.containers)} at v{version}")
        pins = pin_rules.run_pins(
            desired, now.containers, _repo_digest(self.gateway_of(desired.stack_id))
        )
        ctx.commit_with_outcome(lambda session: self._record(session, desired, version, now, pins))

    def _record(
        self,
        session: Session,
        desired: DesiredState,
        version: int,
        now: ObservedState,
        pins: list[Pin],
    ) -> None:
        """The version's runtime record, its pins (what each service ran) and the stack."""
        containers = now.containers
        mapping = {
            "containers": {
                c.name: {"id": c.id, "service": c.service, "number": c.number} for c in containers
            },
            "networks": {n.name: n.id for n in now.networks},
            "volumes": sorted(v.name for v in now.volumes),
        }
        status = status_of(desired.services, containers)
        stack_store.record_runtime(session, desired.stack_id, version, status, mapping)
        delivery_store.record_pins(session, desired.stack_id, version, pins)
        stopped_store.clear_stopped(session, desired.stack_id, None)  # all run again
        stack_store.set_status(
            session, desired.stack_id, status, desired_version=version, current_version=version
        )


def _repo_digest(gateway: DockerGateway) -> Callable[[str], str | None]:
    def digest(image_id: str) -> str | None:
        found = gateway.inspect_image(image_id) or {}
        digests = found.get("RepoDigests") or []
        return str(digests[0]) if digests else None

    return digest
