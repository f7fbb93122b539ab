"""The backup archive: a tar of named parts and a manifest that vouches for each of them.

```
manifest.json        format, creation time, schema revision, database dialect, and for
                     each part its sha256, size (and rows for a table)
manifest.seal        HMAC-SHA256 of manifest.json under COREMON_SECRET_KEY (when set)
db/<table>.jsonl     one table (store/snapshot.py)
files/<path>         the data directory's own files (the artifact store)
```

Reading checks everything before anything is restored: only regular files with clean
relative names, every part listed present with its hash, nothing unlisted, the seal when
the archive has one. A truncated, corrupt or edited archive is refused with what is wrong.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from core_monitor.errors import Conflict

FORMAT = "coremon-backup/1"
MANIFEST = "manifest.json"
SEAL = "manifest.seal"
MAX_MEMBERS = 1_000_000
CHUNK = 1 << 20


class BackupRefused(Conflict):
    """An archive that cannot be restored, or a target that cannot take it."""


@dataclass(frozen=True)
class Part:
    name: str  # db/<table>.jsonl or files/<path>
    sha256: str
    size: int
    rows: int | None = None


@dataclass(frozen=True)
class Manifest:
    created_at: str
    schema_revision: str
    dialect: str
    core_monitor: str
    parts: dict[str, Part] = field(default_factory=dict)

    def to_json(self) -> bytes:
        body: dict[str, Any] = {
            "format": FORMAT,
            "created_at": self.created_at,
            "schema_revision": self.schema_revision,
            "dialect": self.dialect,
            "core_monitor": self.core_monitor,
            "parts": {
                p.name: {"sha256": p.sha256, "size": p.size}
                | ({"rows": p.rows} if p.rows is not None else {})
                for p in sorted(self.parts.values(), key=lambda p: p.name)
            },
        }
        return json.dumps(body, indent=1, sort_keys=True).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> Manifest:
        try:
            body = json.loads(raw)
            if body.get("format") != FORMAT:
                raise BackupRefused(f"not a Core Monitor backup (format {body.get('format')!r})")
            parts = {
                name: Part(name, p["sha256"], int(p["size"]), p.get("rows"))
                for name, p in body["parts"].items()
            }
            return cls(
                body["created_at"],
                body["schema_revision"],
                body["dialect"],
                body.get("core_monitor", "?"),
                parts,
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise BackupRefused(f"the archive's manifest is unreadable: {exc}") from None

    def table_rows(self) -> dict[str, int]:
        return {
            PurePosixPath(p.name).stem: p.rows or 0
            for p in self.parts.values()
            if p.name.startswith("db/")
        }


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write(out: Path, manifest: Manifest, seal: str | None, sources: dict[str, Path]) -> None:
    """The archive at ``out`` (written beside it, then renamed: never half an archive)."""
    partial = out.with_name(f".{out.name}.partial")
    with tarfile.open(partial, "w") as tar:
        _add_bytes(tar, MANIFEST, manifest.to_json())
        if seal is not None:
            _add_bytes(tar, SEAL, seal.encode())
        for name in sorted(sources):
            tar.add(sources[name], arcname=name, recursive=False)
    partial.replace(out)


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mode = 0o600
    tar.addfile(info, io.BytesIO(data))


def extract(archive: Path, into: Path) -> tuple[Manifest, bytes, str | None]:
    """Unpack into ``into`` after checking each member's name and type; answers the
    manifest, its raw bytes (what the seal covers) and the seal."""
    try:
        with tarfile.open(archive, "r:*") as tar:
            for count, member in enumerate(_members(tar)):
                if count >= MAX_MEMBERS:
                    raise BackupRefused(f"the archive has more than {MAX_MEMBERS} members")
                _extract(tar, member, into)
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupRefused(f"the archive is truncated or corrupt: {exc}") from None
    manifest_path = into / MANIFEST
    if not manifest_path.is_file():
        raise BackupRefused("the archive has no manifest.json: not a Core Monitor backup")
    raw = manifest_path.read_bytes()
    seal_path = into / SEAL
    seal = seal_path.read_text().strip() if seal_path.is_file() else None
    return Manifest.from_json(raw), raw, seal


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, into: Path) -> None:
    # the "data" filter (where this Python has it) refuses what _members already refused:
    # a second guard, and no deprecation warning on newer Pythons
    if hasattr(tarfile, "data_filter"):
        tar.extract(member, into, set_attrs=False, filter="data")
    else:  # pragma: no cover - Pythons before 3.11.4
        tar.extract(member, into, set_attrs=False)


def _members(tar: tarfile.TarFile) -> Iterator[tarfile.TarInfo]:
    for member in tar:
        path = PurePosixPath(member.name)
        if not member.isfile():
            raise BackupRefused(f"{member.name}: not a regular file")
        if path.is_absolute() or ".." in path.parts or not path.parts:
            raise BackupRefused(f"{member.name}: a path outside the archive")
        if member.name not in (MANIFEST, SEAL) and path.parts[0] not in ("db", "files"):
            raise BackupRefused(f"{member.name}: not a part of a Core Monitor backup")
        yield member


def verify_parts(manifest: Manifest, root: Path) -> None:
    """Every listed part is there with its hash, and nothing else is."""
    found = {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.relative_to(root).as_posix() not in (MANIFEST, SEAL)
    }
    missing = sorted(set(manifest.parts) - found)
    if missing:
        raise BackupRefused(f"parts missing from the archive: {', '.join(missing[:5])}")
    extra = sorted(found - set(manifest.parts))
    if extra:
        raise BackupRefused(f"parts the manifest does not list: {', '.join(extra[:5])}")
    for part in manifest.parts.values():
        if sha256_file(root / part.name) != part.sha256:
            raise BackupRefused(f"{part.name}: its content does not match the manifest's hash")
