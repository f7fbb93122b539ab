"""Untrusted text → plain Python data: safe YAML (JSON is YAML) with hard limits.

Limits: the text size, the nesting depth, and the number of nodes once aliases are expanded
(a "billion laughs" file is a few hundred bytes that expand to 10^9 nodes).
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.nodes import MappingNode

from core_monitor.compose.tags import construct_override, construct_reset
from core_monitor.errors import FieldError, ValidationFailed

MAX_COMPOSE_BYTES = 1024 * 1024
MAX_NODES = 100_000
MAX_DEPTH = 50


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (YAML says they are an error; PyYAML keeps
    the last one silently)."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "mapping keys must be scalars", key_node.start_mark
                ) from None
            if duplicate:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


# Scalars resolve like YAML 1.2's core schema (what Compose's Go YAML parser does), not
# PyYAML's YAML 1.1: `yes`/`on` stay text, `1:30` is not sexagesimal, `2024-01-01` is not a
# date, `0o17`/`0x1F`/`1e3` are numbers.
_StrictLoader.yaml_implicit_resolvers = {}
for _tag, _regexp, _first in (
    ("bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    (
        "int",
        r"^(?:[-+]?[0-9][0-9_]*|0o[0-7][0-7_]*|0x[0-9a-fA-F][0-9a-fA-F_]*|0b[01][01_]*)$",
        "-+0123456789",
    ),
    (
        "float",
        r"^(?:[-+]?(?:[0-9][0-9_]*\.[0-9_]*|\.[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+0123456789.",
    ),
    ("merge", r"^(?:<<)$", "<"),
):
    _StrictLoader.add_implicit_resolver(
        f"tag:yaml.org,2002:{_tag}", re.compile(_regexp), list(_first)
    )


def _construct_int(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    """Go's strconv.ParseInt(s, 0, 64) rules: 0x, 0o, 0b, a leading 0 means octal, `_` allowed."""
    text = str(loader.construct_scalar(node)).replace("_", "")  # type: ignore[arg-type]
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    if digits[:2] in ("0x", "0o", "0b"):
        value = int(digits[2:], {"x": 16, "o": 8, "b": 2}[digits[1]])
    elif len(digits) > 1 and digits.startswith("0"):
        try:
            value = int(digits, 8)
        except ValueError:  # 089: not octal; Go would read it as a string
            return int(digits)
    else:
        value = int(digits)
    return sign * value


def _construct_float(loader: yaml.SafeLoader, node: yaml.Node) -> float:
    text = str(loader.construct_scalar(node)).replace("_", "").lower()  # type: ignore[arg-type]
    if text.endswith((".inf", ".nan")):
        return float(text.replace(".", ""))
    return float(text)


_StrictLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_StrictLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_StrictLoader.add_constructor("!reset", construct_reset)
_StrictLoader.add_constructor("!override", construct_override)


def parse(text: str) -> dict[str, Any]:
    if len(text) > MAX_COMPOSE_BYTES or len(text.encode("utf-8", "replace")) > MAX_COMPOSE_BYTES:
        raise ValidationFailed([FieldError("", f"file larger than {MAX_COMPOSE_BYTES} bytes")])
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        raise ValidationFailed([FieldError("", f"not valid YAML: {_yaml_message(exc)}")]) from None
    except RecursionError:
        raise ValidationFailed([FieldError("", "nesting too deep")]) from None
    check_bounds(data)
    if not isinstance(data, dict):
        raise ValidationFailed([FieldError("", "the top level must be a mapping")])
    return data


def _yaml_message(exc: Exception) -> str:
    text = str(exc).replace("\n", " ")
    return " ".join(text.split())[:300]


def check_bounds(data: Any) -> None:
    """Walk the data as if aliases were copied; stop at MAX_NODES or MAX_DEPTH.

    Also refuses non-text mapping keys (`1: x`, `null: y`, `true: z`): every key of a
    Compose file is a name; and NUL characters (YAML's "\\0"), which no engine field and no
    database text column takes."""
    budget = MAX_NODES
    stack: list[tuple[Any, int, tuple[Any, ...]]] = [(data, 0, ())]
    while stack:
        value, depth, where = stack.pop()
        budget -= 1
        if budget < 0:
            raise ValidationFailed(
                [FieldError("", f"too many nodes once aliases are expanded (> {MAX_NODES})")]
            )
        if depth > MAX_DEPTH:
            raise ValidationFailed([FieldError("", f"nesting deeper than {MAX_DEPTH} levels")])
        if isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    raise ValidationFailed(
                        [FieldError(_dotted(where), f"keys must be text, got {key!r}")]
                    )
                _no_nul(key, where)
                stack.append((item, depth + 1, (*where, key)))
        elif isinstance(value, list):
            stack.extend((v, depth + 1, (*where, i)) for i, v in enumerate(value))
        elif isinstance(value, str):
            _no_nul(value, where)


def _no_nul(text: str, where: tuple[Any, ...]) -> None:
    if "\x00" in text:
        raise ValidationFailed([FieldError(_dotted(where), "must not contain a NUL character")])


def _dotted(where: tuple[Any, ...]) -> str:
    out = ""
    for part in where:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
