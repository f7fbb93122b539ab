"""Relative paths in a file that lives in a sub-directory of the project.

Compose resolves the relative paths of an extended or included file against that file's
directory; a normalized project keeps them relative to the project directory. So
``./conf`` written in ``common/base.yaml`` becomes ``./common/conf``. Paths that would leave
the project directory are refused with their place.
"""

from __future__ import annotations

import posixpath
from typing import Any

from core_monitor.domain.bundle import UnsafePath, clean_path
from core_monitor.errors import FieldError, ValidationFailed


def rebase_service(service: Any, directory: str, where: str) -> Any:
    """The service with its relative bind sources, env files and build context rebased."""
    if directory in ("", ".") or not isinstance(service, dict):
        return service
    result = dict(service)
    if isinstance(service.get("volumes"), list):
        result["volumes"] = [
            _volume(v, directory, f"{where}.volumes[{i}]") for i, v in enumerate(service["volumes"])
        ]
    if "env_file" in service:
        result["env_file"] = _env_files(service["env_file"], directory, f"{where}.env_file")
    if "build" in service:
        result["build"] = _build(service["build"], directory, f"{where}.build")
    return result


def rebase_resources(data: dict[str, Any], directory: str) -> dict[str, Any]:
    """The ``file`` of top-level secrets and configs (services: see rebase_service)."""
    if directory in ("", "."):
        return data
    result = dict(data)
    for section in ("secrets", "configs"):
        if isinstance(data.get(section), dict):
            result[section] = {
                name: _file_entry(item, directory, f"{section}.{name}")
                for name, item in data[section].items()
            }
    return result


def rebase_path(path: str, directory: str, where: str) -> str:
    joined = posixpath.normpath(posixpath.join(directory, path))
    if joined == ".." or joined.startswith("../"):
        raise ValidationFailed([FieldError(where, f"{path!r} is outside the project directory")])
    try:
        cleaned = clean_path(joined)
    except UnsafePath as exc:
        raise ValidationFailed([FieldError(where, f"{path!r} {exc}")]) from None
    return "." if cleaned == "." else f"./{cleaned}"


def _is_relative(path: Any) -> bool:
    return isinstance(path, str) and bool(path) and not path.startswith(("/", "~"))


def _volume(entry: Any, directory: str, where: str) -> Any:
    if isinstance(entry, dict):
        if entry.get("type") == "bind" and _is_relative(entry.get("source")):
            return {**entry, "source": rebase_path(entry["source"], directory, where)}
        return entry
    if not isinstance(entry, str):
        return entry
    source, colon, rest = entry.partition(":")
    if colon and source.startswith("."):
        return f"{rebase_path(source, directory, where)}:{rest}"
    return entry


def _env_files(value: Any, directory: str, where: str) -> Any:
    if isinstance(value, str):
        return rebase_path(value, directory, where)
    if not isinstance(value, list):
        return value
    result: list[Any] = []
    for i, item in enumerate(value):
        if isinstance(item, str):
            result.append(rebase_path(item, directory, f"{where}[{i}]"))
        elif isinstance(item, dict) and _is_relative(item.get("path")):
            result.append({**item, "path": rebase_path(item["path"], directory, f"{where}[{i}]")})
        else:
            result.append(item)
    return result


def _is_remote(context: str) -> bool:
    return "://" in context or context.startswith("git@")


def _build(value: Any, directory: str, where: str) -> Any:
    if isinstance(value, str) and not _is_remote(value):
        return rebase_path(value, directory, where)
    if isinstance(value, dict):
        context = value.get("context", ".")
        if _is_relative(context) and not _is_remote(context):
            return {**value, "context": rebase_path(context, directory, f"{where}.context")}
    return value


def _file_entry(item: Any, directory: str, where: str) -> Any:
    if isinstance(item, dict) and _is_relative(item.get("file")):
        return {**item, "file": rebase_path(item["file"], directory, f"{where}.file")}
    return item
