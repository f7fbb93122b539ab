"""A project directory uploaded as a .tar.gz: untrusted bytes → (compose text, bundle).

Bounded before and while it is read: the archive's size, its member count, and the bytes
decompressed (a gzip bomb stops at the limit, whatever the headers claim). Only regular files
and directories are taken: a link, a device or a path outside the directory is refused with
its name. The compose file is the one at the root (or at the root of the single directory the
archive holds, as ``tar czf p.tgz project/`` makes it).
"""

from __future__ import annotations

import gzip
import io
import tarfile
import zlib
from dataclasses import dataclass

from core_monitor.compose import MAX_COMPOSE_BYTES
from core_monitor.domain.bundle import (
    MAX_BUNDLE_BYTES,
    MAX_FILE_BYTES,
    MAX_FILES,
    UnsafePath,
    clean_path,
)
from core_monitor.errors import FieldError, PayloadTooLarge, ValidationFailed

COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
MAX_ARCHIVE_BYTES = MAX_BUNDLE_BYTES + MAX_COMPOSE_BYTES
MAX_MEMBERS = 4 * MAX_FILES  # files and the directories that hold them
# tar's own headers and padding: two 512-byte blocks per member at most, and the end blocks
MAX_UNPACKED_BYTES = MAX_ARCHIVE_BYTES + (MAX_MEMBERS + 4) * 1024 + 20 * 512


@dataclass(frozen=True)
class Project:
    compose: str
    files: dict[str, bytes]


class _Bounded(io.RawIOBase):
    """The decompressed stream, refused past ``limit`` bytes."""

    def __init__(self, raw: bytes, limit: int) -> None:
        self._inner = gzip.GzipFile(fileobj=io.BytesIO(raw))
        self._left = limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._inner.read(min(len(buffer), self._left + 1))
        self._left -= len(data)
        if self._left < 0:
            raise PayloadTooLarge(f"archive: unpacks to more than {MAX_UNPACKED_BYTES} bytes")
        buffer[: len(data)] = data
        return len(data)


def read_project(raw: bytes) -> Project:
    """413 for an archive too large (packed or unpacked); 422 naming ``archive.<member>``
    for a member that is not a plain file or directory inside the project."""
    if len(raw) > MAX_ARCHIVE_BYTES:
        raise PayloadTooLarge(f"archive: larger than {MAX_ARCHIVE_BYTES} bytes")
    try:
        members = _members(raw)
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise ValidationFailed([FieldError("archive", f"not a .tar.gz archive: {exc}")]) from None
    return _project(_rooted(members))


def _members(raw: bytes) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    total = 0
    stream = io.BufferedReader(_Bounded(raw, MAX_UNPACKED_BYTES))
    with tarfile.open(fileobj=stream, mode="r|") as tar:
        for count, member in enumerate(tar, start=1):
            if count > MAX_MEMBERS:
                raise ValidationFailed([FieldError("archive", f"more than {MAX_MEMBERS} members")])
            path = _path_of(member)
            if member.isdir() or path == ".":
                continue
            if member.size > MAX_FILE_BYTES:
                raise PayloadTooLarge(f"archive.{path}: larger than {MAX_FILE_BYTES} bytes")
            total += member.size
            if total > MAX_ARCHIVE_BYTES:
                raise PayloadTooLarge(f"archive: unpacks to more than {MAX_ARCHIVE_BYTES} bytes")
            extracted = tar.extractfile(member)
            found[path] = extracted.read() if extracted is not None else b""
    return found


def _path_of(member: tarfile.TarInfo) -> str:
    def refuse(message: str) -> ValidationFailed:
        return ValidationFailed([FieldError(f"archive.{member.name}", message)])

    if not (member.isfile() or member.isdir()):
        raise refuse("only regular files and directories are taken (no links or devices)")
    try:
        return clean_path(member.name)
    except UnsafePath as exc:
        raise refuse(str(exc)) from None


def _rooted(members: dict[str, bytes]) -> dict[str, bytes]:
    """The members relative to the project directory: the archive's root, or the one
    directory everything is in when the compose file is there."""
    if any(name in members for name in COMPOSE_NAMES):
        return members
    tops = {path.split("/", 1)[0] for path in members}
    if len(tops) == 1 and all("/" in path for path in members):
        prefix = tops.pop() + "/"
        return {path[len(prefix) :]: content for path, content in members.items()}
    return members


def _project(files: dict[str, bytes]) -> Project:
    name = next((n for n in COMPOSE_NAMES if n in files), None)
    if name is None:
        raise ValidationFailed(
            [FieldError("archive", f"no compose file at its root ({', '.join(COMPOSE_NAMES)})")]
        )
    content = files.pop(name)
    if len(content) > MAX_COMPOSE_BYTES:
        raise PayloadTooLarge(f"archive.{name}: larger than {MAX_COMPOSE_BYTES} bytes")
    try:
        return Project(content.decode("utf-8"), files)
    except UnicodeDecodeError:
        raise ValidationFailed([FieldError(f"archive.{name}", "not UTF-8 text")]) from None
