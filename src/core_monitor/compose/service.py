"""One service: raw mapping → the normalized dict that ServiceSpec validates."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from typing import Any

from core_monitor.compose.build import read_build
from core_monitor.compose.deploy import cpus as _cpus
from core_monitor.compose.deploy import read_deploy
from core_monitor.compose.deploy_target import read_deploy_target
from core_monitor.compose.fields import Invalid, Reader
from core_monitor.compose.mounts import read_volumes, read_volumes_from
from core_monitor.compose.names import container_name_problem, hostname_problem, image_problem
from core_monitor.compose.ports import read_expose, read_ports
from core_monitor.domain.deploy import EXTENSION

RESTART = re.compile(r"^(no|always|unless-stopped|on-failure(:\d+)?)$")
DEPENDENCY_CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}
HEALTH_DURATIONS = ("interval", "timeout", "start_period", "start_interval")
PULL_POLICIES = {
    "missing": "missing",
    "if_not_present": "missing",
    "always": "always",
    "never": "never",
    "build": "build",
}

Handler = Callable[[Reader, Any, str, dict[str, Any]], None]


def _put(key: str, read: Callable[[Reader, Any, str], Any]) -> Handler:
    def handler(reader: Reader, value: Any, path: str, out: dict[str, Any]) -> None:
        out[key] = read(reader, value, path)

    return handler


def _text(reader: Reader, value: Any, path: str) -> str:
    return reader.string(value, path)


def _flag(reader: Reader, value: Any, path: str) -> bool:
    return reader.boolean(value, path)


def _strings(reader: Reader, value: Any, path: str) -> list[str]:
    return reader.string_list(value, path)


def _strings_or_one(reader: Reader, value: Any, path: str) -> list[str]:
    return reader.string_list(value, path, single=True)


def _size(reader: Reader, value: Any, path: str) -> int:
    return reader.size(value, path)


def _named(problem: Callable[[str], str | None]) -> Callable[[Reader, Any, str], str]:
    def read(reader: Reader, value: Any, path: str) -> str:
        return reader.named(value, path, problem)

    return read


def _command(reader: Reader, value: Any, path: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return shlex.split(value)
        except ValueError as exc:
            raise reader.fail(path, f"cannot split {value!r}: {exc}") from None
    return reader.string_list(value, path)


def _environment(reader: Reader, value: Any, path: str) -> dict[str, str | None]:
    return reader.dict_or_list(value, path, null_for_bare=True)


def _labels(reader: Reader, value: Any, path: str) -> dict[str, str]:
    return {k: v or "" for k, v in reader.dict_or_list(value, path, null_for_bare=False).items()}


def _extra_hosts(reader: Reader, value: Any, path: str) -> list[str]:
    """ "host:ip", "host=ip" or {host: ip | [ip, ...]} → ["host=ip", ...]; "[::1]" → "::1"."""
    pairs: list[tuple[str, str, str]] = []
    if isinstance(value, dict):
        for host, ips in reader.mapping(value, path).items():
            item_path = f"{path}.{host}"
            for ip in reader.string_list(ips, item_path, single=True):
                pairs.append((host, ip, item_path))
    else:
        for i, entry in enumerate(reader.string_list(value, path)):
            host, _, ip = entry.partition("=") if "=" in entry else entry.partition(":")
            pairs.append((host, ip, f"{path}[{i}]"))
    result = []
    for host, ip, item_path in pairs:
        if ip.startswith("[") and ip.endswith("]"):
            ip = ip[1:-1]
        if not host or not ip:
            raise reader.fail(item_path, f"invalid extra host {host}={ip} (use host:ip)")
        result.append(f"{host}={ip}")
    return result


def _restart(reader: Reader, value: Any, path: str) -> str:
    text = "no" if value is False else reader.string(value, path)
    if not RESTART.match(text):
        raise reader.fail(
            path, f"unknown restart policy {text!r} (no, always, on-failure[:N], unless-stopped)"
        )
    return text


def _networks(reader: Reader, value: Any, path: str) -> dict[str, dict[str, Any]]:
    if isinstance(value, list):
        return {name: {} for name in reader.string_list(value, path)}
    result: dict[str, dict[str, Any]] = {}
    for name, config in reader.mapping(value, path).items():
        item_path = f"{path}.{name}"
        if config is None:
            result[name] = {}
            continue
        config = reader.mapping(config, item_path)
        reader.only_keys(config, {"aliases", "ipv4_address", "ipv6_address", "priority"}, item_path)
        entry: dict[str, Any] = {}
        if "aliases" in config:
            entry["aliases"] = reader.string_list(config["aliases"], f"{item_path}.aliases")
        for key in ("ipv4_address", "ipv6_address"):
            if config.get(key) is not None:
                entry[key] = reader.string(config[key], f"{item_path}.{key}")
        if "priority" in config:
            entry["priority"] = reader.integer(config["priority"], f"{item_path}.priority")
        result[name] = entry
    return result


def _depends_on(reader: Reader, value: Any, path: str) -> dict[str, dict[str, Any]]:
    if isinstance(value, list):
        names = reader.string_list(value, path)
        for i, name in enumerate(names):
            if name in names[:i]:
                raise reader.fail(f"{path}[{i}]", f"{name!r} is listed twice")
        return {name: {"condition": "service_started"} for name in names}
    result = {}
    for name, config in reader.mapping(value, path).items():
        item_path = f"{path}.{name}"
        config = reader.mapping(config if config is not None else {}, item_path)
        reader.only_keys(config, {"condition", "required", "restart"}, item_path)
        condition = reader.string(
            config.get("condition", "service_started"), f"{item_path}.condition"
        )
        if condition not in DEPENDENCY_CONDITIONS:
            raise reader.fail(
                f"{item_path}.condition", f"must be one of {sorted(DEPENDENCY_CONDITIONS)}"
            )
        entry: dict[str, Any] = {"condition": condition}
        for key in ("required", "restart"):
            if key in config:
                entry[key] = reader.boolean(config[key], f"{item_path}.{key}")
        result[name] = entry
    return result


def _healthcheck(reader: Reader, value: Any, path: str) -> dict[str, Any]:
    config = reader.mapping(value, path)
    reader.only_keys(config, {"test", "retries", "disable", *HEALTH_DURATIONS}, path)
    check: dict[str, Any] = {}
    if "test" in config:
        test = config["test"]
        if isinstance(test, str):
            check["test"] = ["CMD-SHELL", test]
        else:
            parts = reader.string_list(test, f"{path}.test")
            if not parts or parts[0] not in ("NONE", "CMD", "CMD-SHELL"):
                raise reader.fail(f"{path}.test", "a list must start with NONE, CMD or CMD-SHELL")
            check["test"] = parts
    for key in HEALTH_DURATIONS:
        if config.get(key) is not None:
            check[key] = reader.duration(config[key], f"{path}.{key}")
    if config.get("retries") is not None:
        check["retries"] = reader.integer(config["retries"], f"{path}.retries", 0)
    if "disable" in config:
        check["disable"] = reader.boolean(config["disable"], f"{path}.disable")
    if check.get("test") == ["NONE"]:
        check["disable"] = True
    return check


def _ulimits(reader: Reader, value: Any, path: str) -> dict[str, dict[str, int]]:
    result: dict[str, dict[str, int]] = {}
    for name, limit in reader.mapping(value, path).items():
        item_path = f"{path}.{name}"
        if isinstance(limit, dict):
            reader.only_keys(limit, {"soft", "hard"}, item_path)
            if "soft" not in limit or "hard" not in limit:
                raise reader.fail(item_path, "needs both soft and hard")
            soft = reader.integer(limit["soft"], f"{item_path}.soft", -1)
            hard = reader.integer(limit["hard"], f"{item_path}.hard", -1)
            if soft > hard >= 0:
                raise reader.fail(item_path, "soft limit exceeds hard limit")
            result[name] = {"soft": soft, "hard": hard}
        else:
            single = reader.integer(limit, item_path, -1)
            result[name] = {"soft": single, "hard": single}
    return result


def _logging(reader: Reader, value: Any, path: str) -> dict[str, Any]:
    config = reader.mapping(value, path)
    reader.only_keys(config, {"driver", "options"}, path)
    result: dict[str, Any] = {}
    if config.get("driver") is not None:
        result["driver"] = reader.string(config["driver"], f"{path}.driver")
    if config.get("options") is not None:
        result["options"] = {
            k: v or ""
            for k, v in reader.dict_or_list(
                config["options"], f"{path}.options", null_for_bare=False
            ).items()
        }
    return result


def _scale(reader: Reader, value: Any, path: str, out: dict[str, Any]) -> None:
    out["replicas"] = reader.integer(value, path, 0, 1000)


def _pull_policy(reader: Reader, value: Any, path: str) -> str:
    text = reader.string(value, path)
    if text not in PULL_POLICIES:
        raise reader.fail(path, f"must be one of {sorted(PULL_POLICIES)}")
    return PULL_POLICIES[text]


def _develop(reader: Reader, value: Any, path: str) -> bool:
    """`develop` (`docker compose watch`'s file sync) is the Compose CLI's development loop:
    accepted, nothing reaches the engine, and the plan says so."""
    if not isinstance(value, dict):
        raise reader.fail(path, "must be a mapping")
    return True


def _deferred(key: str) -> Handler:
    """Kept raw for read_project, which has the bundle, the variables and the top level."""

    def handler(reader: Reader, value: Any, path: str, out: dict[str, Any]) -> None:
        out[f"_{key}"] = value

    return handler


def _sysctls(reader: Reader, value: Any, path: str) -> dict[str, str]:
    return {k: v or "" for k, v in reader.dict_or_list(value, path, null_for_bare=False).items()}


def _pids(reader: Reader, value: Any, path: str) -> int:
    return reader.integer(value, path, -1)


HANDLERS: dict[str, Handler] = {
    "image": _put("image", _named(image_problem)),
    "command": _put("command", _command),
    "entrypoint": _put("entrypoint", _command),
    "environment": _put("environment", _environment),
    "ports": _put("ports", read_ports),
    "expose": _put("expose", read_expose),
    "volumes": _put("volumes", read_volumes),
    "tmpfs": _put("tmpfs", _strings_or_one),
    "networks": _put("networks", _networks),
    "depends_on": _put("depends_on", _depends_on),
    "healthcheck": _put("healthcheck", _healthcheck),
    "restart": _put("restart", _restart),
    "labels": _put("labels", _labels),
    "container_name": _put("container_name", _named(container_name_problem)),
    "hostname": _put("hostname", _named(hostname_problem)),
    "domainname": _put("domainname", _named(hostname_problem)),
    "user": _put("user", _text),
    "working_dir": _put("working_dir", _text),
    "init": _put("init", _flag),
    "privileged": _put("privileged", _flag),
    "read_only": _put("read_only", _flag),
    "stdin_open": _put("stdin_open", _flag),
    "tty": _put("tty", _flag),
    "cap_add": _put("cap_add", _strings),
    "cap_drop": _put("cap_drop", _strings),
    "network_mode": _put("network_mode", _text),
    "pid": _put("pid", _text),
    "ipc": _put("ipc", _text),
    "userns_mode": _put("userns_mode", _text),
    "devices": _put("devices", _strings),
    "security_opt": _put("security_opt", _strings),
    "shm_size": _put("shm_size", _size),
    "mem_limit": _put("mem_limit", lambda r, v, p: _size(r, v, p) or None),  # 0: unlimited
    "cpus": _put("cpus", lambda r, v, p: _cpus(r, v, p) or None),  # 0: unlimited
    "pids_limit": _put("pids_limit", _pids),
    "ulimits": _put("ulimits", _ulimits),
    "sysctls": _put("sysctls", _sysctls),
    "extra_hosts": _put("extra_hosts", _extra_hosts),
    "dns": _put("dns", _strings_or_one),
    "stop_signal": _put("stop_signal", _text),
    "stop_grace_period": _put("stop_grace_period", lambda r, v, p: r.duration(v, p)),
    "logging": _put("logging", _logging),
    "deploy": read_deploy,
    "scale": _scale,
    "profiles": _put("profiles", _strings),
    "pull_policy": _put("pull_policy", _pull_policy),
    "build": _put("build", read_build),
    "env_file": _deferred("env_file"),
    "secrets": _deferred("secrets"),
    "configs": _deferred("configs"),
    "platform": _put("platform", _text),
    "runtime": _put("runtime", _text),
    "mac_address": _put("mac_address", _text),
    "links": _put("links", _strings),
    "external_links": _put("external_links", _strings),
    "volumes_from": _put("volumes_from", read_volumes_from),
    "attach": _put("attach", _flag),
    "develop": _put("develop", _develop),
}


def read_service(reader: Reader, raw: Any, path: str) -> dict[str, Any] | None:
    if raw is None:
        raw = {}
    try:
        config = reader.mapping(raw, path)
    except Invalid:
        return None
    out: dict[str, Any] = {}
    for key, value in config.items():
        if key.startswith("x-"):
            continue
        handler = HANDLERS.get(key)
        if handler is None:
            reader.fail(f"{path}.{key}", "unsupported key")
            continue
        if value is None and key not in ("command", "entrypoint"):
            continue
        try:
            handler(reader, value, f"{path}.{key}", out)
        except Invalid:
            continue
    if config.get(EXTENSION) is not None:  # after `volumes`: its content must be on one
        read_deploy_target(reader, config[EXTENSION], path, out)
    if config.get("image") is None and "build" not in config:  # else its own error is kept
        reader.fail(f"{path}.image", "is required")
    if out.get("command") is None:
        out.pop("command", None)
    if out.get("entrypoint") is None:
        out.pop("entrypoint", None)
    return out
