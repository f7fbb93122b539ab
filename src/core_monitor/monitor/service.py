"""The monitor service: glues the store, the engine cache, drift, events and metrics.

Status reads ONE cached container list for all stacks (grouped by Compose project) and
cached inspect data; the event listener keeps both fresh.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from core_monitor.domain.commands import Command
from core_monitor.domain.health import assess
from core_monitor.domain.plan import Plan
from core_monitor.domain.stack import Stack, StackStatus
from core_monitor.engine import labels as lbl
from core_monitor.engine.adopted import substitute
from core_monitor.engine.log_stream import LogStream
from core_monitor.engine.model import ObservedContainer
from core_monitor.errors import NotFound
from core_monitor.hosts.registry import Host
from core_monitor.log import get_logger
from core_monitor.monitor import drift as drift_rules
from core_monitor.monitor import host as host_facts
from core_monitor.monitor import logs as log_lines
from core_monitor.monitor import stack_logs as merged_logs
from core_monitor.monitor import stats as stats_math
from core_monitor.monitor.cache import EngineCache
from core_monitor.monitor.command_feed import FEED_EVENTS, CommandFeed, ToldHere
from core_monitor.monitor.containers import ContainerDetail, detail
from core_monitor.monitor.events import EngineEventListener, EventHub, HubEvent
from core_monitor.monitor.metrics import MonitorMetrics, Snapshot
from core_monitor.monitor.redact import masked_frames
from core_monitor.monitor.status import (
    ContainerStatus,
    DriftItem,
    StackStatusOut,
    StackSummary,
    aggregate,
    container_status,
)
from core_monitor.services.desired import DesiredVersions

if TYPE_CHECKING:
    from core_monitor.deploy.drift import Mismatch
from core_monitor.settings import Settings
from core_monitor.store import adopted as adopted_store
from core_monitor.store import commands as command_store
from core_monitor.store import queue as queue_store
from core_monitor.store import stacks as stack_store
from core_monitor.store import stopped as stopped_store
from core_monitor.store.db import Database
from core_monitor.vault import SecretBox

log = get_logger("core_monitor.monitor")
_ALL = 100_000


@dataclass(frozen=True)
class _Marks:
    """What the stacks' commands left that the status rule reads: the stacks whose last
    command failed, and each stack's services stopped on purpose."""

    failed: set[str]
    stopped: dict[str, frozenset[str]]

    @classmethod
    def read(cls, session: Any, stack_ids: list[str]) -> _Marks:
        return cls(
            command_store.failed_stacks(session, stack_ids),
            stopped_store.stopped_services(session, stack_ids),
        )


_DF_SECONDS = 30.0


