"""Enqueueing WRITE commands: checked against the stack, persisted, then the worker woken."""

from __future__ import annotations

from typing import Any

from core_monitor.domain.commands import Command, CommandType
from core_monitor.errors import FieldError, ValidationFailed
from core_monitor.queue.signals import CommandListener, WakeUp, notify
from core_monitor.services.stacks import Actor
from core_monitor.store import audit
from core_monitor.store import commands as command_store
from core_monitor.store import stacks as stack_store
from core_monitor.store.db import Database


class CommandService:
    def __init__(self, db: Database, wakeup: WakeUp) -> None:
        self.db = db
        self.wakeup = wakeup
        self.listeners: list[CommandListener] = []

    def enqueue(
        self,
        actor: Actor,
        type: CommandType,
        stack_ref: str,
        payload: dict[str, Any],
        idempotency_key: str | None = None,
    ) -> tuple[Command, bool]:
        with self.db.write() as session:
            stack = stack_store.get_stack(session, stack_ref)
            if "version" in payload:
                stack_store.require_version(session, stack.stack_id, int(payload["version"]))
            service = payload.get("service")
            if service is not None:
                _check_service(session, stack.stack_id, stack.latest_version, service)
            command, created = command_store.enqueue(
                session,
                type=type,
                stack_id=stack.stack_id,
                payload=payload,
                requested_by=actor.name,
                idempotency_key=idempotency_key,
            )
            if created:
                audit.record_by(
                    session,
                    actor,
                    f"command.{type.lower()}",
                    f"stack:{stack.stack_id}",
                    details={"command_id": command.command_id, "payload": payload},
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
                details={"reason": reason} if reason else {},
            )
        notify(self.listeners, verb, command)
        return command


def _check_service(session: Any, stack_id: str, version: int, service: str) -> None:
    definition = stack_store.get_version(session, stack_id, version).definition
    if service not in definition.get("services", {}):
        raise ValidationFailed(
            [FieldError("service", f"no service {service!r} in version {version}")]
        )
