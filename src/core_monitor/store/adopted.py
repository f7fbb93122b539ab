"""The containers an adoption verified: written once by the adoption, read by every observe."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from core_monitor.engine.adopted import AdoptedContainer
from core_monitor.store.tables import AdoptedContainerRow


def record(session: Session, stack_id: str, adopted: Iterable[AdoptedContainer]) -> None:
    for found in adopted:
        session.add(
            AdoptedContainerRow(
                stack_id=stack_id,
                container_id=found.container_id,
                compose_hash=found.compose_hash,
                our_hash=found.our_hash,
                differences=list(found.differences),
            )
        )
    session.flush()


def adopted(session: Session, stack_id: str) -> list[AdoptedContainer]:
    rows = session.scalars(
        select(AdoptedContainerRow).where(AdoptedContainerRow.stack_id == stack_id)
    )
    return [
        AdoptedContainer(r.container_id, r.compose_hash, r.our_hash, tuple(r.differences))
        for r in rows
    ]
