"""The ``.env`` files of included projects: ``KEY=VALUE`` lines, Compose's dotenv syntax
(``export`` prefix, ``#`` comments, single-quoted literal and double-quoted values)."""

from __future__ import annotations

import re

_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(?:=(.*))?$")


def parse_dotenv(text: str) -> dict[str, str]:
    """Raises ValueError naming the first line that is not ``KEY=VALUE``."""
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise ValueError(f"line {number}: expected KEY=VALUE")
        if match.group(2) is not None:
            values[match.group(1)] = _value(match.group(2).strip())
    return values


def _value(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        inner = raw[1:-1]
        return inner if raw[0] == "'" else inner.replace("\\n", "\n").replace('\\"', '"')
    comment = re.search(r"\s#", raw)
    return raw[: comment.start()].rstrip() if comment else raw
