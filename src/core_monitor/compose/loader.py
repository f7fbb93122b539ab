"""Untrusted text → plain Python data: safe YAML (JSON is YAML) with hard limits.

Limits: the text size, the nesting depth, and the number of nodes once aliases are expanded
(a "billion laughs" file is a few hundred bytes that expand to 10^9 nodes).
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode

from core_monitor.errors import FieldError, ValidationFailed

MAX_COMPOSE_BYTES = 1024 * 1024
MAX_NODES = 200_000
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


# Timestamps and other implicit types would turn "2024-01-01" into a date; Compose keeps text.
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse(text: str) -> dict[str, Any]:
    if len(text.encode("utf-8", errors="replace")) > MAX_COMPOSE_BYTES:
        raise ValidationFailed([FieldError("", f"file larger than {MAX_COMPOSE_BYTES} bytes")])
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ValidationFailed([FieldError("", f"not valid YAML: {_yaml_message(exc)}")]) from None
    except RecursionError:
        raise ValidationFailed([FieldError("", "nesting too deep")]) from None
    _check_bounds(data)
    if not isinstance(data, dict):
        raise ValidationFailed([FieldError("", "the top level must be a mapping")])
    return data


def _yaml_message(exc: yaml.YAMLError) -> str:
    text = str(exc).replace("\n", " ")
    return " ".join(text.split())[:300]


def _check_bounds(data: Any) -> None:
    """Walk the data as if aliases were copied; stop at MAX_NODES or MAX_DEPTH."""
    budget = MAX_NODES
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        budget -= 1
        if budget < 0:
            raise ValidationFailed(
                [FieldError("", f"too many nodes once aliases are expanded (> {MAX_NODES})")]
            )
        if depth > MAX_DEPTH:
            raise ValidationFailed([FieldError("", f"nesting deeper than {MAX_DEPTH} levels")])
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
            stack.extend((k, depth + 1) for k in value if not isinstance(k, str))
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
