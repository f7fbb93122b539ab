"""The version's bundle in the stack's project directory: what is there, what to write. Pure.

The engine host keeps, next to the bundle files, a manifest (``.coremon/bundle.json``: path
→ sha256) of the bundle it last wrote. A version's files are written when that manifest
differs from the version's: bundle files are replaced by the version's and the previous
bundle's files the version lacks are removed; anything else in the directory (what a
container wrote under ``./data``) is left alone, across versions and rollbacks.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping

from core_monitor.domain.bundle import ProjectFiles, clean_path
from core_monitor.domain.compose import MountSpec
from core_monitor.domain.plan import Cause, ResourceStep, StepDetails, StepKind, describe
from core_monitor.domain.project_dir import MANIFEST

Manifest = Mapping[str, str]  # path → sha256 hex


def manifest(files: ProjectFiles) -> dict[str, str]:
    return {path: hashlib.sha256(data).hexdigest() for path, data in sorted(files.items())}


def encode(found: Manifest) -> bytes:
    return json.dumps(dict(sorted(found.items())), indent=1).encode()


def decode(data: bytes) -> dict[str, str] | None:
    """The manifest read back; None when it is not one (then every file is rewritten)."""
    try:
        found = json.loads(data)
    except ValueError:
        return None
    if not isinstance(found, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in found.items()
    ):
        return None
    return found


def mounted(mounts: Iterable[MountSpec], found: Manifest) -> dict[str, str]:
    """The bundle files the relative bind sources among ``mounts`` cover."""
    covered: dict[str, str] = {}
    for mount in mounts:
        source = mount.source or ""
        if mount.type != "bind" or not (source == "." or source.startswith("./")):
            continue
        base = clean_path(source)
        prefix = "" if base == "." else base + "/"
        covered.update(
            {p: h for p, h in found.items() if p == base or p.startswith(prefix) or not prefix}
        )
    return covered


def with_mounted(config_hash: str, mounts: Iterable[MountSpec], found: Manifest) -> str:
    """``config_hash`` covering the bundle files the service mounts (unchanged when none)."""
    covered = mounted(mounts, found)
    if not covered:
        return config_hash
    return hashlib.sha256(f"{config_hash}\n{encode(covered).decode()}".encode()).hexdigest()


def obsolete(previous: Manifest | None, wanted: Manifest) -> list[str]:
    """Bundle files the previous version wrote that this one does not have."""
    return sorted(set(previous or {}) - set(wanted) - {MANIFEST})


def step(stack: str, wanted: Manifest, present: Manifest | None) -> ResourceStep | None:
    """The write of the version's files, when what the host holds differs."""
    if present == dict(wanted) or not (wanted or present):
        return None  # the same files; or none wanted and none there (a version without
        # files keeps removing what an earlier version's bundle left only when one did)
    changed = sorted(p for p, h in wanted.items() if (present or {}).get(p) != h)
    gone = obsolete(present, wanted)
    what = ", ".join([*changed, *(f"-{p}" for p in gone)][:5])
    cause = Cause.MISSING if present is None else Cause.FILES_CHANGED
    return ResourceStep(
        kind=StepKind.WRITE_PROJECT_FILES,
        target=stack,
        cause=cause,
        reason=describe(cause, what="project files")
        if present is None
        else describe(cause, files=what),
        details=StepDetails(files=[*changed, *gone]),
    )
