"""Enqueueing WRITE commands: checked against the stack, persisted, then the worker woken."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from core_monitor.domain.actor import Actor
from core_monitor.domain.commands import (
    ApplyPayload,
    Command,
    CommandPayload,
    MovePayload,
    RollbackPayload,
    RuntimeActionPayload,
)
from core_monitor.domain.delivery import apply_refusal
from core_monitor.domain.hosts import HostState
from core_monitor.domain.stack import Stack
from core_monitor.errors import Conflict, FieldError, NoExecutor, NotFound, ValidationFailed
from core_monitor.hosts.registry import engine_changed
from core_monitor.queue.executors import ExecutorRegistry
from core_monitor.queue.signals import CommandListener, WakeUp, notify
from core_monitor.services.pull_check import PullCheck
from core_monitor.store import audit
from core_monitor.store import commands as command_store
from core_monitor.store import delivery as delivery_store
from core_monitor.store import hosts as host_store
from core_monitor.store import stacks as stack_store
from core_monitor.store.db import Database

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

Along = Callable[["Session", Command], None]  # a write made in the command's creation


class CommandService:
    def __init__(
        self,
        db: Database,
        wakeup: WakeUp,
        executors: ExecutorRegistry,
        pull_check: PullCheck | None = None,
    ) -> None:
        """``pull_check``: refuses an APPLY or ROLLBACK whose image cannot be pulled."""
        self.db = db
        self.wakeup = wakeup
        self.executors = executors
        self.pull_check = pull_check
        # (stack, version, allow_repin): refuses a version whose pinned images are gone
        self.pin_check: Callable[[str, int, bool], None] | None = None
        self.listeners: list[CommandListener] = []

    def enqueue(
        self,
        actor: Actor,
        stack_ref: str,
        payload: CommandPayload,
        idempotency_key: str | None = None,
        along: Along | None = None,
    ) -> tuple[Command, bool]:
        """Queue a command, unless nothing here could run it (refused now, not FAILED later
        with the queue halted behind it). ``along``: a write that lands in the enqueue's
        transaction when the command is created (a DEPLOY's deployment row)."""
        if self.executors.get(payload.type) is None:
            raise NoExecutor(
                f"{payload.type} commands cannot run on this server: "
                f"no executor is registered for {payload.type}"
            )
        # a host last seen away is not asked (the worker says it, at once)
        answers = self._host_answers(stack_ref, payload)
        if answers and isinstance(payload, ApplyPayload | RollbackPayload):
            if self.pull_check is not None:
                # before the transaction: it may ask a registry (bounded, a few seconds)
                self.pull_check.refuse_unpullable(stack_ref, payload.version)
            if self.pin_check is not None:
                self.pin_check(stack_ref, payload.version, bool(payload.allow_repin))
        try:
            return self._enqueue(actor, stack_ref, payload, idempotency_key, along)
        except StackFrozen as refused:  # said in the audit trail, in a transaction of its own
            with self.db.write() as session:
                audit.record_by(
                    session,
                    actor,
                    f"command.{payload.type.lower()}",
                    f"stack:{refused.stack_id}",
                    outcome="refused",
                    details={"payload": payload.wire(), "reason": str(refused)},
                )
            raise

    def _host_answers(self, stack_ref: str, payload: CommandPayload) -> bool:
        """Refuses (409) a command for a host whose engine is not the trusted one (as last
        seen); whether the stack's host was last seen answering."""
        with self.db.read() as session:
            try:
                host_id = stack_store.get_stack(session, stack_ref).host_id
            except NotFound:
                return True  # said by the enqueue, with the stack's own words
            if isinstance(payload, MovePayload):
                _refuse_changed_engine(session, payload.host)
            return _refuse_changed_engine(session, host_id) != HostState.UNREACHABLE

    def _enqueue(
        self,
        actor: Actor,
        stack_ref: str,
        payload: CommandPayload,
        idempotency_key: str | None,
        along: Along | None,
    ) -> tuple[Command, bool]:
        with self.db.write() as session:
            stack = stack_store.get_stack(session, stack_ref)
            _check_payload(session, stack, payload)
            command, created = command_store.enqueue(
                session,
                stack_id=stack.stack_id,
                payload=payload,
                requested_by=actor.name,
                idempotency_key=idempotency_key,
            )
            if created and along is not None:
                along(session, command)
            if created:
                audit.record_by(
                    session,
                    actor,
                    f"command.{payload.type.lower()}",
                    f"stack:{stack.stack_id}",
                    details={"command_id": command.command_id, "payload": payload.wire()},
                )
        self.wakeup.notify()
        if created:
            notify(self.listeners, "queued", command)
        return command, created

    def move(
        self,
        actor: Actor,
        stack_ref: str,
        host_ref: str,
        remove_volumes: bool,
        idempotency_key: str | None = None,
    ) -> tuple[Command, bool]:
        """Queue a MOVE of the stack to ``host_ref`` (id or name): the version it runs now
        goes there. Refused (409) for a stack never applied (nothing runs to move: its host
        is chosen when it is created) or already on that host; 422 on ``host`` if unknown."""
        with self.db.read() as session:
            stack = stack_store.get_stack(session, stack_ref)
            try:
                host = host_store.get(session, host_ref)
            except NotFound:
                raise ValidationFailed([FieldError("host", f"no host {host_ref!r}")]) from None
        if stack.current_version is None:
            raise Conflict(f"cannot move {stack.name}: it was never applied, nothing runs")
        if stack.host_id == host.host_id:
            raise Conflict(f"{stack.name} runs on host {host.name} already")
        payload = MovePayload(
            host=host.host_id, version=stack.current_version, remove_volumes=remove_volumes
        )
        return self.enqueue(actor, stack.stack_id, payload, idempotency_key)

    def cancel(self, actor: Actor, command_id: str) -> Command:
        return self._operate(actor, "cancel", command_id, None)

    def retry(self, actor: Actor, command_id: str) -> Command:
        command = self._operate(actor, "retry", command_id, None)
        self.wakeup.notify()
        return command

    def dismiss(self, actor: Actor, command_id: str, reason: str) -> Command:
        command = self._operate(actor, "dismiss", command_id, reason)
        self.wakeup.notify()
        return command

    def _operate(self, actor: Actor, verb: str, command_id: str, reason: str | None) -> Command:
        with self.db.write() as session:
            if verb == "cancel":
                command = command_store.cancel(session, command_id, actor.name)
            elif verb == "retry":
                command = command_store.retry(session, command_id, actor.name)
            else:
                command = command_store.dismiss(session, command_id, actor.name, reason or "")
            audit.record_by(
                session,
                actor,
                f"command.{verb}",
                f"command:{command_id}",
                # the stack too: who unblocked which stack's command is read by stack
                details={"stack_id": command.stack_id, **({"reason": reason} if reason else {})},
            )
        notify(self.listeners, verb, command)
        return command


class StackFrozen(Conflict):
    title = "Stack frozen"

    def __init__(self, message: str, stack_id: str) -> None:
        super().__init__(message)
        self.stack_id = stack_id


def _check_payload(session: Session, stack: Stack, payload: CommandPayload) -> None:
    """What the payload names exists, and what can be seen to fail now is refused now (a
    DEPLOY's preflight is services/deploys.py's, before it enqueues)."""
    if isinstance(payload, ApplyPayload | RollbackPayload):
        stack_store.require_version(session, stack.stack_id, payload.version)
    if isinstance(payload, ApplyPayload):
        freeze = delivery_store.freeze_of(session, stack.stack_id)
        refusal = apply_refusal(freeze, payload.version, bool(payload.force))
        if refusal:
            raise StackFrozen(refusal, stack.stack_id)
    elif isinstance(payload, RuntimeActionPayload):
        _check_runtime_action(session, stack, payload)


def _refuse_changed_engine(session: Session, host_id: str) -> HostState:
    """Nothing is queued for a host whose engine is not the trusted one (as last seen):
    409 naming the host, until an admin confirms the engine found there. Else its state."""
    try:
        host = host_store.get(session, host_id)
    except NotFound:
        return HostState.UNKNOWN  # a bare database without host records: ``local`` only
    if host.state == HostState.ENGINE_CHANGED:
        raise Conflict(engine_changed(host, host.facts.engine_id if host.facts else None))
    return host.state


def _check_runtime_action(session: Session, stack: Stack, payload: RuntimeActionPayload) -> None:
    """START/STOP/RESTART act on what runs: the containers the applied version's last run
    recorded, not the latest saved version (which may not run yet, or drop the service)."""
    verb, service = payload.type.lower(), payload.service
    if service is not None and not stack_store.has_service(session, stack.stack_id, service):
        raise ValidationFailed(
            [FieldError("service", f"no service {service!r} in any version of {stack.name}")]
        )
    if _on_its_way(session, stack, service):
        return  # an APPLY or ROLLBACK ahead in the queue decides: not known in advance
    if stack.current_version is None:
        raise Conflict(f"cannot {verb} {stack.name}: it was never applied; apply a version first")
    applied = stack_store.get_version(session, stack.stack_id, stack.current_version)
    running = {c["service"] for c in applied.runtime.mapping.get("containers", {}).values()}
    if (service is None and not running) or (service is not None and service not in running):
        target = f"service {service!r}" if service is not None else stack.name
        raise Conflict(
            f"cannot {verb} {target}: it has no containers in the applied version "
            f"{stack.current_version}"
        )


def _on_its_way(session: Session, stack: Stack, service: str | None) -> bool:
    """Whether a queued or running APPLY/ROLLBACK takes the stack to a version that runs
    the service (any service when None): the queue runs the action after it."""
    for version in command_store.versions_on_their_way(session, stack.stack_id):
        services = stack_store.get_version(session, stack.stack_id, version).definition.get(
            "services", {}
        )
        if service is None or service in services:
            return True
    return False