class MonitorService:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        host: Host,
        versions: DesiredVersions | None = None,
    ) -> None:
        self.db = db
        self.settings = settings
        self.engine_host = host  # from the host registry: its gateway, and clients for the listener
        self.gateway = host.gateway
        self.versions = versions or DesiredVersions(db, SecretBox.of(settings))
        self.fingerprint = self.versions.box.fingerprint
        self.cache = EngineCache(host.gateway)
        self.hub = EventHub()
        self.follows = log_lines.LogFollows()
        self.metrics = MonitorMetrics(self.snapshot)
        self.listener: EngineEventListener | None = None
        self._lock = threading.Lock()
        self._stacks: dict[str, tuple[str, str]] = {}  # name → (stack_id, name); id → same
        self._stacks_at = 0.0
        self._stopped_by_hand: set[str] = set()
        self._deployment_drift: dict[str, list[DriftItem]] = {}  # stack_id → items
        self._running: dict[str, str] = {}  # stack_id → command_id
        self._started: dict[str, float] = {}  # command_id → monotonic start
        self._planned: dict[str, dict[str, int]] = {}  # command_id → its plan's step counts
        self._df: tuple[float, dict[str, Any]] | None = None
        # command events reach this process from its own worker and API, and from the
        # others (replicas sharing the database) through the feed: each is told once
        self.told_here = ToldHere()
        self.feed = CommandFeed(
            db, self.on_command_elsewhere, self.told_here, settings.command_feed_seconds
        )

    # -- life cycle ----------------------------------------------------------------------
    def start(self) -> None:
        if self.listener is None:
            self.listener = EngineEventListener(
                self.engine_host.events_gateway(),
                self.on_engine_event,
                self.on_engine_state,
            )
            self.listener.start()
            self.feed.start()

    def stop(self) -> None:
        if self.listener is not None:
            self.listener.stop()
            self.listener = None
            self.feed.stop()

    @property
    def event_stream_connected(self) -> bool:
        return self.listener is not None and self.listener.connected

    # -- status --------------------------------------------------------------------------
    def stack_status(self, ref: str) -> StackStatusOut:
        with self.db.read() as session:
            stack = stack_store.get_stack(session, ref)
            marks = _Marks.read(session, [stack.stack_id])
        return self._status(stack, self.cache.by_project().get(stack.name, []), marks)

    def all_status(self) -> list[StackSummary]:
        with self.db.read() as session:
            stacks, _ = stack_store.list_stacks(session, q=None, status=None, limit=_ALL, offset=0)
            marks = _Marks.read(session, [s.stack_id for s in stacks])
        grouped = self.cache.by_project()
        summaries = []
        for stack in stacks:
            status = self._status(stack, grouped.get(stack.name, []), marks)
            containers = [c for s in status.services for c in s.containers if c.id]
            summaries.append(
                StackSummary(
                    stack_id=stack.stack_id,
                    name=stack.name,
                    status=status.status,
                    containers=len(containers),
                    running=sum(c.state == "running" for c in containers),
                    drift=sum(d.drifted for d in status.drift),
                    healthy=sum(c.health == "healthy" for c in containers),
                    unhealthy=sum(c.health == "unhealthy" for c in containers),
                    starting=sum(c.health == "starting" for c in containers),
                )
            )
        return summaries

    def stack_containers(self, ref: str) -> list[ContainerStatus]:
        with self.db.read() as session:
            stack = stack_store.get_stack(session, ref)
        now = datetime.now(UTC)
        found = self.cache.by_project().get(stack.name, [])
        return sorted(
            (container_status(c, self.cache.inspect(c.id), now, self.fingerprint) for c in found),
            key=lambda c: (c.service, c.number, c.name),
        )

    def _status(
        self, stack: Stack, found: list[ObservedContainer], marks: _Marks
    ) -> StackStatusOut:
        now = datetime.now(UTC)
        containers = [
            container_status(c, self.cache.inspect(c.id), now, self.fingerprint) for c in found
        ]
        desired = None
        drift = []
        if stack.current_version is not None:
            desired = self.versions.get(stack.stack_id, stack.current_version).state
            compared, differing = self._adopted(stack.stack_id, found)
            observed = drift_rules.observed_state(
                compared,
                self._present("network", desired.networks),
                self._present("volume", desired.volumes),
                {s.image: self.cache.image_id(s.image) for s in desired.services.values()},
                self._previous(stack.stack_id, found),
                {
                    s.image: self.cache.build_digest(s.image)
                    for s in desired.services.values()
                    if s.build_digest
                },
                adopted_differences=differing,
            )
            with self._lock:
                by_hand = set(self._stopped_by_hand)
            on_purpose = marks.stopped.get(stack.stack_id, frozenset())
            drift = drift_rules.detect(
                desired,
                observed,
                stopped=bool(desired.services) and set(desired.services) <= on_purpose,
                stopped_by_hand=by_hand,
                stopped_services=on_purpose,
            )
        with self._lock:
            drift = [*drift, *self._deployment_drift.get(stack.stack_id, [])]
        return aggregate(
            stack_id=stack.stack_id,
            name=stack.name,
            recorded=stack.status,
            desired_version=stack.desired_version,
            current_version=stack.current_version,
            desired=desired,
            containers=containers,
            drift=drift,
            now=now,
            failed=stack.stack_id in marks.failed,
            stopped=marks.stopped.get(stack.stack_id, frozenset()),
        )

    def _present(self, kind: str, wanted: dict[str, tuple[str, bool]]) -> set[str]:
        if not wanted:
            return set()
        ours = self.cache.networks() if kind == "network" else self.cache.volumes()
        present = {name for name, _ in wanted.values() if name in ours}
        present |= {
            name
            for name, external in wanted.values()
            if external and self.cache.external_exists(kind, name)
        }
        return present

    def _adopted(
        self, stack_id: str, found: list[ObservedContainer]
    ) -> tuple[list[ObservedContainer], dict[str, list[str]]]:
        """Compose's containers an adoption verified, read as the observer reads them."""
        if all(c.version for c in found):
            return found, {}
        with self.db.read() as session:
            records = adopted_store.adopted(session, stack_id)
        return substitute(found, records)

    def _previous(
        self, stack_id: str, found: list[ObservedContainer]
    ) -> dict[tuple[int, str], dict[str, Any]]:
        versions = {c.version for c in found if c.version}
        return self.versions.previous_configs(stack_id, versions)

    # -- containers ----------------------------------------------------------------------
    def _managed(self, ref: str) -> ObservedContainer:
        """A container of a managed stack (by id, id prefix or name)."""
        managed = self._managed_names(refresh=True)
        for container in self.cache.containers():
            matches = (
                container.id == ref
                or ref in container.names
                or (len(ref) >= 6 and container.id.startswith(ref))
            )
            if matches and container.project in managed:
                self._learn_secrets(container)
                return container
        raise NotFound(f"no container {ref!r} in a managed stack")

    def _learn_secrets(self, container: ObservedContainer) -> None:
        """Another server may have made the version this container runs: deriving it (once,
        memoized) teaches this process's redactor its secrets before any output is read."""
        stack_id, version = container.labels.get(lbl.STACK_ID), container.version
        if stack_id and version is not None:
            with contextlib.suppress(NotFound):
                self.versions.get(stack_id, version)

    def container(self, ref: str) -> ContainerDetail:
        container = self._managed(ref)
        inspect = self.cache.inspect(container.id)
        if inspect is None:
            raise NotFound(f"container {ref!r} is gone")
        return detail(container, inspect, datetime.now(UTC), self.fingerprint)

    def stats(self, ref: str) -> stats_math.ContainerStats:
        raw = self.gateway.container_stats(self._managed(ref).id)
        if raw is None:
            raise NotFound(f"container {ref!r} is gone")
        return stats_math.compute(raw)

    def open_logs(
        self, ref: str, window: log_lines.LogWindow, *, timestamps: bool, follow: bool
    ) -> LogStream:
        container_id = self._managed(ref).id
        inspect = self.cache.inspect(container_id) or {}
        tty = bool((inspect.get("Config") or {}).get("Tty"))
        return self.gateway.container_logs(
            container_id,
            tail=window.tail,
            since=window.since,
            until=window.until,
            timestamps=timestamps,
            follow=follow,
            tty=tty,
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
        return self.follows.sse(stream, timestamps, self.settings.max_stream_seconds)

    def render_metrics(self) -> bytes:
        """The Prometheus exposition of every metric, computed at the scrape."""
        return self.metrics.render()

    # -- a stack's logs, merged ------------------------------------------------------------
    def open_stack_logs(
        self, ref: str, window: log_lines.LogWindow, *, follow: bool
    ) -> list[tuple[merged_logs.LogSource, LogStream]]:
        """Every container's log stream (always time-stamped: the merge orders by it)."""
        with self.db.read() as session:
            stack = stack_store.get_stack(session, ref)
        rows = self.cache.by_project().get(stack.name, [])
        for row in rows:
            self._learn_secrets(row)
        found = merged_logs.sources(rows, self.cache.inspect)
        return merged_logs.open_all(
            found,
            lambda s: self.gateway.container_logs(
                s.container_id,
                tail=window.tail,
                since=window.since,
                until=window.until,
                timestamps=True,
                follow=follow,
                tty=s.tty,
            ),
        )

    def stack_logs(
        self, ref: str, window: log_lines.LogWindow, *, timestamps: bool
    ) -> list[merged_logs.StackLogLine]:
        opened = self.open_stack_logs(ref, window, follow=False)
        read = []
        try:
            for source, stream in opened:
                read.append((source, list(log_lines.lines(masked_frames(stream.frames), True))))
        finally:
            for _, stream in opened:
                stream.close()
        return merged_logs.merged(read, window.tail, timestamps)

    def follow_stack_logs(
        self, opened: list[tuple[merged_logs.LogSource, LogStream]], timestamps: bool
    ) -> AsyncIterator[str]:
        for _, stream in opened:
            stream.frames = masked_frames(stream.frames)
        tagged = [(_stamped_as(source, timestamps), stream) for source, stream in opened]
        return self.follows.merged_sse(tagged, True, self.settings.max_stream_seconds)

    # -- host ----------------------------------------------------------------------------
    def host(self) -> host_facts.HostFacts:
        info = self.gateway.info()
        df = None
        with self._lock:
            if self._df is not None and time.monotonic() - self._df[0] < _DF_SECONDS:
                df = self._df[1]
        if df is None:
            try:
                df = self.gateway.df()
            except Exception as exc:  # disk usage is best effort: the engine may be busy
                log.warning("docker df failed", error=str(exc)[:200])
            else:
                with self._lock:
                    self._df = (time.monotonic(), df)
        return host_facts.facts(info, df)

    # -- events --------------------------------------------------------------------------
    def events(
        self,
        last_id: int | None,
        stack: str | None = None,
        visible: frozenset[str] | None = None,
    ) -> AsyncIterator[str]:
        """``visible``: the stack ids the caller may see (None: all)."""
        return self.hub.stream(
            last_id, self.settings.max_stream_seconds, _event_filter(stack, visible)
        )

    def buffered_events(
        self, last_id: int | None, stack: str | None, visible: frozenset[str] | None = None
    ) -> list[dict[str, Any]]:
        events, _ = self.hub.since(last_id if last_id is not None else 0)
        accept = _event_filter(stack, visible)
        return [e.as_dict() for e in events if accept(e)]

    def container_stack_id(self, ref: str) -> str | None:
        """The id of the managed stack a container belongs to (NotFound otherwise)."""
        found = self._stack_of(self._managed(ref).project)
        return found[0] if found else None

    def _managed_names(self, refresh: bool = False) -> dict[str, tuple[str, str]]:
        """name → (stack_id, name) and stack_id → (stack_id, name), refreshed every 2 s."""
        with self._lock:
            stale = time.monotonic() - self._stacks_at > (0.25 if refresh else 2.0)
            if not stale:
                return self._stacks
        with self.db.read() as session:
            stacks, _ = stack_store.list_stacks(session, q=None, status=None, limit=_ALL, offset=0)
        found = {s.name: (s.stack_id, s.name) for s in stacks}
        found.update({s.stack_id: (s.stack_id, s.name) for s in stacks})
        with self._lock:
            self._stacks, self._stacks_at = found, time.monotonic()
        return found

    def _stack_of(self, ref: str | None) -> tuple[str, str] | None:
        if not ref:
            return None
        found = self._managed_names().get(ref)
        if found is None:
            found = self._managed_names(refresh=True).get(ref)
        return found

    def _deleted_stack(self, stack_id: str | None) -> tuple[str, str] | None:
        if not stack_id:
            return None
        with self.db.read() as session:
            try:
                stack = stack_store.get_stack(session, stack_id, include_deleted=True)
            except NotFound:
                return None
        return stack.stack_id, stack.name

    def on_engine_state(self, connected: bool, reason: str | None) -> None:
        self.cache.set_live(connected)
        self.hub.publish(
            "engine", "connected" if connected else "disconnected", data={"reason": reason}
        )

    def on_engine_event(self, event: dict[str, Any]) -> None:
        self.cache.on_event(event)
        if event.get("Type") != "container":
            return
        action = str(event.get("Action") or "")  # one of docker.gateway.EVENTS: no exec_* noise
        attrs = (event.get("Actor") or {}).get("Attributes") or {}
        stack = self._stack_of(attrs.get(lbl.COMPOSE_PROJECT))
        if stack is None:
            return
        name = attrs.get("name", "")
        verb, _, health = action.partition(": ")
        with self._lock:
            if verb == "stop" and stack[0] not in self._running:
                self._stopped_by_hand.add(name)
            elif verb in ("start", "destroy", "restart", "create"):
                self._stopped_by_hand.discard(name)
        data: dict[str, Any] = {
            "container_id": (event.get("Actor") or {}).get("ID"),
            "container": name,
            "service": attrs.get(lbl.COMPOSE_SERVICE),
        }
        if health:
            data["health"] = health
        if "exitCode" in attrs:
            data["exit_code"] = int(attrs["exitCode"]) if attrs["exitCode"].isdigit() else None
        if "signal" in attrs:
            data["signal"] = attrs["signal"]
        nanos = event.get("timeNano")
        self.hub.publish(
            "container",
            verb,
            stack=stack[1],
            stack_id=stack[0],
            data=data,
            at=nanos / 1e9 if isinstance(nanos, int) else None,
        )
        self.metrics.engine_events.labels(verb).inc()

    def on_command(self, event: str, command: Command, extra: dict[str, Any]) -> None:
        """Hook for the worker and the command service: queued, started, finished…"""
        if event in FEED_EVENTS:
            self.told_here.record(event, command.command_id)
        self._tell_command(event, command, extra)

    def on_command_elsewhere(self, event: str, command: Command, extra: dict[str, Any]) -> None:
        """From the feed: a command another process enqueued or ran (replicas)."""
        self._tell_command(event, command, extra)

    def _tell_command(self, event: str, command: Command, extra: dict[str, Any]) -> None:
        # a DELETE has soft-deleted its stack by the time it finishes: still name it, or
        # `?stack=` subscribers miss the event and the console cannot tell which one went
        stack = self._stack_of(command.stack_id) or self._deleted_stack(command.stack_id)
        data: dict[str, Any] = {
            "command_id": command.command_id,
            "seq": command.seq,
            "type": command.type,
            "status": str(extra.get("status") or command.status),
            **{k: v for k, v in extra.items() if k != "status"},
        }
        with self._lock:
            if event == "started":
                if command.stack_id:
                    self._running[command.stack_id] = command.command_id
                self._started[command.command_id] = time.monotonic()
                started = None
            else:
                if command.stack_id and self._running.get(command.stack_id) == command.command_id:
                    del self._running[command.stack_id]
                started = self._started.pop(command.command_id, None)
        if event == "finished" and started is not None:
            duration = time.monotonic() - started
            data["duration_seconds"] = round(duration, 3)
            self.metrics.command_duration.labels(command.type, data["status"]).observe(duration)
        self.hub.publish(
            "command",
            event,
            stack=stack[1] if stack else None,
            stack_id=command.stack_id,
            data=data,
        )
        # after the event: whoever waits for the command need not wait for the metrics
        if event == "finished":
            self._count_steps(command.command_id, counted=started is not None)
        elif event == "dismiss" and command.stack_id:
            self._judge_again(command.stack_id)

    def _judge_again(self, stack_id: str) -> None:
        """A dismissed failure gives the stack back its status from what runs (issue 14): the
        recorded status, which the stack list shows, is judged again by the health rule."""
        with self.db.read() as session:
            try:
                stack = stack_store.get_stack(session, stack_id)
            except NotFound:  # deleted meanwhile
                return
            stopped = stopped_store.stopped_services(session, [stack_id]).get(stack_id)
        if stack.current_version is None:
            status = StackStatus.NEW
        else:
            wanted = self.versions.get(stack_id, stack.current_version).state.services
            found = self.cache.by_project().get(stack.name, [])
            status = StackStatus(assess(wanted, found, stopped=stopped or frozenset()).stack)
        with self.db.write() as session:
            stack_store.replace_status(session, stack_id, StackStatus.FAILED, status)

    def record_deployment_drift(self, stack_id: str, found: list[Mismatch]) -> None:
        """What the last check of the stack's deploy targets found (deploy/drift.py)."""
        items = [
            DriftItem(
                kind="deployment",
                target=f"{m.service} {m.path}",
                service=m.service,
                difference="deployment",
                reason=f"serves {m.served or 'nothing'}, recorded current {m.recorded}",
                drifted=True,
            )
            for m in found
        ]
        with self._lock:
            self._deployment_drift[stack_id] = items

    def on_deploy(self, kind: str, outcome: str, seconds: float) -> None:
        """A DEPLOY ended (``deployed`` or ``failed``) after ``seconds``."""
        self.metrics.deploy_duration.labels(kind, outcome).observe(seconds)

    def on_plan(self, command_id: str, plan: Plan) -> None:
        """Hook for convergence: the plan an APPLY or ROLLBACK runs, counted once it ends."""
        with self._lock:
            self._planned[command_id] = plan.summary()

    def _count_steps(self, command_id: str, counted: bool) -> None:
        """``counted``: this process saw the command start (as before, only then)."""
        with self._lock:
            counts = self._planned.pop(command_id, {})
        for kind, count in counts.items() if counted else ():
            self.metrics.apply_steps.labels(kind).inc(count)

    # -- metrics -------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        snap = Snapshot(
            event_stream_connected=self.event_stream_connected, log_follows=self.follows.open
        )
        with self.db.read() as session:
            queue = queue_store.state(session, on_failure=self.settings.queue_on_failure)
            stacks, _ = stack_store.list_stacks(session, q=None, status=None, limit=_ALL, offset=0)
            marks = _Marks.read(session, [s.stack_id for s in stacks])
        snap.queue_depth, snap.queue_halted = queue.depth, queue.halted
        try:
            grouped = self.cache.by_project()
            snap.engine_reachable = True
        except Exception:
            grouped = None
        for stack in stacks:
            if grouped is None:
                status = str(stack.status)
            else:
                try:
                    status = str(self._status(stack, grouped.get(stack.name, []), marks).status)
                except Exception:
                    status = str(stack.status)
            snap.stacks[status] = snap.stacks.get(status, 0) + 1
        names = {s.name for s in stacks}
        for project, rows in (grouped or {}).items():
            if project not in names:
                continue
            for container in rows:
                key = (container.state, container.health or "none")
                snap.containers[key] = snap.containers.get(key, 0) + 1
        return snap


def _stamped_as(
    source: merged_logs.LogSource, timestamps: bool
) -> Callable[[log_lines.LogLine], log_lines.LogLine]:
    """The source's tag; the engine's stamp kept only when asked for."""

    def tag(line: log_lines.LogLine) -> log_lines.LogLine:
        tagged = source.tag(line)
        return tagged if timestamps else tagged.model_copy(update={"time": None})

    return tag


def _event_filter(stack: str | None, visible: frozenset[str] | None) -> Callable[[HubEvent], bool]:
    def accept(event: HubEvent) -> bool:
        if event.kind == "engine":
            return True
        if visible is not None and event.stack_id not in visible:
            return False
        return stack is None or stack in (event.stack, event.stack_id)

    return accept
