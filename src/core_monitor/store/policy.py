"""The stack policy document (one row; the built-in default until an admin saves one) and
its per-stack exceptions (by stack id: they go with their stack)."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core_monitor.domain.policy import Policy, PolicyException
from core_monitor.domain.stack import Stack
from core_monitor.errors import Conflict, NotFound
from core_monitor.store.clock import aware, utcnow
from core_monitor.store.tables import PolicyExceptionRow, PolicyRow

POLICY_ROW = 1


def get_policy(session: Session) -> Policy:
    row = session.get(PolicyRow, POLICY_ROW)
    return Policy() if row is None else Policy.model_validate(row.document)


def save_policy(session: Session, policy: Policy, by: str) -> None:
    row = session.get(PolicyRow, POLICY_ROW, with_for_update=True)
    document = policy.model_dump(mode="json")
    if row is None:
        session.add(PolicyRow(id=POLICY_ROW, document=document, updated_at=utcnow(), updated_by=by))
    else:
        row.document, row.updated_at, row.updated_by = document, utcnow(), by
    session.flush()


def exceptions(session: Session, stack_id: str | None = None) -> list[PolicyException]:
    query = select(PolicyExceptionRow).order_by(PolicyExceptionRow.stack, PolicyExceptionRow.rule)
    if stack_id is not None:
        query = query.where(PolicyExceptionRow.stack_id == stack_id)
    return [_exception(row) for row in session.scalars(query)]


def allowed_rules(session: Session, stack_id: str | None) -> set[str]:
    """The rules this stack may break (``None``: a stack not created yet, which has none)."""
    if stack_id is None:
        return set()
    return {row.rule for row in exceptions(session, stack_id)}


def add_exception(
    session: Session, *, stack: Stack, rule: str, reason: str, by: str
) -> PolicyException:
    row = PolicyExceptionRow(
        stack_id=stack.stack_id,
        stack=stack.name,
        rule=rule,
        reason=reason,
        granted_by=by,
        created_at=utcnow(),
    )
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise Conflict(f"stack {stack.name!r} already has an exception for rule {rule!r}") from None
    return _exception(row)


def drop_exceptions(session: Session, stack_id: str) -> None:
    """A deleted stack's exceptions go with it."""
    session.execute(delete(PolicyExceptionRow).where(PolicyExceptionRow.stack_id == stack_id))


def remove_exception(session: Session, exception_id: int) -> PolicyException:
    row = session.get(PolicyExceptionRow, exception_id)
    if row is None:
        raise NotFound(f"no policy exception {exception_id}")
    removed = _exception(row)
    session.execute(delete(PolicyExceptionRow).where(PolicyExceptionRow.id == exception_id))
    return removed


def _exception(row: PolicyExceptionRow) -> PolicyException:
    return PolicyException(
        id=row.id,
        stack_id=row.stack_id,
        stack=row.stack,
        rule=row.rule,
        reason=row.reason,
        granted_by=row.granted_by,
        created_at=aware(row.created_at),
    )
