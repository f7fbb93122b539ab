"""A version's bundle files, as stored: inserted with the version, never changed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, defer

from core_monitor.errors import NotFound
from core_monitor.store.tables import VersionFileRow


@dataclass(frozen=True)
class StoredFile:
    """One file: ``content`` is the ciphertext and ``digest`` an HMAC when ``secret``."""

    path: str
    size: int
    digest: str
    secret: bool
    content: bytes = b""


def insert_files(
    session: Session, stack_id: str, version: int, files: Iterable[StoredFile]
) -> None:
    for f in files:
        session.add(
            VersionFileRow(
                stack_id=stack_id,
                version=version,
                path=f.path,
                size=f.size,
                digest=f.digest,
                secret=f.secret,
                content=f.content,
            )
        )


def list_files(
    session: Session, stack_id: str, version: int, *, content: bool = False
) -> list[StoredFile]:
    """The version's files by path; without their content unless asked for."""
    query = select(VersionFileRow).where(
        VersionFileRow.stack_id == stack_id, VersionFileRow.version == version
    )
    if not content:
        query = query.options(defer(VersionFileRow.content))
    return [
        StoredFile(r.path, r.size, r.digest, r.secret, r.content if content else b"")
        for r in session.scalars(query.order_by(VersionFileRow.path))
    ]


def get_file(session: Session, stack_id: str, version: int, path: str) -> StoredFile:
    row = session.scalar(
        select(VersionFileRow).where(
            VersionFileRow.stack_id == stack_id,
            VersionFileRow.version == version,
            VersionFileRow.path == path,
        )
    )
    if row is None:
        raise NotFound(f"version {version} has no file {path!r}")
    return StoredFile(row.path, row.size, row.digest, row.secret, row.content)
