"""Service-level ``extends``: a service built on another one, of the same file
(``extends: base`` or ``{service: base}``) or of another file of the bundle
(``{file: common.yaml, service: web}``).

As Compose: the base service is resolved first (its own ``extends`` too), then the
extending service is merged over it with the multi-file merge rules; only that service is
taken from the other file; relative paths of the other file resolve against its directory.
A cycle is refused with the chain of services.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from core_monitor.compose.merge import merge_service
from core_monitor.compose.rebase import rebase_service
from core_monitor.compose.sources import Sources, check_depth, resolve
from core_monitor.errors import FieldError, ValidationFailed

EXTENDS_KEYS = {"service", "file"}
Chain = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Origin:
    """A compose file: its bundle path ("" for the main file), the directory its relative
    paths and its extends/include references resolve against (Compose's working directory:
    the project's for the main and override files, the file's own for an extended file, the
    project_directory for an included one), and how deep in extends/include it was reached."""

    name: str
    base: str
    depth: int


def apply_extends(data: dict[str, Any], sources: Sources, origin: Origin) -> dict[str, Any]:
    """Every service of ``data`` with its ``extends`` resolved, paths relative to the
    project directory."""
    services = data.get("services")
    if not isinstance(services, dict):
        return data
    resolved = {
        name: _resolve(name, services, sources, origin, (), f"services.{name}")[0]
        for name in services
    }
    return {**data, "services": resolved}


def _resolve(
    name: str,
    services: dict[str, Any],
    sources: Sources,
    origin: Origin,
    chain: Chain,
    where: str,
) -> tuple[Any, int]:
    """The service resolved, and the length of its extends chain."""
    memo = (origin.name, origin.base, name)  # resolved once: a chain is not walked again
    if memo not in sources.resolved:
        sources.resolved[memo] = _extend(name, services, sources, origin, chain, where)
    return sources.resolved[memo]


def _extend(
    name: str,
    services: dict[str, Any],
    sources: Sources,
    origin: Origin,
    chain: Chain,
    where: str,
) -> tuple[Any, int]:
    service = services[name]
    if not isinstance(service, dict) or "extends" not in service:
        return rebase_service(service, origin.base, where), 0
    here = f"{where}.extends" if not chain else where
    check_depth(len(chain) + 1, here)
    key = (origin.name, name)
    if key in chain:
        path = " -> ".join(_label(f, s) for f, s in (*chain, key))
        raise _fail(here, f"extends cycle: {path}")
    ref, file = _reference(service["extends"], here)
    own = rebase_service({k: v for k, v in service.items() if k != "extends"}, origin.base, where)
    if file is None:
        if ref not in services:
            raise _fail(here, f"service {ref!r} not found")
        base, depth = _resolve(ref, services, sources, origin, (*chain, key), here)
    else:
        base, depth = _from_file(ref, file, sources, origin, (*chain, key), here)
    check_depth(depth + 1, here)  # the whole chain, also when its start was memoized
    return merge_service(base, own), depth + 1


def _from_file(
    ref: str, file: Any, sources: Sources, origin: Origin, chain: Chain, where: str
) -> tuple[Any, int]:
    check_depth(origin.depth + 1, where)
    path = resolve(origin.base, file, f"{where}.file")
    data = sources.read(path, f"{where}.file")
    services = data.get("services")
    if not isinstance(services, dict) or ref not in services:
        raise _fail(f"{where}.service", f"service {ref!r} not found in {path}")
    other = Origin(path, posixpath.dirname(path), origin.depth + 1)
    return _resolve(ref, services, sources, other, chain, where)


def _reference(value: Any, where: str) -> tuple[str, Any]:
    if isinstance(value, str) and value:
        return value, None
    if not isinstance(value, dict):
        raise _fail(where, "must be a service name or a mapping with `service`")
    unknown = sorted(set(value) - EXTENDS_KEYS)
    if unknown:
        raise _fail(f"{where}.{unknown[0]}", "unsupported key")
    service = value.get("service")
    if not isinstance(service, str) or not service:
        raise _fail(f"{where}.service", "is required (the name of the service to extend)")
    return service, value.get("file")


def _label(file: str, service: str) -> str:
    return f"{file}:{service}" if file else service


def _fail(path: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(path, message)])
