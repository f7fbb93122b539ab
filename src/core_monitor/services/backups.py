"""Backups: one archive of everything Core Monitor keeps, and its restore into an empty place.

What is in it: every table (store/snapshot.py: stacks, versions with their files, commands
and their logs, audit, users, tokens, policy, deployments…) read in one snapshot while the
queue keeps running, and the data directory's own files (the artifact store). Secret
material stays as stored, encrypted under COREMON_SECRET_KEY, which is **not** in the
archive: keep the key apart (a password manager, the secret store of the deployment).

A restore goes only into an empty database and empty file directories: it migrates the
database to the archive's schema revision, loads everything in one transaction, checks the
counts against the manifest, then migrates to the newest revision.
"""

from __future__ import annotations

import hmac
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core_monitor import __version__
from core_monitor.domain.actor import Actor
from core_monitor.services.backup_archive import (
    BackupRefused,
    Manifest,
    Part,
    extract,
    sha256_file,
    verify_parts,
    write,
)
from core_monitor.store import audit, migrate, snapshot
from core_monitor.store.db import Database
from core_monitor.vault import SecretBox

FILE_DIRS = ("artifacts",)
"""Directories of the data directory that hold Core Monitor's own files."""

BACKUP_DIR = "backups"


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size: int
    sha256: str
    created_at: str
    schema_revision: str
    rows: dict[str, int]
    files: int
    sealed: bool


@dataclass(frozen=True)
class RestoreReport:
    schema_revision: str  # the archive's
    migrated_to: str
    rows: dict[str, int]
    files: int
    sealed: bool


class Backups:
    def __init__(self, db: Database, data_dir: Path, box: SecretBox) -> None:
        self._db = db
        self._data_dir = data_dir
        self._box = box

    # -- create ------------------------------------------------------------------------

    def create(self, out: Path) -> BackupInfo:
        revision, tables = snapshot.dump(self._db)
        if revision is None:
            raise BackupRefused("the database has no schema yet: nothing to back up")
        out.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=out.parent, prefix=".backup-") as tmp:
            sources = {name: path for name, path in self._data_files()}
            for table in tables:
                path = Path(tmp) / f"{table.name}.jsonl"
                path.write_bytes(table.lines)
                sources[f"db/{table.name}.jsonl"] = path
            rows = {f"db/{t.name}.jsonl": t.rows for t in tables}
            parts = {
                name: Part(name, sha256_file(path), path.stat().st_size, rows.get(name))
                for name, path in sources.items()
            }
            manifest = Manifest(
                created_at=datetime.now(UTC).isoformat(),
                schema_revision=revision,
                dialect="sqlite" if self._db.is_sqlite else "postgresql",
                core_monitor=__version__,
                parts=parts,
            )
            seal = self._box.keyed_digest(manifest.to_json()) if self._box.ready else None
            write(out, manifest, seal, sources)
        return BackupInfo(
            path=out,
            size=out.stat().st_size,
            sha256=sha256_file(out),
            created_at=manifest.created_at,
            schema_revision=revision,
            rows=manifest.table_rows(),
            files=sum(1 for name in parts if name.startswith("files/")),
            sealed=seal is not None,
        )

    def create_in_data_dir(self, actor: Actor) -> BackupInfo:
        """What ``POST /backups`` does: an archive under ``<data dir>/backups/``, audited."""
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        info = self.create(self.backup_dir / f"coremon-{stamp}.tar")
        with self._db.write() as session:
            audit.record_by(
                session,
                actor,
                "backup.create",
                f"backup:{info.path.name}",
                details={"sha256": info.sha256, "size": info.size},
            )
        return info

    @property
    def backup_dir(self) -> Path:
        return self._data_dir / BACKUP_DIR

    def stored(self) -> list[Path]:
        if not self.backup_dir.is_dir():
            return []
        return sorted(self.backup_dir.glob("coremon-*.tar"), reverse=True)

    def _data_files(self) -> list[tuple[str, Path]]:
        found = []
        for directory in FILE_DIRS:
            root = self._data_dir / directory
            for path in sorted(root.rglob("*")) if root.is_dir() else []:
                relative = path.relative_to(self._data_dir)
                # files being written are dot-named until renamed into place
                if path.is_file() and not any(p.startswith(".") for p in relative.parts):
                    found.append((f"files/{relative.as_posix()}", path))
        return found

    # -- restore -----------------------------------------------------------------------

    def restore(self, archive: Path) -> RestoreReport:
        self._data_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self._data_dir, prefix=".restore-") as tmp:
            root = Path(tmp)
            manifest, raw, seal = extract(archive, root)
            self._check_seal(raw, seal)
            verify_parts(manifest, root)
            self._check_target(manifest)
            copied = self._put_files(manifest, root)
            try:
                rows = self._load(manifest, root)
            except BaseException:
                for path in copied:
                    path.unlink(missing_ok=True)
                raise
        migrate.upgrade(self._db)
        return RestoreReport(
            schema_revision=manifest.schema_revision,
            migrated_to=migrate.head_revision(self._db),
            rows=rows,
            files=len(copied),
            sealed=seal is not None,
        )

    def _check_seal(self, raw: bytes, seal: str | None) -> None:
        if seal is None:
            return
        if not self._box.ready:
            raise BackupRefused(
                "the archive was made with COREMON_SECRET_KEY set: set the same key to "
                "restore it (its secrets are encrypted with it)"
            )
        if not hmac.compare_digest(self._box.keyed_digest(raw), seal):
            raise BackupRefused(
                "the manifest's seal does not match: the archive was edited, or it was made "
                "with another COREMON_SECRET_KEY"
            )

    def _check_target(self, manifest: Manifest) -> None:
        if not migrate.knows_revision(self._db, manifest.schema_revision):
            raise BackupRefused(
                f"the archive's schema revision {manifest.schema_revision!r} is unknown to "
                f"this Core Monitor ({__version__}): restore it with the version that made "
                f"it ({manifest.core_monitor}) or a newer one"
            )
        for directory in FILE_DIRS:
            root = self._data_dir / directory
            if root.is_dir() and any(root.iterdir()):
                raise BackupRefused(f"{root} is not empty: restore into an empty data directory")
        current = snapshot.schema_revision(self._db)
        if current is not None and current != manifest.schema_revision:
            if any(snapshot.counts(self._db).values()):
                raise BackupRefused("the database is not empty: restore into an empty one")
            raise BackupRefused(
                f"the database is already at schema {current!r}, the archive at "
                f"{manifest.schema_revision!r}: restore into a new, empty database"
            )
        migrate.upgrade(self._db, manifest.schema_revision)
        if any(snapshot.counts(self._db).values()):
            raise BackupRefused("the database is not empty: restore into an empty one")

    def _put_files(self, manifest: Manifest, root: Path) -> list[Path]:
        copied = []
        for part in manifest.parts.values():
            if not part.name.startswith("files/"):
                continue
            target = self._data_dir / part.name.removeprefix("files/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / part.name, target)
            copied.append(target)
            if sha256_file(target) != part.sha256:
                raise BackupRefused(f"{target}: copied content differs from the archive")
        return copied

    def _load(self, manifest: Manifest, root: Path) -> dict[str, int]:
        dumps = {
            Path(name).stem: (root / name).read_bytes()
            for name in manifest.parts
            if name.startswith("db/")
        }
        try:
            return snapshot.load(self._db, dumps, expected=manifest.table_rows())
        except ValueError as exc:
            raise BackupRefused(f"the archive does not fit this schema: {exc}") from None
