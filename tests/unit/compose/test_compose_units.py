"""Durations → nanoseconds, sizes → bytes."""

from __future__ import annotations

import pytest

from core_monitor.compose.units import parse_bytes, parse_duration

S = 1_000_000_000


@pytest.mark.parametrize(
    ("text", "ns"),
    [
        ("10s", 10 * S),
        ("1m30s", 90 * S),
        ("1h2m3s", 3723 * S),
        ("500ms", S // 2),
        ("1.5s", 3 * S // 2),
        ("10us", 10_000),
        ("7ns", 7),
        ("0", 0),
        ("0s", 0),
    ],
)
def test_durations(text: str | int, ns: int) -> None:
    assert parse_duration(text) == ns


@pytest.mark.parametrize(
    "text", ["", "10", "s", "10 s", "ten", "-1s", "1d", True, None, [1], -5, 30, 1.5]
)
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("512m", 512 * 1024**2),
        ("1g", 1024**3),
        ("1.5gb", int(1.5 * 1024**3)),
        ("100k", 102400),
        ("256M", 256 * 1024**2),
        ("2GiB", 2 * 1024**3),
        ("1024", 1024),
        ("10b", 10),
        (67108864, 67108864),
    ],
)
def test_sizes(text: str | int, size: int) -> None:
    assert parse_bytes(text) == size


@pytest.mark.parametrize("text", ["", "1x", "lots", "-1", "1.2.3g", True, None, -1, [1]])
def test_bad_sizes(text: object) -> None:
    with pytest.raises(ValueError):
        parse_bytes(text)


@pytest.mark.parametrize(
    "value", [float("inf"), float("nan"), -1.5, "9" * 400, 2**70, "1" * 30 + "p"]
)
def test_sizes_out_of_range(value: object) -> None:
    with pytest.raises(ValueError):
        parse_bytes(value)


def test_duration_too_long() -> None:
    with pytest.raises(ValueError, match="too long"):
        parse_duration("9" * 30 + "h")
