"""Loading the catalog: one YAML file per component version, ``<dir>/<id>/<version>.yaml``,
and an optional ``<dir>/defaults.yaml`` (capability → default provider).

The packaged directory comes first, then ``COREMON_CATALOG_DIRS`` in order (a later entry
with the same id and version replaces an earlier one). A file that fails any check is
left out whole and reported with its path: never half-loaded. ``CatalogSource`` reloads
when a file's time or size changes (a stat scan per request: cheap).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from packaging.version import Version
from pydantic import ValidationError

from core_monitor.catalog.digest import catalog_digest
from core_monitor.domain.catalog import Catalog, Component, ComponentVersion, Problem
from core_monitor.log import get_logger

PACKAGED = Path(__file__).parent / "components"
DEFAULTS = "defaults.yaml"
MAX_FILE_BYTES = 256 * 1024
MAX_FILES = 2000
PARAM = re.compile(r"\{\{\s*param\.([A-Za-z0-9_]+)\s*\}\}")

log = get_logger("core_monitor.catalog")
Signature = tuple[tuple[str, int, int], ...]


class Invalid(Exception):
    """A catalog file's problem, in words."""


def _files(dirs: Sequence[Path]) -> list[Path]:
    found: list[Path] = []
    for root in dirs:
        try:
            if root.is_dir():
                found += sorted(root.glob("*/*.yaml")) + sorted(root.glob(DEFAULTS))
        except OSError:
            log.warning("catalog directory unreadable", path=str(root))
    return found[:MAX_FILES]


def signature(dirs: Sequence[Path]) -> Signature:
    """What changes when any catalog file changes: paths, times and sizes."""
    out = []
    for path in _files(dirs):
        try:
            st = path.stat()
        except OSError:
            continue
        out.append((str(path), st.st_mtime_ns, st.st_size))
    return tuple(out)


def _read(path: Path) -> dict[str, Any]:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise Invalid(f"larger than {MAX_FILE_BYTES} bytes")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise Invalid(f"not YAML: {exc}") from None
    if not isinstance(data, dict):
        raise Invalid("must be a mapping")
    return data


def _pydantic_message(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {first['msg']}" if where else first["msg"]


def _check_parameters(entry: ComponentVersion) -> None:
    try:
        Draft202012Validator.check_schema(entry.parameters)
    except SchemaError as exc:
        raise Invalid(f"parameters: not a valid JSON Schema: {exc.message}") from None
    if entry.parameters.get("type") != "object":
        raise Invalid("parameters: must be a schema of type object")
    used = PARAM.findall(
        yaml.safe_dump([entry.compose, entry.claims, [p.connection for p in entry.provides]])
    )
    unknown = sorted(set(used) - set(entry.properties))
    if unknown:
        raise Invalid(f"names parameters it does not declare: {', '.join(unknown)}")


def load_entry(path: Path) -> ComponentVersion:
    """One component version file, checked whole; raises Invalid."""
    data = _read(path)
    try:
        entry = ComponentVersion.model_validate(data)
    except ValidationError as exc:
        raise Invalid(_pydantic_message(exc)) from None
    if entry.id != path.parent.name:
        raise Invalid(f"id {entry.id!r} is not its folder's name {path.parent.name!r}")
    if entry.version != path.stem:
        raise Invalid(f"version {entry.version!r} is not its file's name {path.stem!r}")
    _check_parameters(entry)
    return entry


def _defaults(path: Path) -> dict[str, str]:
    data = _read(path).get("defaults") or {}
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise Invalid("defaults: must map capabilities to component ids")
    return dict(data)


def _components(entries: dict[tuple[str, str], ComponentVersion]) -> dict[str, Component]:
    by_id: dict[str, list[ComponentVersion]] = {}
    for entry in entries.values():
        by_id.setdefault(entry.id, []).append(entry)
    out = {}
    for cid, versions in sorted(by_id.items()):
        versions.sort(key=lambda v: v.parsed, reverse=True)
        stable = [v for v in versions if not Version(v.version).is_prerelease] or versions
        out[cid] = Component(id=cid, versions=tuple(versions), default_version=stable[0].version)
    return out


def _check_defaults(
    defaults: dict[str, str], components: dict[str, Component], where: str
) -> tuple[dict[str, str], list[Problem]]:
    kept, problems = {}, []
    for capability, cid in defaults.items():
        component = components.get(cid)
        if component and any(v.provided(capability) for v in component.versions):
            kept[capability] = cid
        else:
            problems.append(Problem(path=where, message=f"{cid!r} does not provide {capability}"))
    return kept, problems


def load(dirs: Sequence[Path]) -> Catalog:
    """The catalog in ``dirs`` (in order; later wins), with the files left out."""
    entries: dict[tuple[str, str], ComponentVersion] = {}
    defaults: dict[str, str] = {}
    problems: list[Problem] = []
    for path in _files(dirs):
        try:
            if path.name == DEFAULTS and path.parent in dirs:
                defaults.update(_defaults(path))
            else:
                entry = load_entry(path)
                entries[(entry.id, entry.version)] = entry
        except (Invalid, OSError) as exc:
            problems.append(Problem(path=str(path), message=str(exc)))
        except RecursionError:  # a file nested too deep for the parser
            problems.append(Problem(path=str(path), message="too deeply nested"))
    components = _components(entries)
    kept, more = _check_defaults(defaults, components, DEFAULTS)
    digest = catalog_digest(entries.values(), kept)
    return Catalog(components=components, defaults=kept, digest=digest, problems=(*problems, *more))


class CatalogSource:
    """The current catalog, reloaded when its files change (thread-safe)."""

    def __init__(self, extra_dirs: Sequence[Path] = ()) -> None:
        self.dirs = (PACKAGED, *extra_dirs)
        self._lock = threading.Lock()
        self._signature: Signature | None = None
        self._catalog: Catalog | None = None

    def current(self) -> Catalog:
        seen = signature(self.dirs)
        with self._lock:
            if self._catalog is None or seen != self._signature:
                self._catalog = load(self.dirs)
                self._signature = seen
                for problem in self._catalog.problems:
                    log.warning("catalog entry left out", path=problem.path, why=problem.message)
            return self._catalog
