"""Pins of versions and each stack's delivery state (freeze, APPLY defaults)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core_monitor.domain.delivery import DeliveryDefaults, Freeze, Pin
from core_monitor.store.clock import aware, utcnow
from core_monitor.store.tables import StackDeliveryRow, StackRow, VersionPinRow


def pins(session: Session, stack_id: str, version: int) -> dict[str, Pin]:
    rows = session.scalars(
        select(VersionPinRow).where(
            VersionPinRow.stack_id == stack_id, VersionPinRow.version == version
        )
    )
    return {r.service: _pin(r) for r in rows}


def record_pins(session: Session, stack_id: str, version: int, found: Iterable[Pin]) -> None:
    """The version's pins become ``found`` (a re-pin replaces the old ones)."""
    session.execute(
        delete(VersionPinRow).where(
            VersionPinRow.stack_id == stack_id, VersionPinRow.version == version
        ),
        execution_options={"synchronize_session": False},
    )
    now = utcnow()
    for pin in found:
        session.add(
            VersionPinRow(
                stack_id=stack_id,
                version=version,
                service=pin.service,
                reference=pin.reference,
                image_id=pin.image_id,
                repo_digest=pin.repo_digest,
                recorded_at=now,
            )
        )
    session.flush()


def pinned_images(session: Session) -> list[tuple[str, str, int, Pin]]:
    """(stack id, stack name, version, pin) of live stacks' versions one can roll back to
    (every version but the one applied now, and that one too: a re-apply uses it)."""
    rows = session.execute(
        select(VersionPinRow, StackRow.name)
        .join(StackRow, StackRow.stack_id == VersionPinRow.stack_id)
        .where(StackRow.deleted.is_(False))
        .order_by(StackRow.name, VersionPinRow.version, VersionPinRow.service)
    ).all()
    return [(r.stack_id, name, r.version, _pin(r)) for r, name in rows]


def _pin(row: VersionPinRow) -> Pin:
    return Pin(
        service=row.service,
        reference=row.reference,
        image_id=row.image_id,
        repo_digest=row.repo_digest,
    )


def _row(session: Session, stack_id: str, *, create: bool) -> StackDeliveryRow | None:
    row = session.get(StackDeliveryRow, stack_id)
    if row is None and create:
        row = StackDeliveryRow(stack_id=stack_id, atomic=False, atomic_timeout=300)
        session.add(row)
    return row


def freeze_of(session: Session, stack_id: str) -> Freeze | None:
    row = _row(session, stack_id, create=False)
    return _freeze(row)


def freezes(session: Session, stack_ids: Iterable[str]) -> dict[str, Freeze]:
    rows = session.scalars(
        select(StackDeliveryRow).where(
            StackDeliveryRow.stack_id.in_(list(stack_ids)),
            StackDeliveryRow.frozen_version.is_not(None),
        )
    )
    return {r.stack_id: f for r in rows if (f := _freeze(r)) is not None}


def _freeze(row: StackDeliveryRow | None) -> Freeze | None:
    if row is None or row.frozen_version is None or row.frozen_at is None:
        return None
    return Freeze(
        version=row.frozen_version,
        by=row.frozen_by or "",
        reason=row.frozen_reason or "",
        at=aware(row.frozen_at),
    )


def freeze(session: Session, stack_id: str, version: int, by: str, reason: str) -> None:
    row = _row(session, stack_id, create=True)
    assert row is not None
    row.frozen_version, row.frozen_by, row.frozen_reason = version, by, reason
    row.frozen_at = utcnow()
    session.flush()


def unfreeze(session: Session, stack_id: str) -> Freeze | None:
    """Clears the freeze; returns what it was (None: it was not frozen)."""
    row = _row(session, stack_id, create=False)
    was = _freeze(row)
    if row is not None:
        row.frozen_version = row.frozen_by = row.frozen_reason = None
        row.frozen_at = None
        session.flush()
    return was


def defaults(session: Session, stack_id: str) -> DeliveryDefaults:
    row = _row(session, stack_id, create=False)
    if row is None:
        return DeliveryDefaults()
    return DeliveryDefaults(atomic=row.atomic, timeout_seconds=row.atomic_timeout)


def set_defaults(session: Session, stack_id: str, new: DeliveryDefaults) -> None:
    row = _row(session, stack_id, create=True)
    assert row is not None
    row.atomic, row.atomic_timeout = new.atomic, new.timeout_seconds
    session.flush()
