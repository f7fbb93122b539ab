"""The catalog's digest: what every wizard answer names, and what a version records.

Computed from the loaded entries' content (not their paths or file times), so the same
components give the same digest wherever the files sit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping

from core_monitor.domain.catalog import ComponentVersion


def catalog_digest(entries: Iterable[ComponentVersion], defaults: Mapping[str, str]) -> str:
    h = hashlib.sha256()
    for entry in sorted(entries, key=lambda e: (e.id, e.version)):
        h.update(json.dumps(entry.model_dump(mode="json"), sort_keys=True).encode())
        h.update(b"\n")
    h.update(json.dumps(dict(defaults), sort_keys=True).encode())
    return "sha256:" + h.hexdigest()
