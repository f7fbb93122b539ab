"""Where a bind source leads on the engine's host, links followed one component at a time.

A stack could plant a link through the API alone (stack A binds an allowed directory and runs
``ln -s / link`` in it; stack B binds ``<dir>/link``), so a source judged as written proves
nothing. The walk asks the engine's own host (``engine/docker/probe.HostProbe``: lstat and
readlink through the archive API) about each component, as the kernel will meet it at mount
time, and the create request then carries the real path found, which holds no link at all.

Limit: a component may still be swapped for a link between this walk and the engine's mount
(a race the Engine API gives no way to close); the walk shrinks it to that window.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable

from core_monitor.domain.host_access import Resolved
from core_monitor.domain.host_paths import clean
from core_monitor.engine.errors import PathUnreadable
from core_monitor.engine.model import PathStat

MAX_LINKS = 40  # the kernel's own limit (ELOOP)

Stat = Callable[[str], PathStat | None]
ReadLink = Callable[[str], str]


def resolve(path: str, stat: Stat, read_link: ReadLink) -> Resolved:
    """The real path ``path`` (absolute, cleaned as the engine cleans it) leads to."""
    real = "/"
    pending = [part for part in path.split("/") if part]
    links = 0
    while pending:
        part = pending.pop(0)
        if part == ".":
            continue
        if part == "..":
            real = posixpath.dirname(real)
            continue
        candidate = posixpath.join(real, part)
        try:
            found = stat(candidate)
        except PathUnreadable as exc:
            return Resolved(problem=str(exc))
        if found is None:  # absent: nothing below it can be a link yet
            return Resolved(path=clean(posixpath.join(candidate, *pending)))
        if found.is_link:
            links += 1
            if links > MAX_LINKS:
                return Resolved(problem="too many levels of symbolic links")
            target = read_link(candidate)
            if target.startswith("/"):
                real = "/"
            pending = [p for p in target.split("/") if p] + pending
            continue
        if pending and not found.is_dir:
            return Resolved(problem=f"{candidate!r} is not a directory")
        real = candidate
    return Resolved(path=real)
