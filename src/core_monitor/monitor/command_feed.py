"""Command events from other processes: what makes every replica's event stream whole.

A command is enqueued by whichever replica took the request and run by whichever holds the
queue lease; each tells its own listeners at once. The others learn of it here: a thread
reads the commands changed since it last looked (the database is what replicas share) and
tells the same listener ``queued``, ``started`` or ``finished`` — unless this process told it
itself (``ToldHere``), so each event goes out once per process.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from core_monitor.domain.commands import FINISHED, Command, CommandStatus
from core_monitor.log import get_logger
from core_monitor.store import commands as command_store
from core_monitor.store.clock import utcnow
from core_monitor.store.db import Database

log = get_logger("core_monitor.monitor")

SKEW = timedelta(seconds=5)
"""Replicas' clocks (which write ``updated_at``) may differ this much; read that far back."""

SETTLE = timedelta(seconds=1)
"""A change is told by the feed only once it is this old: a change this process made was
told by it at once (its worker or API publishes right after the commit), and is known by
then to ``ToldHere``."""

Listener = Callable[[str, Command, dict[str, Any]], None]
FEED_EVENTS = frozenset({"queued", "started", "finished"})


class ToldHere:
    """When this process itself last told each (command, event): the feed leaves those to it.

    A retry run elsewhere later is told again: a local record older than the row's change
    does not cover it."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._at: OrderedDict[tuple[str, str], datetime] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def record(self, event: str, command_id: str) -> None:
        with self._lock:
            self._at[(command_id, event)] = utcnow()
            self._at.move_to_end((command_id, event))
            if len(self._at) > self._capacity:
                self._at.popitem(last=False)

    def covers(self, event: str, command: Command) -> bool:
        with self._lock:
            told = self._at.get((command.command_id, event))
        return told is not None and told >= command.updated_at - SETTLE


def event_of(command: Command) -> str | None:
    """The event a command's stored status stands for, if it is one the feed tells."""
    if command.status == CommandStatus.RUNNING:
        return "started"
    if command.status in FINISHED:
        return "finished"
    if command.status == CommandStatus.PENDING and command.attempts == 0:
        return "queued"
    return None


class CommandFeed:
    def __init__(
        self, db: Database, listener: Listener, told_here: ToldHere, poll_seconds: float
    ) -> None:
        self._db = db
        self._listener = listener
        self._told_here = told_here
        self._poll = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._since: datetime = utcnow()
        # changes already told, by (command, event, when it changed): windows overlap
        self._told: OrderedDict[tuple[str, str, datetime], None] = OrderedDict()

    def start(self) -> None:
        self._stop.clear()
        self._since = utcnow()
        self._thread = threading.Thread(target=self._run, name="command-feed", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._poll):
            try:
                self.poll_once()
            except Exception:  # the database is away for a moment: look again next time
                log.warning("command feed could not read the commands", exc_info=True)

    def poll_once(self, now: datetime | None = None) -> None:
        settled = (now or utcnow()) - SETTLE
        with self._db.read() as session:
            changed = command_store.changed_since(session, self._since - SKEW)
        self._since = settled
        for command in changed:
            event = event_of(command)
            if event is None or command.updated_at > settled:
                continue  # not an event the feed tells, or too fresh: next time
            key = (command.command_id, event, command.updated_at)
            if key in self._told or self._told_here.covers(event, command):
                continue
            self._remember(key)
            fields: dict[str, Any] = {"status": str(command.status)}
            if event == "finished" and command.error:
                fields["error"] = command.error
            self._listener(event, command, fields)

    def _remember(self, key: tuple[str, str, datetime]) -> None:
        self._told[key] = None
        if len(self._told) > 10_000:
            self._told.popitem(last=False)
