"""Small catalogs built in code for the rules engine's tests."""

from __future__ import annotations

from typing import Any

from core_monitor.catalog.digest import catalog_digest
from core_monitor.domain.catalog import Catalog, Component, ComponentVersion


def entry(cid: str, version: str = "1.0.0", **fields: Any) -> ComponentVersion:
    body: dict[str, Any] = {
        "id": cid,
        "version": version,
        "title": fields.pop("title", cid.capitalize()),
        "category": "test",
    }
    body.update(fields)
    return ComponentVersion.model_validate(body)


def catalog(*entries: ComponentVersion, defaults: dict[str, str] | None = None) -> Catalog:
    by_id: dict[str, list[ComponentVersion]] = {}
    for e in entries:
        by_id.setdefault(e.id, []).append(e)
    components = {}
    for cid, versions in by_id.items():
        versions.sort(key=lambda v: v.parsed, reverse=True)
        components[cid] = Component(
            id=cid, versions=tuple(versions), default_version=versions[0].version
        )
    return Catalog(
        components=components,
        defaults=defaults or {},
        digest=catalog_digest(entries, defaults or {}),
    )


def provides(capability: str, version: str = "1.0", **connection: str) -> dict[str, Any]:
    return {"capability": capability, "version": version, "connection": connection}


def requires(capability: str, range_: str = "", optional: bool = False) -> dict[str, Any]:
    return {"capability": capability, "range": range_, "optional": optional, "reason": "needed"}
