"""Where in the YAML text an error path points: its line and column (both 1-based).

The validate endpoint shows every error at its line in the editor. The loader's data keeps
no marks, so the text is composed once more into PyYAML's node tree (same loader, same
limits: it is only done for a text the loader accepted, or to find a syntax error's mark)
and each dotted path (``services.web.ports[0]``) is walked down it. A path the text does not
spell out (a default, a normalized field) points at the deepest node that it does.
"""

from __future__ import annotations

import re

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from core_monitor.compose.loader import MAX_COMPOSE_BYTES, _StrictLoader

Position = tuple[int, int]
_INDEX = re.compile(r"^\[(\d+)\]")


def syntax_error_at(text: str) -> Position | None:
    """The mark of the YAML error in ``text`` (None when it parses or has no mark)."""
    if len(text) > MAX_COMPOSE_BYTES:
        return None
    try:
        yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        return (mark.line + 1, mark.column + 1) if mark else None
    except (yaml.YAMLError, ValueError, OverflowError, RecursionError):
        return None
    return None


def node_tree(text: str) -> Node | None:
    """The text's node tree (aliases share their node: nothing is expanded)."""
    if len(text) > MAX_COMPOSE_BYTES:
        return None
    try:
        return yaml.compose(text, Loader=_StrictLoader)
    except (yaml.YAMLError, ValueError, OverflowError, RecursionError):
        return None


def locate(root: Node | None, path: str) -> Position | None:
    """The line and column ``path`` points at: a mapping key's own line when the path ends
    at a key (``services.web.privileged``), else the deepest node the text spells out."""
    if root is None:
        return None
    node: Node = root
    at: Node = root
    rest = path
    while rest:
        step = _step(node, rest)
        if step is None:
            break
        at, node, rest = step
    return at.start_mark.line + 1, at.start_mark.column + 1


def _step(node: Node, rest: str) -> tuple[Node, Node, str] | None:
    """(where to point, the node to descend into, the rest of the path) or None."""
    rest = rest.removeprefix(".")
    if isinstance(node, SequenceNode):
        match = _INDEX.match(rest)
        if match is None or int(match.group(1)) >= len(node.value):
            return None
        item = node.value[int(match.group(1))]
        return item, item, rest[match.end() :]
    if not isinstance(node, MappingNode):
        return None
    best: tuple[Node, Node, str] | None = None
    for key, value in node.value:
        name = key.value if isinstance(key, ScalarNode) else None
        # a key may itself hold a dot (service names do): the longest key that fits wins
        if (
            isinstance(name, str)
            and _starts(rest, name)
            and (best is None or len(name) > len(best[2]))
        ):
            best = (key, value, name)
    if best is None:
        return None
    key, value, name = best
    return key, value, rest[len(name) :]


def _starts(rest: str, name: str) -> bool:
    return rest == name or rest.startswith((name + ".", name + "["))
