"""Is an uploaded archive safe to unpack, and readable at all? (zip and tar.gz)

Checked at upload, once, so a driver may trust what is in the store. Every archive is read
entry by entry with bounds on the entry count and the unpacked size (a zip bomb is refused
before anything unpacks it). A static site is also refused when an entry would land
outside its release directory: ``..``, an absolute path, a link pointing outside, or a
device or fifo. A WAR or EAR must be a readable zip.
"""

from __future__ import annotations

import posixpath
import stat
import tarfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from core_monitor.domain.deploy import ArtifactKind

MAX_ENTRIES = 50_000
MAX_UNPACKED_BYTES = 4 * 1024**3


class ArchiveRefused(Exception):
    """The archive cannot be deployed; the message names the entry."""


@dataclass(frozen=True)
class Entry:
    name: str
    size: int
    link: str | None = None  # a symlink's target
    hardlink: str | None = None  # a hard link's target (a member name)
    special: bool = False  # device, fifo


def check_archive(path: Path, kind: ArtifactKind) -> None:
    """Raises ArchiveRefused unless the archive is readable, bounded and (static) safe."""
    if kind == ArtifactKind.STATIC:
        entries = _zip_entries(path) if zipfile.is_zipfile(path) else _tar_entries(path)
    else:
        if not zipfile.is_zipfile(path):
            raise ArchiveRefused(f"not a readable .{kind.value} (a {kind.value} is a zip)")
        entries = _zip_entries(path)
    total = 0
    for count, entry in enumerate(entries, start=1):
        total += entry.size
        if count > MAX_ENTRIES:
            raise ArchiveRefused(f"more than {MAX_ENTRIES} entries")
        if total > MAX_UNPACKED_BYTES:
            raise ArchiveRefused(f"unpacks to more than {MAX_UNPACKED_BYTES} bytes")
        if kind == ArtifactKind.STATIC:
            _check_static(entry)


def _check_static(entry: Entry) -> None:
    name = entry.name
    if name.startswith("/") or posixpath.isabs(name) or ":" in name.split("/")[0]:
        raise ArchiveRefused(f"entry {name!r} has an absolute path")
    if ".." in name.split("/"):
        raise ArchiveRefused(f"entry {name!r} leaves the site (`..`)")
    if entry.special:
        raise ArchiveRefused(f"entry {name!r} is a device or a fifo")
    if entry.link is not None and not _inside(posixpath.dirname(name), entry.link):
        raise ArchiveRefused(f"entry {name!r} links outside the site ({entry.link!r})")
    if entry.hardlink is not None and not _inside("", entry.hardlink):
        raise ArchiveRefused(f"entry {name!r} links outside the site ({entry.hardlink!r})")


def _inside(directory: str, target: str) -> bool:
    """Whether ``target``, read from ``directory`` (relative to the archive's root), stays
    below the root."""
    if target.startswith("/"):
        return False
    depth = 0  # normpath would stop `..` at the root: count the levels instead
    for part in [*directory.split("/"), *target.split("/")]:
        if part == "..":
            depth -= 1
            if depth < 0:
                return False
        elif part not in ("", "."):
            depth += 1
    return True


def _tar_entries(path: Path) -> Iterator[Entry]:
    try:
        with tarfile.open(path, "r:*") as archive:
            for member in archive:  # streamed: members are read one by one
                yield Entry(
                    name=member.name,
                    size=max(member.size, 0),
                    link=member.linkname if member.issym() else None,
                    hardlink=member.linkname if member.islnk() else None,
                    special=member.isdev(),
                )
    except (tarfile.TarError, EOFError, OSError, ValueError) as exc:
        raise ArchiveRefused(f"not a readable .tar.gz or .zip: {exc}") from None


def _zip_entries(path: Path) -> Iterator[Entry]:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ENTRIES:
                raise ArchiveRefused(f"more than {MAX_ENTRIES} entries")
            for info in infos:
                yield _zip_entry(archive, info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ArchiveRefused(f"not a readable zip: {exc}") from None


def _zip_entry(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Entry:
    mode = info.external_attr >> 16
    link = None
    if stat.S_ISLNK(mode):  # a symlink's target is its content
        link = archive.read(info)[:4096].decode("utf-8", "replace")
    special = stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode)
    return Entry(name=info.filename, size=info.file_size, link=link, special=special)
