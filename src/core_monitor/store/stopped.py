"""The services a STOP command stopped on purpose: down is what they should be.

Recorded by STOP, cleared by START or RESTART of them and by any APPLY or ROLLBACK (which
converges every service to running); read by the health rule, in the executor and the monitor.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core_monitor.store.tables import StoppedServiceRow


def stopped_services(session: Session, stack_ids: Collection[str]) -> dict[str, frozenset[str]]:
    """stack_id → its services stopped on purpose (stacks without any are left out)."""
    if not stack_ids:
        return {}
    found: dict[str, set[str]] = {}
    rows = session.execute(
        select(StoppedServiceRow.stack_id, StoppedServiceRow.service).where(
            StoppedServiceRow.stack_id.in_(stack_ids)
        )
    )
    for stack_id, service in rows:
        found.setdefault(stack_id, set()).add(service)
    return {stack_id: frozenset(services) for stack_id, services in found.items()}


def mark_stopped(session: Session, stack_id: str, services: Iterable[str]) -> None:
    known = stopped_services(session, [stack_id]).get(stack_id, frozenset())
    for service in sorted(set(services) - known):
        session.add(StoppedServiceRow(stack_id=stack_id, service=service))
    session.flush()


def clear_stopped(session: Session, stack_id: str, services: Iterable[str] | None) -> None:
    """``services`` None: all of the stack's."""
    query = delete(StoppedServiceRow).where(StoppedServiceRow.stack_id == stack_id)
    if services is not None:
        query = query.where(StoppedServiceRow.service.in_(list(services)))
    session.execute(query, execution_options={"synchronize_session": False})
