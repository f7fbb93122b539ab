"""Container output with every known secret value masked, line by line, once decoded.

The engine cuts a container's output into frames wherever it likes; a secret split across
two frames is whole again in its line, so the lines are masked, then handed on as frames of
whole lines to whatever turns them into answers or server-sent events.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from core_monitor.monitor.logs import lines
from core_monitor.vault import REDACTOR

Frame = tuple[bytes | None, bytes | None]  # (stdout, stderr)


def masked_frames(frames: Iterable[Frame]) -> Iterator[Frame]:
    for line in lines(frames, timestamps=False):  # a timestamp is just more of the line here
        data = (REDACTOR.mask(line.line) + "\n").encode()
        yield (data, None) if line.stream == "stdout" else (None, data)
