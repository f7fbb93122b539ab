"""Host paths as the engine reads them, and where a bind source may point.

The engine cleans a bind source the way Go's ``path.Clean`` does (repeated slashes collapse,
``.`` and ``..`` go lexically) before the kernel follows any link in it, so a source is
checked in that cleaned form — ``//run/docker.sock`` is ``/run/docker.sock`` here, although
Python's ``posixpath.normpath`` would keep the leading ``//``. Links are followed on the
engine's host (``engine/host_paths.py``); this module only judges the path they lead to.
Pure.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from dataclasses import dataclass

DOCKER_SOCKETS = ("/var/run/docker.sock", "/run/docker.sock")


def clean(path: str) -> str:
    """Go's ``path.Clean`` for an absolute path: what the engine mounts."""
    cleaned = posixpath.normpath(path)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("/") else cleaned


def under(path: str, root: str) -> bool:
    """``path`` is ``root`` or below it (both cleaned)."""
    return path == root or root == "/" or path.startswith(root.rstrip("/") + "/")


@dataclass(frozen=True)
class PathRuling:
    """Why a host path may not be bound: the rule it breaks and what to say."""

    rule: str
    message: str


def judge(path: str, sensitive: Iterable[str], roots: Iterable[str]) -> PathRuling | None:
    """None when a bind of host ``path`` (absolute, cleaned, links resolved) is allowed.

    ``sensitive``: paths bound by no stack, nor anything below them — except ``/``, which
    forbids the root itself only. ``roots``: the directories binds may come from.
    """
    if any(path == s or under(path, s) for s in DOCKER_SOCKETS):
        return PathRuling("docker_socket", "is the Docker socket")
    for entry in sensitive:
        root = clean(entry)
        if path == root or (root != "/" and under(path, root)):
            return PathRuling("sensitive_paths", f"is a sensitive host path ({root})")
    allowed = [clean(r) for r in roots]
    if not any(under(path, r) for r in allowed):
        return PathRuling(
            "bind_outside_roots",
            f"is outside the allowed roots ({', '.join(allowed) or 'none'})",
        )
    return None
