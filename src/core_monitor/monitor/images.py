"""The images the engine has locally, by reference: what a compose file can name without a
registry (the editor offers them)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel

UNTAGGED = "<none>:<none>"


class LocalImage(BaseModel):
    reference: str  # repository:tag, as a compose file's `image:` names it
    id: str
    size: int
    created: datetime
    # ?pinned=1: the versions pinned to it ("<stack> v<N> <service>"), to keep for rollbacks
    pinned_by: list[str] = []


def local_images(rows: Iterable[dict[str, Any]]) -> list[LocalImage]:
    """The engine's image list rows → one entry per tag (an image tagged twice is listed
    twice, an untagged one not at all), by reference."""
    found = [
        LocalImage(
            reference=tag,
            id=str(row.get("Id") or ""),
            size=int(row.get("Size") or 0),
            created=datetime.fromtimestamp(int(row.get("Created") or 0), UTC),
        )
        for row in rows
        for tag in row.get("RepoTags") or ()
        if tag and tag != UNTAGGED
    ]
    return sorted(found, key=lambda image: image.reference)
