"""The monitor service: the one object the API asks about what runs, on every Docker host.

Each host has its watcher (``watch.HostWatch``: engine cache, event listener, bounded reads),
kept in step with the host registry (``watches.HostWatches``). Every read routes by the
stack's host; a host that does not answer makes only its own stacks UNKNOWN, with why.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from core_monitor.domain.commands import Command
from core_monitor.domain.plan import Plan
from core_monitor.domain.stack import Stack
from core_monitor.engine.errors import EngineUnreachable
from core_monitor.engine.log_stream import LogStream
from core_monitor.engine.model import ObservedContainer
from core_monitor.errors import NotFound
from core_monitor.hosts.registry import LOCAL, HostId
from core_monitor.monitor import host as host_facts
from core_monitor.monitor import logs as log_lines
from core_monitor.monitor import stack_logs as merged_logs
from core_monitor.monitor import stats as stats_math
from core_monitor.monitor.activity import Activity
from core_monitor.monitor.command_feed import CommandFeed
from core_monitor.monitor.containers import ContainerDetail
from core_monitor.monitor.events import EventHub, HubEvent
from core_monitor.monitor.host_status import HostStatus, host_statuses
from core_monitor.monitor.judge import Marks, StackJudge
from core_monitor.monitor.metrics import MonitorMetrics, Snapshot
from core_monitor.monitor.names import ALL, ManagedNames
from core_monitor.monitor.reads import ContainerReads, Opened
from core_monitor.monitor.status import (
    ContainerStatus,
    StackStatusOut,
    StackSummary,
    container_status,
    summary,
    unknown,
)
from core_monitor.monitor.watch import READ_SECONDS, HostWatch
from core_monitor.monitor.watches import Hosts, HostWatches
from core_monitor.services.desired import DesiredVersions
from core_monitor.settings import Settings
from core_monitor.store import queue as queue_store
from core_monitor.store import stacks as stack_store
from core_monitor.store.clock import utcnow
from core_monitor.store.db import Database
from core_monitor.vault import SecretBox

if TYPE_CHECKING:
    from core_monitor.deploy.drift import Mismatch

Rows = dict[str, list[ObservedContainer]] | EngineUnreachable  # a host's rows, or why not


class MonitorService:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        hosts: Hosts,
        versions: DesiredVersions | None = None,
        read_seconds: float = READ_SECONDS,
    ) -> None:
        self.db = db
        self.settings = settings
        self.versions = versions or DesiredVersions(db, SecretBox.of(settings))
        self.hub = EventHub()
        self.follows = log_lines.LogFollows()
        self.metrics = MonitorMetrics(self.snapshot)
        self.names = ManagedNames(db)
        self.judge = StackJudge(db, self.versions)
        self.activity = Activity(self.hub, self.names, self.judge, self.metrics, self._judge_again)
        self.watches = HostWatches(
            hosts, self.activity.on_engine_event, self.activity.on_engine_state, read_seconds
        )
        self.reads = ContainerReads(
            self.watches, self.names, self.versions, self.follows, settings.max_stream_seconds
        )
        # command events reach this process from its own worker and API, and from the
        # others (replicas sharing the database) through the feed: each is told once
        self.feed = CommandFeed(
            db,
            self.activity.tell_command,
            self.activity.told_here,
            settings.command_feed_seconds,
        )
        self._started = False

    # -- life cycle ----------------------------------------------------------------------
    def start(self) -> None:
        if not self._started:
            self._started = True
            self.watches.start()
            self.feed.start()

    def stop(self) -> None:
        if self._started:
            self._started = False
            self.watches.stop()
            self.feed.stop()

    @property
    def event_stream_connected(self) -> bool:
        """The default host's event stream (each host's: ``host_status``)."""
        return LOCAL in self.watches.ids and self.watches.get(LOCAL).connected

    def watch(self, host_id: str) -> HostWatch | EngineUnreachable:
        try:
            return self.watches.get(HostId(host_id))
        except NotFound:
            return EngineUnreachable(f"no Docker host {host_id!r} is registered")

    # -- status --------------------------------------------------------------------------
    def stack_status(self, ref: str) -> StackStatusOut:
        with self.db.read() as session:
            stack = stack_store.get_stack(session, ref)
            marks = Marks.read(session, [stack.stack_id])
        watch = self.watch(stack.host_id)
        if isinstance(watch, EngineUnreachable):
            return unknown(stack, str(watch), utcnow())
        return self.judge.on_host(stack, watch, None, marks)

    def statuses(self) -> tuple[list[StackStatusOut], dict[HostId, Rows]]:
        """Every stack's status, each host read once and all hosts at the same time."""
        with self.db.read() as session:
            stacks, _ = stack_store.list_stacks(session, q=None, status=None, limit=ALL, offset=0)
            marks = Marks.read(session, [s.stack_id for s in stacks])
        rows = self._rows_by_host()
        return [self._judged(s, rows, marks) for s in stacks], rows

    def _judged(self, stack: Stack, rows: dict[HostId, Rows], marks: Marks) -> StackStatusOut:
        found = rows.get(HostId(stack.host_id))
        watch = self.watch(stack.host_id)
        if found is None or isinstance(watch, EngineUnreachable):
            return unknown(stack, f"no Docker host {stack.host_id!r} is registered", utcnow())
        if isinstance(found, EngineUnreachable):
            return unknown(stack, str(found), utcnow())
        return self.judge.on_host(stack, watch, found, marks)

    def _rows_by_host(self) -> dict[HostId, Rows]:
        watches = self.watches.all()
        if len(watches) < 2:
            return {w.host_id: _rows(w) for w in watches}
        with ThreadPoolExecutor(max_workers=len(watches)) as pool:
            futures = {w.host_id: pool.submit(_rows, w) for w in watches}
            return {host_id: f.result() for host_id, f in futures.items()}

    def all_status(self) -> list[StackSummary]:
        return [summary(s) for s in self.statuses()[0]]

    def host_status(self) -> list[HostStatus]:
        """Every Docker host: reachable or why not, its engine's facts, its stacks' counts."""
        statuses, rows = self.statuses()
        return host_statuses(self.db, self.watches.all(), rows, statuses)

    def stack_containers(self, ref: str) -> list[ContainerStatus]:
        with self.db.read() as session:
            stack = stack_store.get_stack(session, ref)
        watch = self._reachable(stack)
        found = watch.by_project().get(stack.name, [])
        now, fingerprint = utcnow(), self.versions.box.fingerprint
        return sorted(
            (container_status(c, watch.cache.inspect(c.id), now, fingerprint) for c in found),
            key=lambda c: (c.service, c.number, c.name),
        )

    def _reachable(self, stack: Stack) -> HostWatch:
        watch = self.watch(stack.host_id)
        if isinstance(watch, EngineUnreachable):
            raise watch
        return watch

    # -- containers ----------------------------------------------------------------------
    def container(self, ref: str) -> ContainerDetail:
        return self.reads.container(ref)

    def stats(self, ref: str) -> stats_math.ContainerStats:
        return self.reads.stats(ref)

    def open_logs(
        self, ref: str, window: log_lines.LogWindow, *, timestamps: bool, follow: bool
    ) -> LogStream:
        return self.reads.open_logs(ref, window, timestamps=timestamps, follow=follow)

    def logs(
        self, ref: str, window: log_lines.LogWindow, *, timestamps: bool
    ) -> list[log_lines.LogLine]:
        return self.reads.logs(ref, window, timestamps=timestamps)

    def follow_logs(self, stream: LogStream, timestamps: bool) -> AsyncIterator[str]:
        return self.reads.follow_logs(stream, timestamps)

    def container_stack_id(self, ref: str) -> str | None:
        """The id of the managed stack a container belongs to (NotFound otherwise)."""
        found = self.reads.stack_of(ref)
        return found.stack_id if found else None

    def open_stack_logs(self, ref: str, window: log_lines.LogWindow, *, follow: bool) -> Opened:
        with self.db.read() as session:
            stack = stack_store.get_stack(session, ref)
        return self.reads.open_stack_logs(self._reachable(stack), stack.name, window, follow=follow)

    def stack_logs(
        self, ref: str, window: log_lines.LogWindow, *, timestamps: bool
    ) -> list[merged_logs.StackLogLine]:
        opened = self.open_stack_logs(ref, window, follow=False)
        return self.reads.stack_logs(opened, window, timestamps)

    def follow_stack_logs(self, opened: Opened, timestamps: bool) -> AsyncIterator[str]:
        return self.reads.follow_stack_logs(opened, timestamps)

    # -- host ----------------------------------------------------------------------------
    def host(self, host_id: str = LOCAL) -> host_facts.HostFacts:
        return self._reachable_id(host_id).facts()

    def _reachable_id(self, host_id: str) -> HostWatch:
        watch = self.watch(host_id)
        if isinstance(watch, EngineUnreachable):
            raise watch
        return watch

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

    def on_command(self, event: str, command: Command, extra: dict[str, Any]) -> None:
        """Hook for the worker and the command service: queued, started, finished…"""
        self.activity.on_command(event, command, extra)

    def on_plan(self, command_id: str, plan: Plan) -> None:
        """Hook for convergence: the plan an APPLY or ROLLBACK runs, counted once it ends."""
        self.activity.on_plan(command_id, plan)

    def on_deploy(self, kind: str, outcome: str, seconds: float) -> None:
        """A DEPLOY ended (``deployed`` or ``failed``) after ``seconds``."""
        self.metrics.deploy_duration.labels(kind, outcome).observe(seconds)

    def _judge_again(self, stack_id: str) -> None:
        self.judge.again(stack_id, lambda stack: self._reachable(stack).by_project())

    def record_deployment_drift(self, stack_id: str, found: list[Mismatch]) -> None:
        """What the last check of the stack's deploy targets found (deploy/drift.py)."""
        self.judge.deployment_drift(stack_id, found)

    # -- metrics -------------------------------------------------------------------------
    def render_metrics(self) -> bytes:
        """The Prometheus exposition of every metric, computed at the scrape."""
        return self.metrics.render()

    def snapshot(self) -> Snapshot:
        snap = Snapshot(
            event_stream_connected=self.event_stream_connected, log_follows=self.follows.open
        )
        with self.db.read() as session:
            queue = queue_store.state(session, on_failure=self.settings.queue_on_failure)
        snap.queue_depth, snap.queue_halted = queue.depth, queue.halted
        statuses, rows = self.statuses()
        ups = {str(h): not isinstance(r, EngineUnreachable) for h, r in rows.items()}
        snap.count(statuses, ups, LOCAL)
        return snap


def _rows(watch: HostWatch) -> Rows:
    try:
        return watch.by_project()
    except EngineUnreachable as exc:
        return exc


def _event_filter(stack: str | None, visible: frozenset[str] | None) -> Callable[[HubEvent], bool]:
    def accept(event: HubEvent) -> bool:
        if event.kind == "engine":
            return True
        if visible is not None and event.stack_id not in visible:
            return False
        return stack is None or stack in (event.stack, event.stack_id)

    return accept
