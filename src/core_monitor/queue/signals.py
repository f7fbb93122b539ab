"""What the queue tells the rest of the process: the worker's wake-up and command events.

Use cases (enqueue, cancel, retry) raise these without knowing the worker exists; the
worker and whoever listens (the monitor's event stream) meet here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from core_monitor.domain.commands import Command
from core_monitor.log import get_logger

log = get_logger("core_monitor.queue")

CommandListener = Callable[[str, Command, dict[str, Any]], None]
"""Told of command events: (event, command, fields); events: queued, started, requeued,
finished (fields: status, error), cancel, retry, dismiss."""


def notify(listeners: list[CommandListener], event: str, command: Command, **fields: Any) -> None:
    """Tell every listener; one that fails is logged and does not stop the others."""
    for listener in listeners:
        try:
            listener(event, command, fields)
        except Exception:
            log.exception("command listener failed", command_event=event)


class WakeUp:
    """Lets an enqueue in this process wake the worker at once instead of at the next poll."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def notify(self) -> None:
        self._event.set()

    def wait(self, timeout: float) -> None:
        self._event.wait(timeout)
        self._event.clear()
