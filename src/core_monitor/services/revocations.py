"""Tells open streams when to check their credential again: a mark that changes whenever a
credential is revoked or a user is changed (disabled, new password…), whether by this process
or by another server on the same database.

The mark is read from the database at most every ``FRESH_SECONDS`` however many streams ask
(they share it), and at once after a revocation made here. A stream that sees it change checks
its own credential; the others stay quiet, so a second-by-second watch stays cheap.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Hashable

from core_monitor.store import users as user_store
from core_monitor.store.db import Database

FRESH_SECONDS = 0.5


class RevocationMark:
    def __init__(self, db: Database, fresh_seconds: float = FRESH_SECONDS) -> None:
        self.db = db
        self.fresh_seconds = fresh_seconds
        self._lock = threading.Lock()  # guards the value; never held while querying
        self._reading = threading.Lock()  # one query at a time: the others then find it fresh
        self._value: Hashable = None
        self._read_at = float("-inf")

    def cached(self) -> Hashable | None:
        """The mark if it is fresh (never blocks: fit for the event loop); else None."""
        with self._lock:
            fresh = time.monotonic() - self._read_at < self.fresh_seconds
            return self._value if fresh else None

    def current(self) -> Hashable:
        """The fresh mark, from the database if need be (blocking: from a thread)."""
        with self._reading:
            cached = self.cached()
            if cached is not None:
                return cached
            with self.db.read() as session:
                value = user_store.revocation_mark(session)
            with self._lock:
                self._value, self._read_at = value, time.monotonic()
            return value

    def changed(self) -> None:
        """A revocation was just committed here: the next look reads the database."""
        with self._lock:
            self._read_at = float("-inf")
