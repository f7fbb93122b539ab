"""Release directories next to a ``current`` symlink (Capistrano's layout), as pure rules:
what the link names, and which releases a prune removes.

    <site>/releases/<deployment_id>/   one per deploy, newest first by activation time
    <site>/current -> releases/<id>    swapped with rename(2) of a temporary link
"""

from __future__ import annotations

from collections.abc import Sequence

RELEASES = "releases"
CURRENT = "current"
PARTIAL = ".partial"  # a release still being unpacked: never served, never counted


def link_target(deployment_id: str) -> str:
    """What ``current`` points at for a deployment (relative: the volume may move)."""
    return f"{RELEASES}/{deployment_id}"


def deployment_of(target: str) -> str | None:
    """The deployment a ``current`` link's target names, or None when it names none."""
    head, _, name = target.rstrip("/").rpartition("/")
    if head.rstrip("/").rsplit("/", 1)[-1] != RELEASES or not name:
        return None
    if name.endswith(PARTIAL) or name in {".", ".."}:
        return None
    return name


def to_prune(
    newest_first: Sequence[str], keep: int, current: str | None, previous: str | None
) -> list[str]:
    """The releases past the newest ``keep``, never the current one or the previous one
    (the one a rollback swaps back to), nor one still being unpacked."""
    done = [name for name in newest_first if name and not name.endswith(PARTIAL)]
    spared = {current, previous}
    return [name for name in done[keep:] if name not in spared]
