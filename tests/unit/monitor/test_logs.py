"""Log frames → lines, stdout and stderr told apart."""

from __future__ import annotations

from core_monitor.monitor.logs import lines


def test_frames_split_into_lines_per_stream() -> None:
    frames: list[tuple[bytes | None, bytes | None]] = [
        (b"one\ntw", None),
        (None, b"oops\n"),
        (b"o\n", None),
        (b"tail", None),
    ]
    got = [(line.stream, line.line) for line in lines(frames, timestamps=False)]
    assert got == [("stdout", "one"), ("stderr", "oops"), ("stdout", "two"), ("stdout", "tail")]


def test_timestamps_are_split_off() -> None:
    frames: list[tuple[bytes | None, bytes | None]] = [
        (b"2026-01-01T00:00:00.000000001Z hello world\n", None)
    ]
    (line,) = list(lines(frames, timestamps=True))
    assert (line.time, line.line) == ("2026-01-01T00:00:00.000000001Z", "hello world")
