"""Compose's merge rules: one compose file over another (``-f a -f b``), and an extending
service over the service it extends (the same rules, compose-go's ``override`` package).

Mappings merge key by key and scalars are replaced. Sequences are appended, and some are
then made unique by a key, the later entry taking the earlier one's place: ports by
(host_ip, published, target, protocol), volumes by target, environment and labels by name,
dns, tmpfs, cap_add... by value. ``command``, ``entrypoint`` and ``healthcheck.test`` are
replaced whole. ``logging`` keeps the options when the driver is unchanged. Works on parsed,
interpolated data (before normalization); an entry we cannot read is kept as written, so the
normalizer reports it with its path.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any

from core_monitor.compose.fields import Reader
from core_monitor.compose.ports import read_ports
from core_monitor.compose.tags import Reset, is_override

Merger = Callable[[Any, Any], Any]

REPLACED = ("command", "entrypoint")
BY_NAME = ("environment", "labels", "annotations", "sysctls")
BY_VALUE = ("dns", "dns_opt", "dns_search", "tmpfs", "env_file", "cap_add", "cap_drop")
BY_VALUE_NO_STRING = ("expose", "profiles", "links", "extra_hosts", "external_links")


def merge_project(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` (a whole compose file) merged over ``base``; neither is modified."""
    result = copy.deepcopy(base)
    for key, value in override.items():
        if key == "services" and isinstance(value, dict) and isinstance(result.get(key), dict):
            services = result[key]
            for name, service in value.items():
                _put(services, name, service, merge_service)
        elif key in ("networks", "volumes", "secrets", "configs"):
            _put(result, key, value, _merge_resources)
        else:
            _put(result, key, value, _merge_plain)
    return result


def merge_service(base: Any, override: Any) -> Any:
    """One service over another (also: an extending service over its base)."""
    if not isinstance(base, dict) or not isinstance(override, dict):
        return copy.deepcopy(override if override is not None or base is None else base)
    result = copy.deepcopy(base)
    for key, value in override.items():
        _put(result, key, value, functools.partial(_merge_key, key))
    return result


def _merge_key(key: str, base: Any, override: Any) -> Any:
    special = SERVICE_MERGERS.get(key)
    if special is not None:
        return special(base, override)
    if key in REPLACED:
        return copy.deepcopy(override)
    if key in BY_NAME:
        return _by_name(base, override)
    if key in BY_VALUE:
        return _unique(_as_list(base) + _as_list(override), _value_key)
    if key in BY_VALUE_NO_STRING:
        return _unique(_list(base) + _list(override), _value_key)
    return _merge_plain(base, override)


def _merge_plain(base: Any, override: Any) -> Any:
    """The default rule: mappings merged, sequences appended, anything else replaced."""
    if override is None:
        return copy.deepcopy(base)
    if isinstance(base, dict) and isinstance(override, dict):
        result = copy.deepcopy(base)
        for key, value in override.items():
            _put(result, key, value, _merge_plain)
        return result
    if isinstance(base, list) and isinstance(override, list):
        return copy.deepcopy(base) + copy.deepcopy(override)
    return copy.deepcopy(override)


def _merge_resources(base: Any, override: Any) -> Any:
    if not isinstance(base, dict) or not isinstance(override, dict):
        return _merge_plain(base, override)
    result = copy.deepcopy(base)
    for name, value in override.items():
        _put(result, name, value, _merge_resource)
    return result


def _merge_resource(old: Any, value: Any) -> Any:
    if not isinstance(old, dict) or not isinstance(value, dict):
        return _merge_plain(old, value)
    merged = _merge_plain(old, {k: v for k, v in value.items() if k != "labels"})
    if "labels" in value:
        _put(merged, "labels", value["labels"], _by_name)
    return merged


def _put(result: dict[str, Any], key: str, value: Any, merge: Merger) -> None:
    """``result[key]`` merged with ``value``, or reset or overridden by it (tags.py)."""
    if isinstance(value, Reset):
        result.pop(key, None)
    elif key not in result or is_override(value):
        result[key] = copy.deepcopy(value)
    else:
        result[key] = merge(result[key], value)


# ---------------------------------------------------------------------------------------
# Sequences and mappings that merge by a key


def _as_list(value: Any) -> list[Any]:
    """A string is a one-entry sequence (``dns: 8.8.8.8``)."""
    if isinstance(value, list):
        return copy.deepcopy(value)
    return [] if value is None else [copy.deepcopy(value)]


def _list(value: Any) -> list[Any]:
    return copy.deepcopy(value) if isinstance(value, list) else _as_list(value)


def _unique(entries: list[Any], key: Callable[[Any], Any]) -> list[Any]:
    """Later entries replace earlier ones with the same key, at the earlier one's place."""
    result: list[Any] = []
    where: dict[Any, int] = {}
    for entry in entries:
        k = key(entry)
        if k in where:
            result[where[k]] = entry
        else:
            where[k] = len(result)
            result.append(entry)
    return result


