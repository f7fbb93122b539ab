"""Top-level ``secrets``/``configs`` and a service's references to them.

Where Compose v2 (outside Swarm) puts them: a secret at ``/run/secrets/<source>`` (a relative
``target`` is under ``/run/secrets``), a config at ``target`` (default ``/<source>``); files
are mode 0444 owned by root unless ``uid``/``gid``/``mode`` say otherwise. A ``file`` source
is a read-only bind of that bundle file (``./<clean path>``, resolved in the stack's project
directory); an ``environment`` (a variable of the version) or ``content`` (configs only, as
in Compose) source is an InjectedFile, written into the created container before it starts.
``external`` needs Swarm: refused.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any, Literal

from core_monitor.compose.fields import Invalid, Reader
from core_monitor.domain.bundle import ProjectFiles, UnsafePath, relative_source

Kind = Literal["secrets", "configs"]
SOURCES = {"secrets": ("file", "environment"), "configs": ("file", "environment", "content")}
REFERENCE_KEYS = {"source", "target", "uid", "gid", "mode"}
MAX_MODE = 0o7777


@dataclass(frozen=True)
class Source:
    file: str | None = None  # ./<clean path> in the bundle
    content: str | None = None
    variable: str | None = None


def read_sources(
    reader: Reader, raw: Any, kind: Kind, variables: dict[str, str], files: ProjectFiles
) -> dict[str, Source]:
    if raw is None:
        return {}
    try:
        mapping = reader.mapping(raw, kind)
    except Invalid:
        return {}
    found: dict[str, Source] = {}
    for name, config in mapping.items():
        try:
            found[name] = _source(reader, config, f"{kind}.{name}", kind, variables, files)
        except Invalid:
            continue
    return found


def _source(
    reader: Reader,
    raw: Any,
    path: str,
    kind: Kind,
    variables: dict[str, str],
    files: ProjectFiles,
) -> Source:
    config = reader.mapping(raw if raw is not None else {}, path)
    if config.get("external"):
        raise reader.fail(
            f"{path}.external", f"external {kind} need Swarm: use file or environment instead"
        )
    allowed = {*SOURCES[kind], "name", "external"}
    reader.only_keys(config, allowed, path)
    given = [key for key in SOURCES[kind] if config.get(key) is not None]
    if len(given) != 1:
        raise reader.fail(path, f"needs exactly one of {', '.join(SOURCES[kind])}")
    if config.get("name") is not None:
        reader.string(config["name"], f"{path}.name")
    key = given[0]
    value = reader.string(config[key], f"{path}.{key}")
    if key == "content":
        return Source(content=value)
    if key == "environment":
        if value not in variables:
            raise reader.fail(f"{path}.environment", f"variable {value!r} is not set")
        return Source(content=variables[value], variable=value)
    try:
        source = relative_source(value)
    except UnsafePath as exc:
        raise reader.fail(f"{path}.file", f"{value!r} {exc}") from None
    if source[2:] not in files:
        raise reader.fail(f"{path}.file", f"{value!r} is not in the stack's files")
    return Source(file=source)


def read_references(
    reader: Reader,
    raw: Any,
    path: str,
    kind: Kind,
    sources: dict[str, Source],
    read_only: bool,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(bind mounts, injected files) of a service's ``secrets:`` or ``configs:``."""
    if not isinstance(raw, list):
        raise reader.fail(path, "must be a list")
    mounts: list[dict[str, Any]] = []
    injected: list[dict[str, Any]] = []
    for i, entry in enumerate(raw):
        item_path = f"{path}[{i}]"
        try:
            ref = _reference(reader, entry, item_path, kind)
            source = sources.get(ref["source"])
            if source is None:
                raise reader.fail(item_path, f"undefined {kind[:-1]} {ref['source']!r}")
            if source.file is not None:
                mounts.append(
                    {"type": "bind", "source": source.file, "target": ref["target"]}
                    | {"read_only": True}
                )
                continue
            if read_only:
                raise reader.fail(
                    item_path,
                    f"cannot create {kind[:-1]} {ref['source']!r} in a read-only service: "
                    "file is the sole supported source",
                )
            del ref["source"]
            injected.append(
                ref
                | {"content": source.content, "secret": kind == "secrets"}
                | {"variable": source.variable}
            )
        except Invalid:
            continue
    return mounts, injected


def _reference(reader: Reader, entry: Any, path: str, kind: Kind) -> dict[str, Any]:
    config = {"source": entry} if isinstance(entry, str) else reader.mapping(entry, path)
    reader.only_keys(config, REFERENCE_KEYS, path)
    source = reader.string(config.get("source"), f"{path}.source")
    ref: dict[str, Any] = {"source": source, "target": _target(reader, config, path, kind)}
    for key in ("uid", "gid"):
        if config.get(key) is not None:
            text = reader.string(config[key], f"{path}.{key}")
            if not text.isdigit():
                raise reader.fail(f"{path}.{key}", "must be a numeric id")
            ref[key] = int(text)
    if config.get("mode") is not None:
        ref["mode"] = _mode(reader, config["mode"], f"{path}.mode")
    return ref


def _target(reader: Reader, config: dict[str, Any], path: str, kind: Kind) -> str:
    source = config["source"]
    target = source
    if config.get("target") is not None:
        target = reader.string(config["target"], f"{path}.target")
    base = "/run/secrets" if kind == "secrets" else "/"
    full = posixpath.normpath(posixpath.join(base, target))
    if full == "/" or full.startswith("//") or not target:
        raise reader.fail(f"{path}.target", "must name a file")
    return full


def _mode(reader: Reader, value: Any, path: str) -> int:
    if isinstance(value, str):  # "0400": octal, as Compose reads it
        try:
            value = int(value, 8)
        except ValueError:
            raise reader.fail(path, "must be an octal mode like 0400") from None
    return reader.integer(value, path, 0, MAX_MODE)
