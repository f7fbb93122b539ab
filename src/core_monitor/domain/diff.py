"""Differences between two versions: a unified text diff and a structured per-service one."""

from __future__ import annotations

import difflib
from typing import Any

from pydantic import BaseModel, ConfigDict


class FieldChange(BaseModel):
    model_config = ConfigDict(frozen=True)
    path: str
    before: Any = None
    after: Any = None


class ServiceDiff(BaseModel):
    model_config = ConfigDict(frozen=True)
    service: str
    change: str  # added | removed | changed
    fields: list[FieldChange]


class FileChange(BaseModel):
    """A bundle file added, removed or changed (by digest: a secret file's content is never
    compared in clear nor shown)."""

    model_config = ConfigDict(frozen=True)
    path: str
    change: str  # added | removed | changed


class ImageChange(BaseModel):
    """A service whose pinned image differs between two versions (by image ID, so a tag
    that points elsewhere shows even when the ``image:`` text is the same)."""

    model_config = ConfigDict(frozen=True)
    service: str
    from_reference: str | None
    from_image_id: str | None  # None: no pin (never ran, or not in that version)
    to_reference: str | None
    to_image_id: str | None


class VersionDiff(BaseModel):
    model_config = ConfigDict(frozen=True)
    from_version: int
    to_version: int
    unified: str
    services: list[ServiceDiff]
    networks: list[FieldChange]
    volumes: list[FieldChange]
    files: list[FileChange] = []
    images: list[ImageChange] = []


def diff_versions(
    a_number: int,
    a_text: str,
    a_definition: dict[str, Any],
    b_number: int,
    b_text: str,
    b_definition: dict[str, Any],
) -> VersionDiff:
    unified = "".join(
        difflib.unified_diff(
            a_text.splitlines(keepends=True),
            b_text.splitlines(keepends=True),
            fromfile=f"v{a_number}",
            tofile=f"v{b_number}",
        )
    )
    return VersionDiff(
        from_version=a_number,
        to_version=b_number,
        unified=unified,
        services=_services(a_definition.get("services", {}), b_definition.get("services", {})),
        networks=field_changes(
            "networks", a_definition.get("networks", {}), b_definition.get("networks", {})
        ),
        volumes=field_changes(
            "volumes", a_definition.get("volumes", {}), b_definition.get("volumes", {})
        ),
    )


def file_changes(before: dict[str, str], after: dict[str, str]) -> list[FileChange]:
    """The files that differ between two bundles given as path → digest."""
    changes = []
    for path in sorted(set(before) | set(after)):
        if path not in before:
            changes.append(FileChange(path=path, change="added"))
        elif path not in after:
            changes.append(FileChange(path=path, change="removed"))
        elif before[path] != after[path]:
            changes.append(FileChange(path=path, change="changed"))
    return changes


def _services(a: dict[str, Any], b: dict[str, Any]) -> list[ServiceDiff]:
    result = []
    for name in sorted(set(a) | set(b)):
        if name not in a:
            result.append(ServiceDiff(service=name, change="added", fields=[]))
        elif name not in b:
            result.append(ServiceDiff(service=name, change="removed", fields=[]))
        else:
            fields = field_changes("", a[name], b[name])
            if fields:
                result.append(ServiceDiff(service=name, change="changed", fields=fields))
    return result


def field_changes(prefix: str, before: Any, after: Any) -> list[FieldChange]:
    """Leaf-level changes, paths dotted like validation errors (``ports[0].published``)."""
    if isinstance(before, dict) and isinstance(after, dict):
        out: list[FieldChange] = []
        for key in sorted(set(before) | set(after), key=str):
            path = f"{prefix}.{key}" if prefix else str(key)
            out.extend(field_changes(path, before.get(key), after.get(key)))
        return out
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        out = []
        for i, (x, y) in enumerate(zip(before, after, strict=True)):
            out.extend(field_changes(f"{prefix}[{i}]", x, y))
        return out
    if before == after:
        return []
    return [FieldChange(path=prefix, before=before, after=after)]
