"""Command events from other processes: what makes every replica's event stream whole.

A command is enqueued by whichever replica took the request and run by whichever holds the
queue lease; each tells its own listeners at once. The others learn of it here: a thread
reads the commands changed since it last looked (the database is what replicas share) and
tells the same listener ``queued``, ``started`` or ``finished``. ``EventLedger`` lets each
event through once per process, whichever of the two paths brings it first.
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

Listener = Callable[[str, Command, dict[str, Any]], None]


class EventLedger:
    """The command events this process has published, so none goes out twice."""

    def __init__(self, capacity: int = 10_000) -> None:
        self._seen: OrderedDict[tuple[str, str, int], None] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def first(self, event: str, command: Command) -> bool:
        """True the first time this event of this attempt of the command is seen."""
        key = (command.command_id, event, command.attempts)
        with self._lock:
            if key in self._seen:
                return False
            self._seen[key] = None
            if len(self._seen) > self._capacity:
                self._seen.popitem(last=False)
            return True


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
    def __init__(self, db: Database, listener: Listener, poll_seconds: float) -> None:
        self._db = db
        self._listener = listener
        self._poll = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._since: datetime = utcnow()

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

    def poll_once(self) -> None:
        now = utcnow()
        with self._db.read() as session:
            changed = command_store.changed_since(session, self._since - SKEW)
        self._since = now
        for command in changed:
            event = event_of(command)
            if event is None:
                continue
            fields: dict[str, Any] = {"status": str(command.status)}
            if event == "finished" and command.error:
                fields["error"] = command.error
            self._listener(event, command, fields)
