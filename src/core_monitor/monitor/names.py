"""The managed stacks by name and by id, with the host each runs on: what an engine event's
Compose project or a command's stack id is matched against (read from the database at most
every 2 s, or 0.25 s when asked to refresh)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from core_monitor.errors import NotFound
from core_monitor.hosts.registry import HostId
from core_monitor.store import stacks as stack_store
from core_monitor.store.db import Database

ALL = 100_000


@dataclass(frozen=True)
class Managed:
    stack_id: str
    name: str
    host_id: HostId


class ManagedNames:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = threading.Lock()
        self._known: dict[str, Managed] = {}  # name → stack; id → the same
        self._at = 0.0

    def all(self, refresh: bool = False) -> dict[str, Managed]:
        with self._lock:
            if time.monotonic() - self._at <= (0.25 if refresh else 2.0):
                return self._known
        with self._db.read() as session:
            stacks, _ = stack_store.list_stacks(session, q=None, status=None, limit=ALL, offset=0)
        found = {s.name: Managed(s.stack_id, s.name, HostId(s.host_id)) for s in stacks}
        found.update({s.stack_id: found[s.name] for s in stacks})
        with self._lock:
            self._known, self._at = found, time.monotonic()
        return found

    def of(self, ref: str | None) -> Managed | None:
        """The managed stack named or identified ``ref`` (looked up again once if unknown)."""
        if not ref:
            return None
        found = self.all().get(ref)
        return found if found is not None else self.all(refresh=True).get(ref)

    def deleted(self, stack_id: str | None) -> Managed | None:
        """A stack its own DELETE soft-deleted: its events still name it."""
        if not stack_id:
            return None
        with self._db.read() as session:
            try:
                stack = stack_store.get_stack(session, stack_id, include_deleted=True)
            except NotFound:
                return None
        return Managed(stack.stack_id, stack.name, HostId(stack.host_id))
