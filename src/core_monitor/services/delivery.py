"""A stack's delivery state as operators change it: unfreeze, APPLY defaults; and the
images versions are pinned to (what must be kept for a rollback to run what ran)."""

from __future__ import annotations

from dataclasses import dataclass

from core_monitor.domain.actor import Actor
from core_monitor.domain.delivery import DeliveryDefaults, Freeze, Pin
from core_monitor.errors import Conflict
from core_monitor.store import audit
from core_monitor.store import delivery as delivery_store
from core_monitor.store import stacks as stack_store
from core_monitor.store.db import Database


@dataclass(frozen=True)
class PinnedImage:
    stack_id: str
    stack: str
    version: int
    pin: Pin


class DeliveryService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def state(self, stack_ref: str) -> tuple[DeliveryDefaults, Freeze | None]:
        with self.db.read() as session:
            stack = stack_store.get_stack(session, stack_ref)
            return (
                delivery_store.defaults(session, stack.stack_id),
                delivery_store.freeze_of(session, stack.stack_id),
            )

    def unfreeze(self, actor: Actor, stack_ref: str) -> Freeze:
        """Conflict (409) when the stack is not frozen; audited with what the freeze was."""
        with self.db.write() as session:
            stack = stack_store.get_stack(session, stack_ref)
            was = delivery_store.unfreeze(session, stack.stack_id)
            if was is None:
                raise Conflict(f"stack {stack.name} is not frozen")
            audit.record_by(
                session,
                actor,
                "stack.unfreeze",
                f"stack:{stack.stack_id}",
                details={"version": was.version, "frozen_by": was.by, "reason": was.reason},
            )
        return was

    def set_defaults(
        self, actor: Actor, stack_ref: str, atomic: bool | None, timeout: int | None
    ) -> DeliveryDefaults:
        with self.db.write() as session:
            stack = stack_store.get_stack(session, stack_ref)
            now = delivery_store.defaults(session, stack.stack_id)
            new = DeliveryDefaults(
                atomic=now.atomic if atomic is None else atomic,
                timeout_seconds=now.timeout_seconds if timeout is None else timeout,
            )
            delivery_store.set_defaults(session, stack.stack_id, new)
            audit.record_by(
                session,
                actor,
                "stack.delivery",
                f"stack:{stack.stack_id}",
                details=new.model_dump(),
            )
        return new

    def pinned(self, visible: frozenset[str] | None) -> list[PinnedImage]:
        """Pins of live stacks' versions (``visible``: the stack ids the caller may see)."""
        with self.db.read() as session:
            found = delivery_store.pinned_images(session)
        return [
            PinnedImage(stack_id, name, version, pin)
            for stack_id, name, version, pin in found
            if visible is None or stack_id in visible
        ]
