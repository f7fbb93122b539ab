"""Enqueueing WRITE commands: checked against the stack, persisted, then the worker woken."""

from __future__ import annotations

from typing import Any

from core_monitor.domain.actor import Actor
from core_monitor.domain.commands import (
    ApplyPayload,
    Command,
    CommandPayload,
    DeployPayload,
    RollbackPayload,
    RuntimeActionPayload,
)
from core_monitor.errors import FieldError, NoExecutor, ValidationFailed
from core_monitor.queue.executors import ExecutorRegistry
from core_monitor.queue.signals import CommandListener, WakeUp, notify
from core_monitor.store import audit
from core_monitor.store import commands as command_store
from core_monitor.store import stacks as stack_store
from core_monitor.store.db import Database


class CommandService:
    def __init__(self, db: Database, wakeup: WakeUp, executors: ExecutorRegistry) -> None:
        self.db = db
        self.wakeup = wakeup
        self.executors = executors
        self.listeners: list[CommandListener] = []

    def enqueue(
        self,
        actor: Actor,
        stack_ref: str,
        payload: CommandPayload,
        idempotency_key: str | None = None,
    ) -> tuple[Command, bool]:
        """Queue a command, unless nothing here could run it (refused now, not FAILED later
        with the queue halted behind it)."""
        if self.executors.get(payload.type) is None:
            raise NoExecutor(
                f"{payload.type} commands cannot run on this server: "
                f"no executor is registered for {payload.type}"
            )
        with self.db.write() as session:
            stack = stack_store.get_stack(session, stack_ref)
            _check_payload(session, stack.stack_id, stack.latest_version, payload)
            command, created = command_store.enqueue(
                session,
                stack_id=stack.stack_id,
                payload=payload,
                requested_by=actor.name,
                idempotency_key=idempotency_key,
            )
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


def _check_payload(session: Any, stack_id: str, latest: int, payload: CommandPayload) -> None:
    """What the payload names exists: the version, the service (in the latest version)."""
    if isinstance(payload, ApplyPayload | RollbackPayload):
        stack_store.require_version(session, stack_id, payload.version)
    if isinstance(payload, RuntimeActionPayload | DeployPayload) and payload.service is not None:
        definition = stack_store.get_version(session, stack_id, latest).definition
        if payload.service not in definition.get("services", {}):
            raise ValidationFailed(
                [FieldError("service", f"no service {payload.service!r} in version {latest}")]
            )
