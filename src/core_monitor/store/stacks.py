"""Stacks and versions. Versions are only ever inserted, never updated."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core_monitor.domain.compose import current_form
from core_monitor.domain.hosts import LOCAL_ID
from core_monitor.domain.stack import Stack, StackStatus, StackVersion, Variable, VersionRuntime
from core_monitor.errors import Conflict, NotFound
from core_monitor.store import policy as policy_store
from core_monitor.store.clock import aware, maybe_aware, utcnow
from core_monitor.store.files import StoredFile, insert_files
from core_monitor.store.tables import StackRow, StackVersionRow, VersionRuntimeRow


@dataclass(frozen=True)
class NewVersion:
    """A validated definition, ready to be stored as the next version."""

    compose_text: str
    definition: dict[str, Any]
    variables: dict[str, Variable]
    content_hash: str
    author: str
    comment: str
    files: tuple[StoredFile, ...] = ()  # the bundle, sealed (secret files encrypted)


def create_stack(
    session: Session, name: str, first: NewVersion, host_id: str = LOCAL_ID
) -> tuple[Stack, StackVersion]:
    now = utcnow()
    row = StackRow(
        stack_id=str(uuid.uuid4()),
        name=name,
        host_id=host_id,
        current_version=None,
        desired_version=None,
        latest_version=0,
        status=StackStatus.NEW,
        deleted=False,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"a stack named {name!r} already exists") from None
    version = _insert_version(session, row, first, parent_version=None)
    return _stack(row), version


def add_version(
    session: Session, stack_id: str, new: NewVersion, parent_version: int | None
) -> StackVersion:
    """Append version latest+1. The stack row is locked (FOR UPDATE on PostgreSQL; SQLite
    write transactions are already serialized), so numbers have no gaps or duplicates.

    A new version builds on the latest version or on the one currently applied (after a
    rollback, editing the applied version branches the tree). Any other parent is stale.
    """
    row = _live_row(session, stack_id, lock=True)
    if parent_version is None:
        parent_version = row.latest_version
    elif parent_version not in (row.latest_version, row.current_version):
        raise Conflict(
            f"parent_version {parent_version} is stale: the latest version is "
            f"{row.latest_version}"
            + (f" and the applied one is {row.current_version}" if row.current_version else "")
        )
    return _insert_version(session, row, new, parent_version=parent_version)


def _insert_version(
    session: Session, stack: StackRow, new: NewVersion, parent_version: int | None
) -> StackVersion:
    number = stack.latest_version + 1
    now = utcnow()
    row = StackVersionRow(
        stack_id=stack.stack_id,
        version=number,
        parent_version=parent_version,
        author=new.author,
        comment=new.comment,
        created_at=now,
        compose_text=new.compose_text,
        definition=new.definition,
        variables={k: v.model_dump() for k, v in new.variables.items()},
        content_hash=new.content_hash,
    )
    session.add(row)
    insert_files(session, stack.stack_id, number, new.files)
    stack.latest_version = number
    stack.updated_at = now
    session.flush()
    return _version(row, None)


def get_stack(session: Session, ref: str, *, include_deleted: bool = False) -> Stack:
    return _stack(_row(session, ref, include_deleted=include_deleted))


def list_stacks(
    session: Session,
    *,
    q: str | None,
    status: str | None,
    limit: int,
    offset: int,
    only: frozenset[str] | None = None,
    deleted: bool = False,
) -> tuple[list[Stack], int]:
    """Live stacks (or, ``deleted``, the deleted ones), by name; ``only`` limits them to
    these ids (what a caller may see)."""
    query = select(StackRow).where(StackRow.deleted.is_(deleted))
    if only is not None:
        query = query.where(StackRow.stack_id.in_(only))
    if q:
        query = query.where(StackRow.name.contains(q, autoescape=True))
    if status:
        query = query.where(StackRow.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(StackRow.name).limit(limit).offset(offset))
    return [_stack(r) for r in rows], total


def latest_versions(session: Session, stacks: list[Stack]) -> dict[str, tuple[str, datetime]]:
    """stack_id → (author, created_at) of each stack's latest version: who changed it last."""
    if not stacks:
        return {}
    wanted = [(s.stack_id, s.latest_version) for s in stacks]
    rows = session.execute(
        select(StackVersionRow.stack_id, StackVersionRow.author, StackVersionRow.created_at).where(
            tuple_(StackVersionRow.stack_id, StackVersionRow.version).in_(wanted)
        )
    )
    return {stack_id: (author, aware(at)) for stack_id, author, at in rows}


