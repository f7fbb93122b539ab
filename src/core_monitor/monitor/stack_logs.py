"""A stack's logs in one view: every container's lines, each tagged with the service and the
replica (container number) it came from.

Read at once, the containers' lines are merged in the order of the engine's timestamps (asked
for always, dropped from the answer unless wanted) and the last ``tail`` of them kept; followed,
they are merged as they arrive (monitor/logs.py, ``LogFollows.merged_sse``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from core_monitor.engine.log_stream import LogStream
from core_monitor.engine.model import ObservedContainer
from core_monitor.errors import Conflict, NotFound
from core_monitor.monitor.logs import LogLine


class StackLogLine(LogLine):
    service: str
    replica: int  # the container number: web-1, web-2…
    container: str


@dataclass(frozen=True)
class LogSource:
    """One container of the stack whose output goes into the merged view."""

    container_id: str
    container: str
    service: str
    replica: int
    tty: bool

    def tag(self, line: LogLine) -> StackLogLine:
        return StackLogLine(
            **line.model_dump(),
            service=self.service,
            replica=self.replica,
            container=self.container,
        )


def sources(
    containers: Iterable[ObservedContainer], inspect: Callable[[str], dict[str, Any] | None]
) -> list[LogSource]:
    """The stack's containers, by service then replica."""
    found = []
    for container in containers:
        config = (inspect(container.id) or {}).get("Config") or {}
        found.append(
            LogSource(
                container_id=container.id,
                container=container.name or container.id[:12],
                service=container.service,
                replica=container.number,
                tty=bool(config.get("Tty")),
            )
        )
    return sorted(found, key=lambda s: (s.service, s.replica, s.container))


Opener = Callable[[LogSource], LogStream]


def open_all(found: list[LogSource], open_one: Opener) -> list[tuple[LogSource, LogStream]]:
    """Every source's stream; a container that went meanwhile, or whose log driver keeps no
    readable logs, is left out (its own logs endpoint says why), not the whole stack's view."""
    opened: list[tuple[LogSource, LogStream]] = []
    try:
        for source in found:
            with contextlib.suppress(NotFound, Conflict):
                opened.append((source, open_one(source)))
    except BaseException:
        for _, stream in opened:
            stream.close()
        raise
    return opened


def merged(
    opened: list[tuple[LogSource, list[LogLine]]], tail: int, timestamps: bool
) -> list[StackLogLine]:
    """Each container's (time-stamped) lines → one list ordered by time, the last ``tail``.
    The engine's stamps are fixed-width RFC 3339 in UTC, so they order as text; the sort is
    stable, so one container's lines keep their order."""
    tagged = [source.tag(line) for source, lines in opened for line in lines]
    tagged.sort(key=lambda line: line.time or "")
    kept = tagged[max(len(tagged) - tail, 0) :]
    if not timestamps:
        kept = [line.model_copy(update={"time": None}) for line in kept]
    return kept
