"""Artifacts: uploaded once by content into the store, listed, read, deleted (admin).

An upload is streamed into the store while hashed and checked (``deploy/archive_check.py``)
before it is recorded; the same content is stored and recorded once. An artifact a
deployment refers to stays (a redeploy needs it).
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import BinaryIO

from core_monitor.deploy.archive_check import ArchiveRefused, check_archive
from core_monitor.deploy.artifacts import ArtifactStore
from core_monitor.domain.actor import Actor
from core_monitor.domain.deploy import Artifact, ArtifactKind
from core_monitor.errors import Conflict, FieldError, ValidationFailed
from core_monitor.store import audit
from core_monitor.store import deploys as deploy_store
from core_monitor.store.clock import utcnow
from core_monitor.store.db import Database

SUFFIXES = (
    (".tar.gz", ArtifactKind.STATIC),
    (".tgz", ArtifactKind.STATIC),
    (".zip", ArtifactKind.STATIC),
    (".war", ArtifactKind.WAR),
    (".ear", ArtifactKind.EAR),
)


def kind_of(filename: str) -> ArtifactKind:
    lowered = filename.lower()
    for suffix, kind in SUFFIXES:
        if lowered.endswith(suffix) and len(lowered) > len(suffix):
            return kind
    raise ValidationFailed(
        [
            FieldError(
                "file", f"{filename!r}: not a .tar.gz, .tgz, .zip, .war or .ear (or say `kind`)"
            )
        ]
    )


class ArtifactService:
    def __init__(self, db: Database, store: ArtifactStore, max_artifact_bytes: int) -> None:
        self.db = db
        self.store = store
        self.max_artifact_bytes = max_artifact_bytes

    def upload(
        self, actor: Actor, filename: str, kind: ArtifactKind | None, stream: BinaryIO
    ) -> tuple[Artifact, bool]:
        """(the artifact, whether it is new): the same content is stored once."""
        name = PurePosixPath(filename.replace("\\", "/")).name[:255]
        if not name:
            raise ValidationFailed([FieldError("file", "the upload has no file name")])
        kind = kind or kind_of(name)
        received = self.store.receive(stream, self.max_artifact_bytes)
        try:
            with self.db.read() as session:
                existing = deploy_store.find_artifact(session, received.sha256)
            if existing is not None and self.store.has(existing.sha256):
                self.store.discard(received)
                return existing, False
            try:
                check_archive(received.temp, kind)
            except ArchiveRefused as exc:
                raise ValidationFailed([FieldError("file", f"{name}: {exc}")]) from None
            self.store.keep(received)
        finally:
            self.store.discard(received)
        return self._record(
            actor,
            Artifact(
                sha256=received.sha256,
                kind=kind,
                filename=name,
                size=received.size,
                uploaded_by=actor.name,
                uploaded_at=utcnow(),
            ),
        )

    def _record(self, actor: Actor, artifact: Artifact) -> tuple[Artifact, bool]:
        with self.db.write() as session:
            existing = deploy_store.find_artifact(session, artifact.sha256)
            if existing is not None:
                return existing, False
            deploy_store.add_artifact(session, artifact)
            audit.record_by(
                session,
                actor,
                "artifact.upload",
                f"artifact:{artifact.sha256}",
                details={
                    "filename": artifact.filename,
                    "kind": artifact.kind.value,
                    "size": artifact.size,
                },
            )
        return artifact, True

    def artifact(self, sha256: str) -> tuple[Artifact, bool]:
        with self.db.read() as session:
            found = deploy_store.get_artifact(session, sha256)
            return found, bool(deploy_store.artifacts_in_use(session, [sha256]))

    def artifacts(
        self, kind: ArtifactKind | None, limit: int, offset: int
    ) -> tuple[list[tuple[Artifact, bool]], int]:
        with self.db.read() as session:
            items, total = deploy_store.list_artifacts(session, kind, limit, offset)
            used = deploy_store.artifacts_in_use(session, [a.sha256 for a in items])
        return [(a, a.sha256 in used) for a in items], total

    def delete_artifact(self, actor: Actor, sha256: str) -> None:
        with self.db.write() as session:
            found = deploy_store.get_artifact(session, sha256)
            if deploy_store.artifacts_in_use(session, [sha256]):
                raise Conflict(
                    f"artifact {found.filename} ({sha256[:12]}) is used by a deployment: "
                    "it stays, so that deployment can be redeployed"
                )
            deploy_store.delete_artifact(session, sha256)
            audit.record_by(
                session,
                actor,
                "artifact.delete",
                f"artifact:{sha256}",
                details={"filename": found.filename},
            )
        self.store.remove(sha256)
