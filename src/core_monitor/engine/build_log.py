"""A build's output in the command log, bounded (pure).

A chatty build must not grow the command log without limit: the first ``HEAD`` lines are
logged as they come, later ones only counted, and at the end the last ``TAIL`` lines not yet
logged follow a line saying how many were left out. A failure's message quotes the build's
own last lines (the failing step's output and the engine's error).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

HEAD = 40
TAIL = 40
ERROR_LINES = 12
MAX_LINE = 500


class BuildLog:
    def __init__(self, emit: Callable[[str], None]) -> None:
        self._emit = emit
        self._seen = 0
        self._tail: deque[tuple[int, str]] = deque(maxlen=TAIL)
        self._partial = ""

    def feed(self, chunk: str) -> None:
        """Part of the build's output (may hold several lines, or end mid-line)."""
        text = self._partial + chunk
        *lines, self._partial = text.split("\n")
        for line in lines:
            self._line(line)

    def _line(self, line: str) -> None:
        line = line.rstrip("\r")
        if not line.strip():
            return
        line = line if len(line) <= MAX_LINE else line[:MAX_LINE] + "…"
        self._tail.append((self._seen, line))
        if self._seen < HEAD:
            self._emit(line)
        self._seen += 1

    def finish(self) -> None:
        """Logs the tail that was held back (once the build ended, well or not)."""
        if self._partial:
            self._line(self._partial)
            self._partial = ""
        held = [(n, line) for n, line in self._tail if n >= HEAD]
        if not held:
            return
        left_out = self._seen - HEAD - len(held)
        if left_out:
            self._emit(f"… {left_out} line(s) of build output not logged …")
        for _, line in held:
            self._emit(line)

    def last_lines(self, count: int = ERROR_LINES) -> list[str]:
        return [line for _, line in list(self._tail)[-count:]]

    def failure(self, error: str) -> str:
        """The message a failed build ends the command with: its last lines, then the error
        (unless the output already ends with it)."""
        lines = self.last_lines()
        if not lines or lines[-1].strip() != error.strip():
            lines.append(error.strip())
        return "\n".join(lines)
