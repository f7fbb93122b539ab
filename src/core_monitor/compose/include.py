"""Top-level ``include``: other compose files of the bundle loaded as their own
sub-projects and imported into this one, and the loading of one file (``load_model``).

Forms: ``include: [other.yaml]`` and ``{path: a.yaml | [a.yaml, b.yaml], project_directory,
env_file}``. Several paths are merged in order like ``-f a -f b``. The included files'
relative paths resolve against the project_directory (default: the first file's directory);
their variables are the version's, then the env_file's (default: that directory's ``.env``)
for names the version does not set, as Compose does. A resource (service, network, volume,
secret, config) defined both here and in an included file is refused unless identical.
"""

from __future__ import annotations

import posixpath
from typing import Any

from core_monitor.compose.extends import Origin, apply_extends
from core_monitor.compose.include_env import parse_dotenv
from core_monitor.compose.merge import merge_project
from core_monitor.compose.rebase import rebase_resources
from core_monitor.compose.sources import Sources, check_depth, relabel, resolve
from core_monitor.errors import FieldError, ValidationFailed

INCLUDE_KEYS = {"path", "project_directory", "env_file"}
RESOURCES = ("services", "networks", "volumes", "secrets", "configs")


def load_model(data: dict[str, Any], sources: Sources, origin: Origin) -> dict[str, Any]:
    """One parsed, interpolated file with its ``extends`` and ``include`` applied."""
    data = dict(apply_extends(data, sources, origin))  # a copy: read() shares its cache
    if "include" not in data:
        return data
    includes = data.pop("include")
    if includes is None:
        return data
    if not isinstance(includes, list):
        raise _fail("include", "must be a list")
    for i, entry in enumerate(includes):
        where = f"include[{i}]"
        check_depth(origin.depth + 1, where)
        model = _included(entry, sources, origin, where)
        _import(model, data, where)
    return data


def _included(entry: Any, sources: Sources, origin: Origin, where: str) -> dict[str, Any]:
    paths, directory, env_files, here = _entry(entry, origin, where)
    variables = _variables(sources, origin.base, directory, env_files, where)
    child = sources.with_variables(variables)
    model: dict[str, Any] | None = None
    for path in paths:
        inner = Origin(path, directory, origin.depth + 1)
        raw = child.read(path, here)
        try:
            data = load_model(raw, child, inner)
        except ValidationFailed as exc:
            raise relabel(exc, path, where) from None
        model = data if model is None else merge_project(model, data)
    assert model is not None
    return rebase_resources(model, directory)


def _entry(entry: Any, origin: Origin, where: str) -> tuple[list[str], str, list[str] | None, str]:
    """The paths, the project directory, the env files, and where the paths are written."""
    if isinstance(entry, str):
        entry = {"path": entry}
    if not isinstance(entry, dict):
        raise _fail(where, "must be a path or a mapping with `path`")
    unknown = sorted(set(entry) - INCLUDE_KEYS)
    if unknown:
        raise _fail(f"{where}.{unknown[0]}", "unsupported key")
    raw = entry.get("path")
    raws = raw if isinstance(raw, list) and raw else [raw]
    here = where if isinstance(entry.get("path"), str) and len(entry) == 1 else f"{where}.path"
    paths = [resolve(origin.base, p, here) for p in raws]
    directory = posixpath.dirname(paths[0])
    if entry.get("project_directory") is not None:
        directory = _directory(origin, entry["project_directory"], f"{where}.project_directory")
    env = entry.get("env_file")
    env_files = None if env is None else [env] if isinstance(env, str) else env
    if env_files is not None and not (
        isinstance(env_files, list) and all(isinstance(e, str) for e in env_files)
    ):
        raise _fail(f"{where}.env_file", "must be a path or a list of paths")
    return paths, directory, env_files, here


def _directory(origin: Origin, value: Any, where: str) -> str:
    if value in (".", "./"):
        return origin.base
    path = resolve(origin.base, value, where) if value else "."
    return "" if path == "." else path


def _variables(
    sources: Sources, origin_dir: str, directory: str, env_files: list[str] | None, where: str
) -> dict[str, str]:
    """The version's variables, then the env files' values for the names it does not set."""
    if env_files is None:
        default = posixpath.join(directory, ".env") if directory else ".env"
        paths = [default] if default in sources.files else []
    else:
        paths = [resolve(origin_dir, e, f"{where}.env_file") for e in env_files]
    values: dict[str, str] = {}
    for path in paths:
        text = sources.text_of(path, f"{where}.env_file")
        try:
            values.update(parse_dotenv(text))
        except ValueError as exc:
            raise _fail(f"{where}.env_file", f"{path}: {exc}") from None
    return {**values, **sources.variables}


def _import(model: dict[str, Any], data: dict[str, Any], where: str) -> None:
    for section in RESOURCES:
        imported = model.get(section)
        if not isinstance(imported, dict):
            continue
        target = data.get(section)
        if target is not None and not isinstance(target, dict):
            continue  # the normalizer reports the bad section
        target = data[section] = dict(target or {})
        for name, value in imported.items():
            if name in target and target[name] != value:
                raise _fail(where, f"{section}.{name} conflicts with an imported resource")
            target[name] = value


def _fail(path: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(path, message)])
