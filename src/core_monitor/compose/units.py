"""Durations (→ nanoseconds) and byte sizes (→ bytes), written the way Compose accepts them."""

from __future__ import annotations

import re

_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_NS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60_000_000_000,
    "h": 3_600_000_000_000,
}
INT64_MAX = 2**63 - 1
_BYTES = re.compile(r"^(\d+(?:\.\d+)?)\s*([kmgtp]?)(b|ib)?$", re.IGNORECASE)
_MULT = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4, "p": 1024**5}


def parse_duration(value: object) -> int:
    """Go duration syntax ('1m30s', '500ms', '10s') → nanoseconds. Like Compose, a bare
    number is refused (the unit would be a guess); "0" is the one unitless duration."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be a duration like 10s or 1m30s")
    text = value.strip()
    if text == "0":
        return 0
    pos, total = 0, 0.0
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            break
        total += float(match.group(1)) * _NS[match.group(2)]
        pos = match.end()
    if pos != len(text) or pos == 0:
        raise ValueError(f"invalid duration {value!r} (use e.g. 10s, 1m30s, 500ms)")
    if total > INT64_MAX:
        raise ValueError(f"duration {value!r} is too long")
    return int(total)


def parse_bytes(value: object) -> int:
    """'512m', '1g', '1.5gb', '100k', 1048576 → bytes (binary multiples, like Docker)."""
    if isinstance(value, bool):
        raise ValueError("must be a size like 512m or 1g")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        match = _BYTES.match(value.strip())
        if match is None:
            raise ValueError(f"invalid size {value!r} (use e.g. 512m, 1g, 100k)")
        number = float(match.group(1)) * _MULT[match.group(2).lower()]
    else:
        raise ValueError("must be a size like 512m or 1g")
    if number != number or number < 0:
        raise ValueError("must not be negative")
    if number > INT64_MAX:
        raise ValueError(f"size {value!r} is too large")
    return value if isinstance(value, int) else int(number)


def format_duration(ns: int) -> str:
    """Compose's rendering of a duration (Go's time.Duration.String), for comparisons."""
    if ns == 0:
        return "0s"
    parts = []
    hours, rest = divmod(ns, _NS["h"])
    minutes, rest = divmod(rest, _NS["m"])
    if hours:
        parts.append(f"{hours}h")
    if hours or minutes:
        parts.append(f"{minutes}m")
    seconds = rest / _NS["s"]
    if seconds or not parts:
        parts.append(f"{seconds:g}s" if seconds >= 1 or parts else _sub_second(rest))
    return "".join(parts)


def _sub_second(ns: int) -> str:
    for unit in ("ms", "us", "ns"):
        if ns >= _NS[unit]:
            value = ns / _NS[unit]
            return f"{value:g}{'µs' if unit == 'us' else unit}"
    return f"{ns}ns"
