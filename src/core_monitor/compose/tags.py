"""Compose's merge tags: ``!reset`` (the key is removed, whatever was merged before) and
``!override`` (the value replaces the one merged before instead of merging with it).

The YAML loader builds the markers below; merge.py honours them; ``strip_tags`` removes
what is left once every file is merged (in a single file ``!reset`` removes the key and
``!override`` is just the value, as Compose does).
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode


class Reset:
    """``key: !reset ...``: the key is removed."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Reset)

    def __hash__(self) -> int:
        return hash(Reset)

    def __repr__(self) -> str:
        return "!reset"


class OverrideMap(dict[str, Any]):
    """``key: !override {...}``: replaces, never merged."""


class OverrideList(list[Any]):
    """``key: !override [...]``: replaces, never appended."""


def is_override(value: Any) -> bool:
    return isinstance(value, OverrideMap | OverrideList)


def construct_reset(loader: yaml.SafeLoader, node: Node) -> Reset:
    del loader, node
    return Reset()


def construct_override(loader: yaml.SafeLoader, node: Node) -> Any:
    if isinstance(node, MappingNode):
        return OverrideMap(
            {str(k): v for k, v in loader.construct_mapping(node, deep=True).items()}
        )
    if isinstance(node, SequenceNode):
        return OverrideList(loader.construct_sequence(node, deep=True))
    assert isinstance(node, ScalarNode)
    tag = loader.resolve(ScalarNode, node.value, (True, False))  # type: ignore[no-untyped-call]
    return loader.construct_object(ScalarNode(tag, node.value), deep=True)


def strip_tags(data: Any) -> Any:
    """Plain data: reset keys removed, override markers turned into plain values."""
    if isinstance(data, dict):
        return {k: strip_tags(v) for k, v in data.items() if not isinstance(v, Reset)}
    if isinstance(data, list):
        return [strip_tags(v) for v in data if not isinstance(v, Reset)]
    return data
