"""The whole file: top-level keys, networks, volumes, and the implicit default network."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from core_monitor.compose.fields import Invalid, Reader
from core_monitor.compose.names import network_name_problem, volume_name_problem
from core_monitor.compose.service import read_service
from core_monitor.compose.service_files import attach_files
from core_monitor.domain.bundle import NO_FILES, ProjectFiles

TOP_LEVEL = {"name", "version", "services", "networks", "volumes", "secrets", "configs"}
SERVICE_NAME = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]*$")
NETWORK_KEYS = {
    "name",
    "driver",
    "driver_opts",
    "internal",
    "external",
    "labels",
    "attachable",
    "enable_ipv6",
    "ipam",
}
VOLUME_KEYS = {"name", "driver", "driver_opts", "external", "labels"}
NAME_RULES = {"networks": network_name_problem, "volumes": volume_name_problem}


def read_project(
    reader: Reader,
    data: dict[str, Any],
    project: str,
    variables: Mapping[str, str] | None = None,
    files: ProjectFiles = NO_FILES,
) -> dict[str, Any]:
    for key in data:
        if not isinstance(key, str):
            reader.fail("", f"top-level keys must be strings, got {key!r}")
        elif key not in TOP_LEVEL and not key.startswith("x-"):
            reader.fail(key, "unsupported key")
    services = _services(reader, data.get("services"))
    attach_files(reader, data, services, variables or {}, files)
    networks = _resources(reader, data.get("networks"), "networks", project, NETWORK_KEYS)
    volumes = _resources(reader, data.get("volumes"), "volumes", project, VOLUME_KEYS)
    uses_default = any(
        not s.get("networks") and not s.get("network_mode") for s in services.values()
    )
    for service in services.values():
        if not service.get("networks") and not service.get("network_mode"):
            service["networks"] = {"default": {}}
    if uses_default and "default" not in networks:
        networks["default"] = {"name": f"{project}_default"}
    for service in services.values():
        _implicit_dependencies(service)
    return {
        "name": project,
        "services": services,
        "networks": _used(networks, _used_networks(services)),
        "volumes": _used(volumes, _used_volumes(services)),
    }


def _implicit_dependencies(service: dict[str, Any]) -> None:
    """`network_mode`/`ipc`/`pid: service:X` and `links: [X]` make X a dependency restarted
    with it, `volumes_from: [X]` one that is not, as Compose does; an explicit depends_on
    entry wins."""
    restarted = [
        value[len("service:") :]
        for value in (service.get(key) for key in ("network_mode", "ipc", "pid"))
        if isinstance(value, str) and value.startswith("service:")
    ]
    restarted += [link.split(":")[0] for link in service.get("links") or []]
    plain = [
        v.split(":")[0] for v in service.get("volumes_from") or [] if not v.startswith("container:")
    ]
    for names, restart in ((restarted, True), (plain, False)):
        for name in names:
            deps = service.setdefault("depends_on", {})
            deps.setdefault(
                name, {"condition": "service_started", "required": True, "restart": restart}
            )


def _used_networks(services: dict[str, dict[str, Any]]) -> set[str]:
    return {name for s in services.values() for name in s.get("networks") or {}}


def _used_volumes(services: dict[str, dict[str, Any]]) -> set[str]:
    return {
        m["source"]
        for s in services.values()
        for m in s.get("volumes") or []
        if m.get("type") == "volume" and m.get("source")
    }


def _used(resources: dict[str, dict[str, Any]], used: set[str]) -> dict[str, dict[str, Any]]:
    """Compose drops declared networks and volumes that no service uses: so do we (they are
    still validated)."""
    return {key: spec for key, spec in resources.items() if key in used}


def _services(reader: Reader, raw: Any) -> dict[str, dict[str, Any]]:
    if raw is None:
        reader.fail("services", "is required: a mapping of at least one service")
        return {}
    try:
        mapping = reader.mapping(raw, "services")
    except Invalid:
        return {}
    if not mapping:
        reader.fail("services", "must define at least one service")
    services = {}
    for name, config in mapping.items():
        if not SERVICE_NAME.match(name):
            reader.fail(
                f"services.{name}", "invalid service name: use letters, digits, '.', '_' and '-'"
            )
            continue
        service = read_service(reader, config, f"services.{name}")
        if service is not None:
            services[name] = service
    return services


def _resources(
    reader: Reader, raw: Any, kind: str, project: str, allowed: set[str]
) -> dict[str, dict[str, Any]]:
    if raw is None:
        return {}
    try:
        mapping = reader.mapping(raw, kind)
    except Invalid:
        return {}
    result = {}
    for key, config in mapping.items():
        path = f"{kind}.{key}"
        try:
            result[key] = _resource(reader, config or {}, path, key, project, allowed)
        except Invalid:
            continue
    return result


def _resource(
    reader: Reader, raw: Any, path: str, key: str, project: str, allowed: set[str]
) -> dict[str, Any]:
    config = reader.mapping(raw, path)
    reader.only_keys(config, allowed, path)
    spec: dict[str, Any] = {}
    external = config.get("external", False)
    if isinstance(external, dict):  # legacy `external: {name: x}`
        reader.only_keys(external, {"name"}, f"{path}.external")
        if "name" in external:
            spec["name"] = reader.string(external["name"], f"{path}.external.name")
        external = True
    spec["external"] = reader.boolean(external, f"{path}.external")
    if config.get("name") is not None:
        spec["name"] = reader.string(config["name"], f"{path}.name")
    if "name" not in spec:
        spec["name"] = key if spec["external"] else f"{project}_{key}"
    _check_name(reader, spec["name"], path, config)
    if config.get("driver") is not None:
        spec["driver"] = reader.string(config["driver"], f"{path}.driver")
    for field in ("driver_opts", "labels"):
        if config.get(field) is not None:
            spec[field] = {
                k: v or ""
                for k, v in reader.dict_or_list(
                    config[field], f"{path}.{field}", null_for_bare=False
                ).items()
            }
    for field in ("internal", "attachable", "enable_ipv6"):
        if field in config:
            spec[field] = reader.boolean(config[field], f"{path}.{field}")
    if config.get("ipam") is not None:
        spec["ipam"] = _ipam(reader, config["ipam"], f"{path}.ipam")
    if spec["external"]:
        extra = [k for k in config if k not in ("external", "name") and not k.startswith("x-")]
        if extra:
            raise reader.fail(f"{path}.{extra[0]}", "an external resource has no other settings")
    return spec


def _check_name(reader: Reader, name: str, path: str, config: dict[str, Any]) -> None:
    """The engine's name, by the engine's grammar; the error points at where it came from
    (``name``, the legacy ``external.name``, or the key itself)."""
    problem = NAME_RULES[path.partition(".")[0]](name)
    if problem is None:
        return
    if config.get("name") is not None:
        where = f"{path}.name"
    elif isinstance(config.get("external"), dict) and "name" in config["external"]:
        where = f"{path}.external.name"
    else:
        where = path
    raise reader.fail(where, problem)


def _ipam(reader: Reader, raw: Any, path: str) -> dict[str, Any]:
    config = reader.mapping(raw, path)
    reader.only_keys(config, {"driver", "config", "options"}, path)
    ipam: dict[str, Any] = {}
    if config.get("driver") is not None:
        ipam["driver"] = reader.string(config["driver"], f"{path}.driver")
    if config.get("options") is not None:
        ipam["options"] = {
            k: v or ""
            for k, v in reader.dict_or_list(
                config["options"], f"{path}.options", null_for_bare=False
            ).items()
        }
    if config.get("config") is not None:
        if not isinstance(config["config"], list):
            raise reader.fail(f"{path}.config", "must be a list")
        entries = []
        for i, entry in enumerate(config["config"]):
            epath = f"{path}.config[{i}]"
            entry = reader.mapping(entry, epath)
            reader.only_keys(entry, {"subnet", "gateway", "ip_range"}, epath)
            entries.append(
                {
                    k: reader.string(v, f"{epath}.{k}")
                    for k, v in entry.items()
                    if not k.startswith("x-")
                }
            )
        ipam["config"] = entries
    return ipam
