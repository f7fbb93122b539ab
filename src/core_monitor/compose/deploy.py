"""`deploy` of a service: replicas, mode and resources (limits and reservations)."""

from __future__ import annotations

from typing import Any

from core_monitor.compose.fields import Reader

# a finite bound far above any host (the engine refuses more CPUs than the host has at
# create time); below 0.01 the engine refuses a limit too
MAX_CPUS = 1024.0
MIN_CPUS = 0.01
DEVICE_KEYS = {"driver", "count", "device_ids", "capabilities", "options"}


def cpus(reader: Reader, value: Any, path: str) -> float:
    """A CPU limit; 0 means none."""
    found = reader.number(value, path, MAX_CPUS)
    if 0 < found < MIN_CPUS:
        raise reader.fail(path, f"must be 0 (no limit) or at least {MIN_CPUS:g}")
    return found


def read_deploy(reader: Reader, value: Any, path: str, out: dict[str, Any]) -> None:
    config = reader.mapping(value, path)
    reader.only_keys(config, {"mode", "replicas", "resources"}, path)
    if config.get("mode") is not None:
        mode = reader.string(config["mode"], f"{path}.mode")
        if mode != "replicated":
            raise reader.fail(
                f"{path}.mode",
                f"{mode!r} is a Swarm mode: a single engine runs `replicated` services only",
            )
    if config.get("replicas") is not None:
        out["replicas"] = reader.integer(config["replicas"], f"{path}.replicas", 0, 1000)
    if config.get("resources") is not None:
        rpath = f"{path}.resources"
        resources = reader.mapping(config["resources"], rpath)
        reader.only_keys(resources, {"limits", "reservations"}, rpath)
        if resources.get("limits") is not None:
            out["limits"] = _limits(reader, resources["limits"], f"{rpath}.limits")
        if resources.get("reservations") is not None:
            out["reservations"] = _reservations(
                reader, resources["reservations"], f"{rpath}.reservations"
            )


def _limits(reader: Reader, value: Any, path: str) -> dict[str, Any]:
    limits = reader.mapping(value, path)
    reader.only_keys(limits, {"cpus", "memory", "pids"}, path)
    result: dict[str, Any] = {}
    if limits.get("cpus") is not None:
        result["cpus"] = cpus(reader, limits["cpus"], f"{path}.cpus")
    if limits.get("memory") is not None:
        result["memory"] = reader.size(limits["memory"], f"{path}.memory")
    if limits.get("pids") is not None:
        result["pids"] = reader.integer(limits["pids"], f"{path}.pids", -1)
    return result


def _reservations(reader: Reader, value: Any, path: str) -> dict[str, Any]:
    config = reader.mapping(value, path)
    reader.only_keys(config, {"cpus", "memory", "devices"}, path)
    result: dict[str, Any] = {}
    if config.get("cpus") is not None:
        result["cpus"] = cpus(reader, config["cpus"], f"{path}.cpus")
    if config.get("memory") is not None:
        result["memory"] = reader.size(config["memory"], f"{path}.memory")
    if config.get("devices") is not None:
        devices = config["devices"]
        if not isinstance(devices, list):
            raise reader.fail(f"{path}.devices", "must be a list")
        result["devices"] = [
            _device(reader, item, f"{path}.devices[{i}]") for i, item in enumerate(devices)
        ]
    return result


def _device(reader: Reader, value: Any, path: str) -> dict[str, Any]:
    config = reader.mapping(value, path)
    reader.only_keys(config, DEVICE_KEYS, path)
    device: dict[str, Any] = {}
    if config.get("driver") is not None:
        device["driver"] = reader.string(config["driver"], f"{path}.driver")
    if config.get("count") is not None:
        count = config["count"]
        device["count"] = -1 if count == "all" else reader.integer(count, f"{path}.count", -1)
    for key in ("device_ids", "capabilities"):
        if config.get(key) is not None:
            device[key] = reader.string_list(config[key], f"{path}.{key}")
    if config.get("options") is not None:
        options = reader.dict_or_list(config["options"], f"{path}.options", null_for_bare=False)
        device["options"] = {k: v or "" for k, v in options.items()}
    if "count" in device and device.get("device_ids"):
        raise reader.fail(path, "count and device_ids cannot be set together")
    return device
