"""Env files (``env_file:``): Compose's dotenv syntax → ordered name/value pairs. Pure.

Matches Docker Compose v2 (checked with its ``config``): blank lines and ``#`` lines skipped,
an optional ``export`` prefix, ``KEY=value`` or ``KEY: value``; a bare ``KEY`` takes its
value from ``lookup`` or is left out; single quotes are literal (and may span lines), double
quotes may span lines and expand ``\\n``/``\\r`` and ``${VAR}``; an unquoted value ends at the
line's end or at `` #`` and is expanded. Expansion (``$VAR``, ``${VAR:-default}``, ``$$``)
looks a name up in ``lookup`` first, then in what the file (and the files before it) set.
``raw`` format: ``KEY=VALUE`` lines taken as they are, nothing expanded or unquoted.
"""

from __future__ import annotations

import re
from collections import ChainMap
from collections.abc import Mapping

from core_monitor.compose.interpolate import InterpolationError, interpolate_value

_KEY = re.compile(r"[\w.]+")
_ESCAPE = re.compile(r"\\(.)")


class DotenvError(ValueError):
    """A line Compose would refuse; the message names the line."""


def parse_dotenv(
    text: str, lookup: Mapping[str, str], known: dict[str, str] | None = None
) -> dict[str, str]:
    """The pairs of ``text`` in order; ``known`` (updated in place when given) holds what
    earlier env files set, for expansion."""
    out: dict[str, str] = {} if known is None else known
    found: dict[str, str] = {}
    scope = ChainMap(dict(lookup), out)
    lines = text.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines):
        number, line = i + 1, lines[i].strip()
        i += 1
        if not line or line.startswith("#"):
            continue
        if line.startswith("export") and line[6:7] in (" ", "\t"):
            line = line[6:].lstrip()
        key, sep, rest = _split_key(line, number)
        if not sep:
            if key in lookup:
                out[key] = found[key] = lookup[key]
            continue
        value, i = _value(rest.lstrip(" \t"), lines, i, number, scope)
        out[key] = found[key] = value
    return found


def parse_raw(text: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep:
            continue
        if key != key.strip() or not key:
            raise DotenvError(f"line {number}: variable {key.strip()!r} contains whitespaces")
        found[key] = value
    return found


def _split_key(line: str, number: int) -> tuple[str, str, str]:
    match = _KEY.match(line)
    end = match.end() if match else 0
    key, rest = line[:end], line[end:]
    stripped = rest.lstrip(" \t")
    if not stripped:
        if not key:
            raise DotenvError(f"line {number}: no variable name")
        return key, "", ""
    if stripped[0] in "=:" and key:
        return key, stripped[0], stripped[1:]
    if stripped[0] not in "=:" and rest[:1] in (" ", "\t"):
        raise DotenvError(f"line {number}: key cannot contain a space")
    raise DotenvError(f"line {number}: unexpected character {stripped[0]!r} in variable name")


def _value(
    rest: str, lines: list[str], i: int, number: int, scope: Mapping[str, str]
) -> tuple[str, int]:
    """The value starting at ``rest`` and the index of the next line to read."""
    quote = rest[:1]
    if quote not in ("'", '"'):
        cut = re.search(r"\s#", rest)
        return _expand(rest[: cut.start()] if cut else rest, scope, number).rstrip(), i
    body, j = rest[1:], i
    while True:
        end = _closing(body, quote)
        if end >= 0:
            break
        if j >= len(lines):
            raise DotenvError(f"line {number}: unterminated quoted value")
        body += "\n" + lines[j]
        j += 1
    value = body[:end]
    if quote == '"':
        value = _expand(_unescape(value), scope, number)
    return value, j


def _closing(body: str, quote: str) -> int:
    for k, ch in enumerate(body):
        if ch == quote and (k == 0 or body[k - 1] != "\\"):
            return k
    return -1


def _unescape(value: str) -> str:
    def one(match: re.Match[str]) -> str:
        ch = match.group(1)
        return {"n": "\n", "r": "\r", "$": "\\$"}.get(ch, ch)

    return _ESCAPE.sub(one, value)


def _expand(value: str, scope: Mapping[str, str], number: int) -> str:
    try:
        return interpolate_value(value.replace("\\$", "$$"), scope)
    except InterpolationError:  # its message quotes the value: an env file may hold secrets
        raise DotenvError(f"line {number}: invalid variable expansion") from None