def _value_key(entry: Any) -> Any:
    if isinstance(entry, dict):  # env_file long form, and anything else by its content
        return entry.get("path", repr(sorted(entry.items(), key=str)))
    return str(entry)


def _as_mapping(value: Any) -> dict[str, Any] | None:
    """``["A=1", "B"]`` → ``{"A": "1", "B": None}``; a mapping as is; else None."""
    if isinstance(value, dict):
        return dict(value)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    result: dict[str, Any] = {}
    for item in value:
        name, equals, text = item.partition("=")
        result[name] = text if equals else None
    return result


def _by_name(base: Any, override: Any) -> Any:
    old, new = _as_mapping([] if base is None else base), _as_mapping(override)
    if old is None or new is None:
        return _merge_plain(base, override)
    return {**old, **new}


def _port_key(entry: Any) -> Any:
    reader = Reader()
    ports = read_ports(reader, [entry], "")
    if reader.errors or len(ports) != 1:
        return repr(entry)
    port = ports[0]
    return (port.get("host_ip"), port.get("published"), port["target"], port["protocol"])


def _expand_ports(value: Any) -> list[Any]:
    """Short ranges become one entry per port (Compose's canonical form) so each merges."""
    result: list[Any] = []
    for entry in _list(value):
        reader = Reader()
        ports = read_ports(reader, [entry], "")
        if reader.errors or len(ports) <= 1 or isinstance(entry, dict):
            result.append(entry)
        else:
            result.extend({k: v for k, v in p.items() if v is not None} for p in ports)
    return result


def _ports(base: Any, override: Any) -> Any:
    return _unique(_expand_ports(base) + _expand_ports(override), _port_key)


def _mount_target(entry: Any) -> Any:
    if isinstance(entry, dict):
        return entry.get("target", repr(entry))
    parts = str(entry).split(":")
    return parts[1] if len(parts) > 1 else parts[0]


def _volumes(base: Any, override: Any) -> Any:
    return _unique(_list(base) + _list(override), lambda e: str(_mount_target(e)).rstrip("/"))


def _devices(base: Any, override: Any) -> Any:
    return _unique(_list(base) + _list(override), _mount_target)


def _networks(base: Any, override: Any) -> Any:
    old, new = _as_mapping(base), _as_mapping(override)
    if old is None or new is None:
        return _merge_plain(base, override)
    result = copy.deepcopy(old)
    for name, config in new.items():
        _put(result, name, config, _merge_plain)
    return result


def _depends_on(base: Any, override: Any) -> Any:
    def mapping(value: Any) -> Any:
        if isinstance(value, list):
            return {name: {"condition": "service_started", "required": True} for name in value}
        return value

    return _merge_plain(mapping(base), mapping(override))


def _logging(base: Any, override: Any) -> Any:
    if not isinstance(base, dict) or not isinstance(override, dict):
        return _merge_plain(base, override)
    driver = override.get("driver")
    if driver is not None and driver != base.get("driver"):
        return copy.deepcopy(override)
    return _merge_plain(base, override)


def _ulimits(base: Any, override: Any) -> Any:
    if not isinstance(base, dict) or not isinstance(override, dict):
        return _merge_plain(base, override)
    result = copy.deepcopy(base)
    for name, value in override.items():
        _put(result, name, value, _merge_limit)
    return result


def _merge_limit(old: Any, value: Any) -> Any:
    both = isinstance(old, dict) and isinstance(value, dict)
    return _merge_plain(old, value) if both else copy.deepcopy(value)


def _healthcheck(base: Any, override: Any) -> Any:
    if not isinstance(base, dict) or not isinstance(override, dict):
        return _merge_plain(base, override)
    result = _merge_plain({k: v for k, v in base.items() if k != "test"}, override)
    if "test" not in override and "test" in base:
        result["test"] = copy.deepcopy(base["test"])
    return result


def _build(base: Any, override: Any) -> Any:
    def mapping(value: Any) -> Any:
        return {"context": value} if isinstance(value, str) else value

    old, new = mapping(base), mapping(override)
    if not isinstance(old, dict) or not isinstance(new, dict):
        return _merge_plain(old, new)
    result = _merge_plain(
        {k: v for k, v in old.items() if k not in ("args", "labels")},
        {k: v for k, v in new.items() if k not in ("args", "labels")},
    )
    for key in ("args", "labels"):
        if key in old or key in new:
            result[key] = _by_name(old.get(key), new.get(key)) if key in new else old[key]
    return result


def _deploy(base: Any, override: Any) -> Any:
    if not isinstance(base, dict) or not isinstance(override, dict):
        return _merge_plain(base, override)
    result = _merge_plain(base, {k: v for k, v in override.items() if k != "labels"})
    if "labels" in override:
        result["labels"] = _by_name(base.get("labels"), override["labels"])
    return result


SERVICE_MERGERS: dict[str, Merger] = {
    "ports": _ports,
    "volumes": _volumes,
    "devices": _devices,
    "networks": _networks,
    "depends_on": _depends_on,
    "logging": _logging,
    "ulimits": _ulimits,
    "healthcheck": _healthcheck,
    "build": _build,
    "deploy": _deploy,
}