def list_versions(
    session: Session, stack_id: str, *, limit: int, offset: int
) -> tuple[list[StackVersion], int]:
    total = (
        session.scalar(
            select(func.count())
            .select_from(StackVersionRow)
            .where(StackVersionRow.stack_id == stack_id)
        )
        or 0
    )
    rows = session.execute(
        select(StackVersionRow, VersionRuntimeRow)
        .outerjoin(
            VersionRuntimeRow,
            (VersionRuntimeRow.stack_id == StackVersionRow.stack_id)
            & (VersionRuntimeRow.version == StackVersionRow.version),
        )
        .where(StackVersionRow.stack_id == stack_id)
        .order_by(StackVersionRow.version.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return [_version(v, r) for v, r in rows], total


def secret_ciphertexts(session: Session) -> list[str]:
    """Every encrypted secret variable of every version (checked and learnt at start)."""
    found = []
    for variables in session.scalars(select(StackVersionRow.variables)):
        for raw in variables.values():
            if isinstance(raw, dict) and raw.get("secret") and raw.get("ciphertext"):
                found.append(str(raw["ciphertext"]))
    return found


def get_version(session: Session, stack_id: str, version: int) -> StackVersion:
    found = session.execute(
        select(StackVersionRow, VersionRuntimeRow)
        .outerjoin(
            VersionRuntimeRow,
            (VersionRuntimeRow.stack_id == StackVersionRow.stack_id)
            & (VersionRuntimeRow.version == StackVersionRow.version),
        )
        .where(StackVersionRow.stack_id == stack_id, StackVersionRow.version == version)
    ).first()
    if found is None:
        raise NotFound(f"stack {stack_id} has no version {version}")
    return _version(found[0], found[1])


def get_parent(session: Session, stack_id: str, number: int) -> StackVersion:
    """The version a new one is to build on; one that does not exist is as stale as any
    parent that is neither the latest nor the applied version (409)."""
    try:
        return get_version(session, stack_id, number)
    except NotFound:
        raise Conflict(f"parent_version {number} does not exist") from None


def require_version(session: Session, stack_id: str, version: int) -> None:
    """NotFound unless the stack has that version (without loading its definition)."""
    found = session.scalar(
        select(StackVersionRow.version).where(
            StackVersionRow.stack_id == stack_id, StackVersionRow.version == version
        )
    )
    if found is None:
        raise NotFound(f"stack {stack_id} has no version {version}")


def has_service(session: Session, stack_id: str, service: str) -> bool:
    """Whether any version of the stack defines the service."""
    definitions = session.scalars(
        select(StackVersionRow.definition).where(StackVersionRow.stack_id == stack_id)
    )
    return any(service in (d.get("services") or {}) for d in definitions)


def set_status(
    session: Session,
    stack_id: str,
    status: StackStatus,
    *,
    desired_version: int | None = None,
    current_version: int | None = None,
) -> None:
    """The stack's status, and the versions asked for and applied when given: one UPDATE
    (the worker writes this on every command; loading the row first would double it)."""
    values: dict[str, Any] = {"status": status, "updated_at": utcnow()}
    if desired_version is not None:
        values["desired_version"] = desired_version
    if current_version is not None:
        values["current_version"] = current_version
    session.execute(
        update(StackRow).where(StackRow.stack_id == stack_id).values(**values),
        execution_options={"synchronize_session": False},
    )


def replace_status(session: Session, stack_id: str, was: StackStatus, status: StackStatus) -> bool:
    """Compare and set: the stack's status becomes ``status`` only while it is still ``was``
    (a command that started meanwhile has written its own, which wins)."""
    result = session.execute(
        update(StackRow)
        .where(StackRow.stack_id == stack_id, StackRow.status == was)
        .values(status=status, updated_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    return bool(getattr(result, "rowcount", 0))


def record_runtime(
    session: Session, stack_id: str, version: int, actual: str, mapping: dict[str, Any]
) -> None:
    """The engine's record of what a version became; the snapshot itself stays untouched.
    Only the applied version is actual: every other version of the stack loses its status
    and the ids of containers that are gone (after a rollback, the version rolled back from)."""
    values = {"actual": actual, "mapping": mapping, "desired": True, "last_updated": utcnow()}
    session.execute(
        update(VersionRuntimeRow)
        .where(VersionRuntimeRow.stack_id == stack_id, VersionRuntimeRow.version != version)
        .values(actual=None, mapping={}, desired=False, last_updated=values["last_updated"]),
        execution_options={"synchronize_session": False},
    )
    updated = session.execute(
        update(VersionRuntimeRow)
        .where(VersionRuntimeRow.stack_id == stack_id, VersionRuntimeRow.version == version)
        .values(**values),
        execution_options={"synchronize_session": False},
    )
    if updated.rowcount == 0:  # type: ignore[attr-defined]
        session.add(VersionRuntimeRow(stack_id=stack_id, version=version, **values))


def soft_delete(session: Session, stack_id: str) -> None:
    row = _row(session, stack_id, include_deleted=False)
    now = utcnow()
    row.deleted = True
    row.deleted_at = now
    row.updated_at = now
    row.status = StackStatus.DELETED
    policy_store.drop_exceptions(session, row.stack_id)


def _row(session: Session, ref: str, *, include_deleted: bool, lock: bool = False) -> StackRow:
    query = select(StackRow).where(or_(StackRow.stack_id == ref, StackRow.name == ref))
    if not include_deleted:
        query = query.where(StackRow.deleted.is_(False))
    if lock:
        query = query.with_for_update()
    # a live stack's name wins over a deleted one's of the same name
    rows = session.scalars(
        query.order_by(StackRow.deleted, StackRow.created_at.desc()).limit(2)
    ).all()
    if not rows:
        raise NotFound(f"no stack {ref!r}")
    if rows[0].deleted and rows[0].stack_id != ref and len(rows) > 1:
        # several deleted stacks had this name and no live one has it: only an id says which
        raise Conflict(f"several deleted stacks were named {ref!r}: name the one you mean by id")
    return rows[0]


def _live_row(session: Session, ref: str, *, lock: bool = False) -> StackRow:
    return _row(session, ref, include_deleted=False, lock=lock)


def _stack(row: StackRow) -> Stack:
    return Stack(
        stack_id=row.stack_id,
        name=row.name,
        current_version=row.current_version,
        desired_version=row.desired_version,
        latest_version=row.latest_version,
        status=StackStatus(row.status),
        deleted=row.deleted,
        created_at=aware(row.created_at),
        updated_at=aware(row.updated_at),
        host_id=row.host_id,
    )


def _version(row: StackVersionRow, runtime: VersionRuntimeRow | None) -> StackVersion:
    return StackVersion(
        stack_id=row.stack_id,
        version=row.version,
        parent_version=row.parent_version,
        author=row.author,
        comment=row.comment,
        created_at=aware(row.created_at),
        compose_text=row.compose_text,
        definition=current_form(row.definition),
        variables={k: Variable.model_validate(v) for k, v in row.variables.items()},
        content_hash=row.content_hash,
        runtime=VersionRuntime()
        if runtime is None
        else VersionRuntime(
            desired=runtime.desired,
            actual=runtime.actual,
            last_updated=maybe_aware(runtime.last_updated),
            mapping=runtime.mapping,
        ),
    )


def on_host(session: Session, host_id: str) -> list[str]:
    """The names of the live stacks that run on a host."""
    query = select(StackRow.name).where(StackRow.deleted.is_(False), StackRow.host_id == host_id)
    return list(session.scalars(query.order_by(StackRow.name)))


def set_host(session: Session, stack_id: str, host_id: str) -> None:
    """The stack runs on ``host_id`` from now on (the last step of a MOVE)."""
    row = _live_row(session, stack_id, lock=True)
    row.host_id = host_id
    row.updated_at = utcnow()
