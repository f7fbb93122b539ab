"""Volumes of a service: short ("data:/data:ro", "/host:/ctr") and long syntax.

Bind sources come in three forms: absolute host paths; relative ones (``./conf``, ``.``),
kept as ``./<clean path>`` and resolved in the stack's project directory by the engine;
``~`` ones (``~/x``), kept as written and resolved in the engine host's home directory
(``domain/project_dir.py``). A relative path that leaves the project directory is refused.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from core_monitor.compose.fields import Invalid, Reader
from core_monitor.domain.bundle import UnsafePath, relative_source

LONG_KEYS = {"type", "source", "target", "read_only", "bind", "volume", "tmpfs", "consistency"}
SHORT_MODES = {"ro", "rw", "z", "Z", "cached", "delegated", "consistent", "nocopy"}
PROPAGATIONS = {"rprivate", "private", "rshared", "shared", "rslave", "slave"}


def read_volumes(reader: Reader, value: Any, path: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise reader.fail(path, "must be a list")
    mounts = []
    for i, item in enumerate(value):
        item_path = f"{path}[{i}]"
        try:
            if isinstance(item, dict):
                mount = _long(reader, item, item_path)
            else:
                mount = _short(reader, reader.string(item, item_path), item_path)
            _check_source(reader, mount, item_path)
            mounts.append(mount)
        except Invalid:
            continue
    return mounts


def read_volumes_from(reader: Reader, value: Any, path: str) -> list[str]:
    """`service[:ro|rw]` or `container:name[:ro|rw]`, kept as written (Compose's form)."""
    entries = reader.string_list(value, path)
    for i, entry in enumerate(entries):
        parts = entry.split(":")
        if parts[0] == "container":
            parts = parts[1:]
        if not parts or not parts[0] or len(parts) > 2 or parts[1:] not in ([], ["ro"], ["rw"]):
            reader.fail(
                f"{path}[{i}]",
                f"invalid volumes_from {entry!r} (service[:ro|rw] or container:name[:ro|rw])",
            )
    return entries


def clean_target(target: str) -> str:
    """Go's path.Clean, which Compose applies to mount targets: `/media/` → `/media`."""
    cleaned = posixpath.normpath(target)
    return re.sub(r"^/+", "/", cleaned)


def _short(reader: Reader, text: str, path: str) -> dict[str, Any]:
    parts = text.split(":")
    if len(parts) == 1:
        return {"type": "volume", "target": parts[0]}
    if len(parts) > 3 or not parts[0] or not parts[1]:
        raise reader.fail(path, f"invalid volume {text!r}")
    source, target = parts[0], parts[1]
    if len(source) == 1 and source.isalpha():
        raise reader.fail(
            path,
            f"{text!r} reads as a Windows drive path to Compose: "
            "use a volume name longer than one letter, or the long syntax",
        )
    modes = parts[2].split(",") if len(parts) == 3 else []
    for mode in modes:
        if mode not in SHORT_MODES and mode not in PROPAGATIONS:
            raise reader.fail(path, f"invalid mode {mode!r} in {text!r}")
    is_bind = source.startswith(("/", ".", "~"))
    mount: dict[str, Any] = {
        "type": "bind" if is_bind else "volume",
        "source": source,
        "target": target,
        "read_only": "ro" in modes,
    }
    propagation = [m for m in modes if m in PROPAGATIONS]
    if is_bind:
        mount["bind_create_host_path"] = True
        if propagation:  # `/:/host:ro,rslave`, as Compose reads it
            mount["bind_propagation"] = propagation[-1]
    elif "nocopy" in modes:
        mount["volume_nocopy"] = True
    return mount


def _long(reader: Reader, item: dict[str, Any], path: str) -> dict[str, Any]:
    reader.only_keys(item, LONG_KEYS, path)
    kind = reader.string(item.get("type", ""), f"{path}.type")
    if kind not in ("volume", "bind", "tmpfs"):
        raise reader.fail(f"{path}.type", "must be volume, bind or tmpfs")
    if "target" not in item:
        raise reader.fail(f"{path}.target", "is required")
    mount: dict[str, Any] = {
        "type": kind,
        "target": reader.string(item["target"], f"{path}.target"),
    }
    if item.get("source") is not None:
        mount["source"] = reader.string(item["source"], f"{path}.source")
    if "read_only" in item:
        mount["read_only"] = reader.boolean(item["read_only"], f"{path}.read_only")
    for section, keys in (
        ("bind", {"propagation", "create_host_path", "selinux"}),
        ("volume", {"nocopy", "subpath"}),
        ("tmpfs", {"size", "mode"}),
    ):
        if item.get(section) is None:
            continue
        options = reader.mapping(item[section], f"{path}.{section}")
        reader.only_keys(options, keys, f"{path}.{section}")
        if section != kind:
            raise reader.fail(f"{path}.{section}", f"does not apply to a {kind} mount")
        _section(reader, mount, section, options, f"{path}.{section}")
    if kind == "bind" and "source" not in mount:
        raise reader.fail(f"{path}.source", "a bind mount needs a source")
    if kind == "tmpfs" and "source" in mount:
        raise reader.fail(f"{path}.source", "a tmpfs mount has no source")
    return mount


def _section(
    reader: Reader, mount: dict[str, Any], section: str, options: dict[str, Any], path: str
) -> None:
    if section == "bind":
        if "propagation" in options:
            value = reader.string(options["propagation"], f"{path}.propagation")
            if value not in PROPAGATIONS:
                raise reader.fail(f"{path}.propagation", f"must be one of {sorted(PROPAGATIONS)}")
            mount["bind_propagation"] = value
        if "create_host_path" in options:
            mount["bind_create_host_path"] = reader.boolean(
                options["create_host_path"], f"{path}.create_host_path"
            )
        if "selinux" in options:
            raise reader.fail(f"{path}.selinux", "unsupported key")
    elif section == "volume":
        if "nocopy" in options:
            mount["volume_nocopy"] = reader.boolean(options["nocopy"], f"{path}.nocopy")
        if "subpath" in options:
            raise reader.fail(f"{path}.subpath", "unsupported key")
    else:
        if "size" in options:
            mount["tmpfs_size"] = reader.size(options["size"], f"{path}.size")
        if "mode" in options:
            mount["tmpfs_mode"] = reader.integer(options["mode"], f"{path}.mode", 0, 0o7777)


def _check_source(reader: Reader, mount: dict[str, Any], path: str) -> None:
    target = mount["target"]
    if not target.startswith("/"):
        raise reader.fail(path, f"target {target!r} must be an absolute path")
    mount["target"] = clean_target(target)
    source = mount.get("source")
    if mount["type"] == "bind" and source:
        mount["source"] = _bind_source(reader, source, path)


def _bind_source(reader: Reader, source: str, path: str) -> str:
    """The normalized form of a bind source (see the module's docstring)."""
    if source.startswith("/"):
        return source
    if source == "~" or source.startswith("~/"):
        return source.rstrip("/") or "~"
    if source.startswith("~"):
        # ~user: whose home that is on the engine's host cannot be known from here
        raise reader.fail(path, f"bind source {source!r}: only '~' or '~/…' is supported")
    try:
        return relative_source(source)
    except UnsafePath as exc:
        raise reader.fail(
            path, f"bind source {source!r} {exc}: it must stay inside the project directory"
        ) from None
