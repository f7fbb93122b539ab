"""Who asks for a change, and from where: recorded with every write and audit entry."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    name: str
    source: str | None = None  # the client's address, when the request came over HTTP
