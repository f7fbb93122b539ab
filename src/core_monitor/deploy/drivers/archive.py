"""A static site's archive (.tar.gz/.tgz/.tar or .zip) as the plain tar stream the engine
unpacks into a release directory.

Rewritten on our side, entry by entry: a zip becomes a tar; entries that could leave the
release (``..``, absolute names, links pointing outside, devices, fifos) are refused here
too, although the upload already refused them (the store may hold older uploads); every
entry is made readable by the server's unprivileged workers and owned by root. When
everything sits under one top-level directory (``site/index.html``), that directory is the
release's root. The stream spools to disk past a few MiB.
"""

from __future__ import annotations

import posixpath
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from functools import partial
from pathlib import Path
from typing import IO, BinaryIO

from core_monitor.deploy.drivers.base import SPOOL, DriverFailed


def release_tar(source: Path) -> BinaryIO:
    """The site archive at ``source`` as a tar stream positioned at its start."""
    out = tempfile.SpooledTemporaryFile(SPOOL)  # noqa: SIM115  (returned open)
    with ExitStack() as opened:
        if zipfile.is_zipfile(source):
            entries = list(_zip_entries(opened.enter_context(zipfile.ZipFile(source))))
        else:
            entries = list(_tar_entries(opened.enter_context(tarfile.open(source, mode="r:*"))))
        prefix = _common_top(name for name, _, _ in entries)
        with tarfile.open(fileobj=out, mode="w") as tar:
            for name, info, data in entries:
                info.name = name[len(prefix) :] if prefix else name
                if info.name:
                    _own(info)
                    tar.addfile(info, data() if info.isfile() else None)
    out.seek(0)
    return out  # type: ignore[return-value]


def safe_entry(name: str, link: str | None = None) -> str:
    """The entry's normalised relative name; ``DriverFailed`` when it could leave the root."""
    clean = posixpath.normpath(name) if name else "."
    if name.startswith("/") or "\\" in name or clean == ".." or clean.startswith("../"):
        raise DriverFailed(f"archive entry {name!r} points outside the site")
    if link is not None:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(clean), link))
        if link.startswith("/") or target == ".." or target.startswith("../"):
            raise DriverFailed(f"archive entry {name!r} links outside the site ({link})")
    return "" if clean == "." else clean


Entry = tuple[str, tarfile.TarInfo, Callable[[], IO[bytes] | None]]


def _tar_entries(tar: tarfile.TarFile) -> Iterator[Entry]:
    for member in tar:
        if not (member.isfile() or member.isdir() or member.issym()):
            raise DriverFailed(f"archive entry {member.name!r} is not a file, directory or link")
        name = safe_entry(member.name, member.linkname if member.issym() else None)
        info = tarfile.TarInfo(name)
        info.type, info.size, info.mode = member.type, member.size, member.mode
        info.mtime, info.linkname = member.mtime, member.linkname
        yield name, info, partial(tar.extractfile, member)


def _zip_entries(archive: zipfile.ZipFile) -> Iterator[Entry]:
    for item in archive.infolist():
        mode = item.external_attr >> 16
        link = archive.read(item).decode() if stat.S_ISLNK(mode) else None
        name = safe_entry(item.filename, link)
        info = tarfile.TarInfo(name)
        if item.is_dir():
            info.type = tarfile.DIRTYPE
        elif link is not None:
            info.type, info.linkname = tarfile.SYMTYPE, link
        else:
            info.size = item.file_size
        info.mode = stat.S_IMODE(mode) or 0o644
        yield name, info, partial(archive.open, item)


def _common_top(names: Iterable[str]) -> str:
    """ "dir/" when every entry is that one directory or below it; else ""."""
    listed = [name for name in names if name]
    tops = {name.split("/", 1)[0] for name in listed}
    if len(tops) != 1:
        return ""
    top = tops.pop()
    # a lone file at the top is the site itself, not a directory holding it
    return f"{top}/" if any(name.startswith(f"{top}/") for name in listed) else ""


def _own(info: tarfile.TarInfo) -> None:
    info.uid = info.gid = 0
    info.uname = info.gname = "root"
    if info.isdir():
        info.mode = 0o755
    elif info.isfile():
        info.mode = (info.mode & 0o755) | 0o644
