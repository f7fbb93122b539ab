"""Reads of managed containers on whichever host runs them: inspect, stats, logs (one
container's, or a stack's merged), each through that host's watcher and gateway."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

from core_monitor.engine import labels as lbl
from core_monitor.engine.errors import EngineUnreachable
from core_monitor.engine.log_stream import LogStream
from core_monitor.engine.model import ObservedContainer
from core_monitor.errors import NotFound
from core_monitor.monitor import logs as log_lines
from core_monitor.monitor import stack_logs as merged_logs
from core_monitor.monitor import stats as stats_math
from core_monitor.monitor.containers import ContainerDetail, detail
from core_monitor.monitor.names import Managed, ManagedNames
from core_monitor.monitor.redact import masked_frames
from core_monitor.monitor.watch import HostWatch
from core_monitor.monitor.watches import HostWatches
from core_monitor.services.desired import DesiredVersions

Opened = list[tuple[merged_logs.LogSource, LogStream]]


class ContainerReads:
    def __init__(
        self,
        watches: HostWatches,
        names: ManagedNames,
        versions: DesiredVersions,
        follows: log_lines.LogFollows,
        max_stream_seconds: float,
    ) -> None:
        self.watches = watches
        self.names = names
        self.versions = versions
        self.follows = follows
        self.max_stream_seconds = max_stream_seconds

    # -- finding a container ---------------------------------------------------------------
    def managed(self, ref: str) -> tuple[HostWatch, ObservedContainer]:
        """A container of a managed stack (by id, id prefix or name), on its stack's host.
        Hosts that do not answer are passed over; if it is on none of the others, it may be
        on one of them: EngineUnreachable says which."""
        managed = self.names.all(refresh=True)
        unreachable: EngineUnreachable | None = None
        for watch in self.watches.all():
            try:
                rows = watch.containers()
            except EngineUnreachable as exc:
                unreachable = exc
                continue
            for container in rows:
                stack = managed.get(container.project)
                if (
                    _matches(container, ref)
                    and stack is not None
                    and stack.host_id == watch.host_id
                ):
                    self._learn_secrets(container)
                    return watch, container
        if unreachable is not None:
            raise unreachable
        raise NotFound(f"no container {ref!r} in a managed stack")

    def _learn_secrets(self, container: ObservedContainer) -> None:
        """Another server may have made the version this container runs: deriving it (once,
        memoized) teaches this process's redactor its secrets before any output is read."""
        stack_id, version = container.labels.get(lbl.STACK_ID), container.version
        if stack_id and version is not None:
            with contextlib.suppress(NotFound):
                self.versions.get(stack_id, version)

    def stack_of(self, ref: str) -> Managed | None:
        """The managed stack a container belongs to (NotFound: no such container)."""
        return self.names.of(self.managed(ref)[1].project)

    # -- one container -----------------------------------------------------------------------
    def container(self, ref: str) -> ContainerDetail:
        watch, container = self.managed(ref)
        inspect = watch.inspect(container.id)
        if inspect is None:
            raise NotFound(f"container {ref!r} is gone")
        return detail(container, inspect, datetime.now(UTC), self.versions.box.fingerprint)

    def stats(self, ref: str) -> stats_math.ContainerStats:
        watch, container = self.managed(ref)
        raw = watch.read(lambda: watch.gateway.container_stats(container.id))
        if raw is None:
            raise NotFound(f"container {ref!r} is gone")
        return stats_math.compute(raw)

    def open_logs(
        self, ref: str, window: log_lines.LogWindow, *, timestamps: bool, follow: bool
    ) -> LogStream:
        watch, container = self.managed(ref)
        inspect = watch.inspect(container.id) or {}
        tty = bool((inspect.get("Config") or {}).get("Tty"))
        return watch.read(
            lambda: watch.gateway.container_logs(
                container.id,
                tail=window.tail,
                since=window.since,
                until=window.until,
                timestamps=timestamps,
                follow=follow,
                tty=tty,
            )
        )

    def logs(
        self, ref: str, window: log_lines.LogWindow, *, timestamps: bool
    ) -> list[log_lines.LogLine]:
        stream = self.open_logs(ref, window, timestamps=timestamps, follow=False)
        try:
            return list(log_lines.lines(masked_frames(stream.frames), timestamps))
        finally:
            stream.close()

    def follow_logs(self, stream: LogStream, timestamps: bool) -> AsyncIterator[str]:
        stream.frames = masked_frames(stream.frames)  # masked once decoded, line by line
        return self.follows.sse(stream, timestamps, self.max_stream_seconds)

    # -- a stack's containers, merged --------------------------------------------------------
    def open_stack_logs(
        self, watch: HostWatch, name: str, window: log_lines.LogWindow, *, follow: bool
    ) -> Opened:
        """Every container's log stream (always time-stamped: the merge orders by it)."""
        rows = watch.by_project().get(name, [])
        for row in rows:
            self._learn_secrets(row)
        found = watch.read(lambda: merged_logs.sources(rows, watch.cache.inspect))
        return merged_logs.open_all(
            found,
            lambda s: watch.read(
                lambda: watch.gateway.container_logs(
                    s.container_id,
                    tail=window.tail,
                    since=window.since,
                    until=window.until,
                    timestamps=True,
                    follow=follow,
                    tty=s.tty,
                )
            ),
        )

    def stack_logs(
        self, opened: Opened, window: log_lines.LogWindow, timestamps: bool
    ) -> list[merged_logs.StackLogLine]:
        read = []
        try:
            for source, stream in opened:
                read.append((source, list(log_lines.lines(masked_frames(stream.frames), True))))
        finally:
            for _, stream in opened:
                stream.close()
        return merged_logs.merged(read, window.tail, timestamps)

    def follow_stack_logs(self, opened: Opened, timestamps: bool) -> AsyncIterator[str]:
        for _, stream in opened:
            stream.frames = masked_frames(stream.frames)
        tagged = [(_stamped_as(source, timestamps), stream) for source, stream in opened]
        return self.follows.merged_sse(tagged, True, self.max_stream_seconds)


def _matches(container: ObservedContainer, ref: str) -> bool:
    return (
        container.id == ref
        or ref in container.names
        or (len(ref) >= 6 and container.id.startswith(ref))
    )


def _stamped_as(
    source: merged_logs.LogSource, timestamps: bool
) -> Callable[[log_lines.LogLine], log_lines.LogLine]:
    """The source's tag; the engine's stamp kept only when asked for."""

    def tag(line: log_lines.LogLine) -> log_lines.LogLine:
        tagged = source.tag(line)
        return tagged if timestamps else tagged.model_copy(update={"time": None})

    return tag
