"""The engine's executors for queue commands: APPLY, ROLLBACK, DELETE, START, STOP, RESTART.

Level-triggered: every run re-observes the engine and re-plans, so a re-run after a crash
or a cancel converges instead of repeating steps. Each acts on its stack's Docker host
(``Stack.host_id``), whose engine is checked first (``HostRegistry.checked``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING

from core_monitor.domain.commands import (
    ApplyPayload,
    CommandType,
    DeletePayload,
    RollbackPayload,
    RuntimeActionPayload,
)
from core_monitor.domain.compose import ComposeProject
from core_monitor.domain.delivery import GateState, Pin, apply_refusal, freeze_reason
from core_monitor.domain.graph import layers
from core_monitor.domain.health import assess
from core_monitor.domain.plan import Plan
from core_monitor.domain.policy import breaking, refusal
from core_monitor.domain.project_dir import allowing_projects
from core_monitor.domain.stack import Stack, StackStatus
from core_monitor.engine import labels as lbl
from core_monitor.engine import planner, schedule
from core_monitor.engine.adopted import AdoptedContainer
from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.engine.docker.mutations import DockerMutations
from core_monitor.engine.executor import POOL_SIZE, ExecutionOptions, PlanExecutor
from core_monitor.engine.model import ObservedContainer
from core_monitor.engine.observe import observe, observe_resources
from core_monitor.engine.request_guard import RequestGuard, definition_violations
from core_monitor.engine.state import DesiredService, DesiredState, ObservedState
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
        registry.register(CommandType.DELETE, self.delete)
        registry.register(CommandType.START, self.start)
        registry.register(CommandType.STOP, self.stop)
        registry.register(CommandType.RESTART, self.restart)

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
        ctx.log_later(f"stack is {_status(desired.services, now.containers)} at v{version}")
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
        status = _status(desired.services, containers)
        stack_store.record_runtime(session, desired.stack_id, version, status, mapping)
        delivery_store.record_pins(session, desired.stack_id, version, pins)
        stopped_store.clear_stopped(session, desired.stack_id, None)  # all run again
        stack_store.set_status(
            session, desired.stack_id, status, desired_version=version, current_version=version
        )

    def delete(self, ctx: ExecutionContext) -> None:
        stack_id = ctx.command.stack_id or ""
        remove_volumes = ctx.command.payload_as(DeletePayload).remove_volumes
        with self.db.read() as session:
            stack = stack_store.get_stack(session, stack_id)
        self.remove(ctx, stack, self.checked(ctx), remove_volumes)
        with self.db.write() as session:
            stack_store.soft_delete(session, stack_id)

    def remove(
        self, ctx: ExecutionContext, stack: Stack, gateway: DockerGateway, remove_volumes: bool
    ) -> None:
        """The stack's containers, networks (and, ``remove_volumes``, volumes) on the host
        of ``gateway``: what is gone already is not looked for again (a re-run after a
        crash finishes the job)."""
        mutations = DockerMutations(gateway, fence=ctx.check_lease)
        grace = self._stop_timeouts(stack.stack_id, stack.current_version or stack.desired_version)

        def remove(container: ObservedContainer) -> None:
            ctx.checkpoint()
            ctx.log(f"remove {container.name}", service=container.service)
            mutations.stop(container.id, timeout=grace.get(container.service))
            # like `docker compose down -v`: anonymous volumes go with their container
            mutations.remove_container(container.id, anonymous_volumes=remove_volumes)

        self._in_layers(self._ordered(gateway, stack.name, None, reverse=True), remove)
        for network in gateway.networks(stack.name):
            ctx.checkpoint()
            ctx.log(f"remove network {network.name}")
            mutations.remove_network(network.id)
        if remove_volumes:
            for volume in gateway.volumes(stack.name):
                ctx.checkpoint()
                ctx.log(f"remove volume {volume.name}")
                mutations.remove_volume(volume.name)
        else:
            ctx.log("named volumes kept (remove_volumes: false)")

    def start(self, ctx: ExecutionContext) -> None:
        self._runtime_action(ctx, "start")

    def stop(self, ctx: ExecutionContext) -> None:
        self._runtime_action(ctx, "stop")

    def restart(self, ctx: ExecutionContext) -> None:
        self._runtime_action(ctx, "restart")

    def _runtime_action(self, ctx: ExecutionContext, action: str) -> None:
        stack_id = ctx.command.stack_id or ""
        with self.db.read() as session:
            stack = stack_store.get_stack(session, stack_id)
        service = ctx.command.payload_as(RuntimeActionPayload).service
        gateway = self.checked(ctx)
        containers = self._ordered(gateway, stack.name, service, reverse=action == "stop")
        if not containers:
            raise TerminalError(f"no containers for {service or stack.name}: apply a version first")
        mutations = DockerMutations(gateway, fence=ctx.check_lease)
        grace = self._stop_timeouts(stack_id, stack.current_version or stack.desired_version)

        def act(container: ObservedContainer) -> None:
            ctx.checkpoint()
            ctx.log(f"{action} {container.name}", service=container.service)
            if action == "start":
                mutations.start(container.id)
            elif action == "stop":
                mutations.stop(container.id, timeout=grace.get(container.service))
            else:
                mutations.restart(container.id, timeout=grace.get(container.service))

        self._in_layers(containers, act)
        acted = {c.service for _, c in containers}
        status = self._record_action(stack, action, service, acted, gateway.containers(stack.name))
        ctx.log(f"stack is {status}")

    def _record_action(
        self,
        stack: Stack,
        action: str,
        service: str | None,
        acted: set[str],
        remaining: list[ObservedContainer],
    ) -> StackStatus:
        """A STOP is a desired state of the services it stopped, until a START or RESTART
        of them (or an APPLY); the status is judged on what runs, in the applied version's
        terms (the latest saved version may not run yet)."""
        version = stack.current_version
        wanted = self.desired(stack.stack_id, version)[1].services if version else None
        with self.db.write() as session:
            if action == "stop":
                stopped_store.mark_stopped(session, stack.stack_id, acted)
            else:
                stopped_store.clear_stopped(session, stack.stack_id, acted if service else None)
            stopped = stopped_store.stopped_services(session, [stack.stack_id])
            status = _status(wanted, remaining, stopped=stopped.get(stack.stack_id, frozenset()))
            stack_store.set_status(session, stack.stack_id, status)
        return status

    def _stop_timeouts(self, stack_id: str, version: int | None) -> dict[str, int]:
        """Each service's stop_grace_period in seconds, as the version says (none: the
        container's own, set at create from the same value)."""
        if not version:
            return {}
        services = self.desired(stack_id, version)[0].services
        return {
            name: spec.stop_grace_period // 1_000_000_000
            for name, spec in services.items()
            if spec.stop_grace_period is not None
        }

    @staticmethod
    def _in_layers(
        ordered: list[tuple[int, ObservedContainer]], act: Callable[[ObservedContainer], None]
    ) -> None:
        """Like Compose: layer after layer, every container of a layer at once."""
        after = schedule.in_layers([layer for layer, _ in ordered])
        schedule.run([c for _, c in ordered], after, act, POOL_SIZE)

    @staticmethod
    def _ordered(
        gateway: DockerGateway, project: str, service: str | None, reverse: bool
    ) -> list[tuple[int, ObservedContainer]]:
        """Containers with their layer, in depends_on order (read from Compose's label on
        each container); ``reverse``: dependents first (a stop, a removal)."""
        containers = [
            c for c in gateway.containers(project) if service is None or c.service == service
        ]
        graph: dict[str, set[str]] = {}
        for c in containers:
            deps = lbl.decode_depends_on(c.labels.get(lbl.COMPOSE_DEPENDS_ON, ""))
            graph.setdefault(c.service, set()).update(deps)
        order = {name: i for i, names in enumerate(layers(graph)) for name in names}
        ranked = sorted(
            ((order.get(c.service, 0), c) for c in containers),
            key=lambda lc: (lc[0], lc[1].service, lc[1].number),
        )
        return list(reversed(ranked)) if reverse else ranked


def _repo_digest(gateway: DockerGateway) -> Callable[[str], str | None]:
    def digest(image_id: str) -> str | None:
        found = gateway.inspect_image(image_id) or {}
        digests = found.get("RepoDigests") or []
        return str(digests[0]) if digests else None

    return digest


def _status(
    wanted: Mapping[str, DesiredService] | None,
    containers: list[ObservedContainer],
    *,
    stopped: AbstractSet[str] = frozenset(),
) -> StackStatus:
    """What the executor records: the monitor's health rule on the same containers."""
    return StackStatus(assess(wanted, containers, stopped=stopped).stack)
