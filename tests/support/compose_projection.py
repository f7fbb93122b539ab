"""Compose's `config --format json` and our ComposeProject, projected to one comparable form.

Shared by the loader's oracle test (tests/acceptance/test_compose_oracle.py) and the corpus of
real-world-shaped projects (tests/support/corpus.py). The unit parsers are independent of the
loader's own helpers, so a loader bug cannot hide in both sides.
"""

from __future__ import annotations

import os
import posixpath
import re
from typing import Any

from core_monitor.domain.compose import ComposeProject

# ---------------------------------------------------------------------------------------
# Independent unit parsers for Compose's JSON (not the loader's own helpers)

_GO_UNITS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60 * 1_000_000_000,
    "h": 3600 * 1_000_000_000,
}


def go_duration(text: str | None) -> int | None:
    if text is None:
        return None
    if text == "0s" or text == "0":
        return 0
    total = 0
    for number, unit in re.findall(r"([0-9.]+)(ns|us|µs|ms|s|m|h)", text):
        total += round(float(number) * _GO_UNITS[unit])
    return total


def as_int(value: Any) -> int | None:
    return None if value is None else int(value)


def as_float(value: Any) -> float | None:
    return None if value is None else float(value)


# ---------------------------------------------------------------------------------------
# Projections to one comparable form

SCALARS = (
    "container_name",
    "hostname",
    "domainname",
    "user",
    "working_dir",
    "network_mode",
    "pid",
    "ipc",
    "userns_mode",
    "stop_signal",
    "platform",
    "runtime",
    "mac_address",
)
FLAGS = ("privileged", "read_only", "stdin_open", "tty")
LISTS = (
    "cap_add",
    "cap_drop",
    "security_opt",
    "dns",
    "tmpfs",
    "profiles",
    "links",
    "external_links",
    "volumes_from",
)


def _ports_from_compose(ports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "target": p["target"],
            "published": p.get("published") or None,
            "host_ip": p.get("host_ip") or None,
            "protocol": p.get("protocol", "tcp"),
            "mode": p.get("mode", "ingress"),
            "name": p.get("name"),
            "app_protocol": p.get("app_protocol"),
        }
        for p in ports
    ]


def _mounts_from_compose(volumes: list[dict[str, Any]], project_dir: str) -> list[dict[str, Any]]:
    """Compose resolves a relative bind source in the compose file's directory (``project_dir``);
    we keep it relative (``./x``), resolved later in the stack's project directory."""
    result = []
    for v in volumes:
        source = v.get("source") or None
        if v["type"] == "bind" and source and (source + "/").startswith(project_dir + "/"):
            source = "." + source[len(project_dir) :] if source != project_dir else "."
        bind = v.get("bind") or {}
        tmpfs = v.get("tmpfs") or {}
        result.append(
            {
                "type": v["type"],
                "source": source,
                "target": v["target"],
                "read_only": bool(v.get("read_only", False)),
                "propagation": bind.get("propagation"),
                "create_host_path": bool(bind.get("create_host_path", False)),
                "nocopy": bool((v.get("volume") or {}).get("nocopy", False)),
                "tmpfs_size": as_int(tmpfs.get("size")),
                "tmpfs_mode": as_int(tmpfs.get("mode")),
            }
        )
    return result


def _ulimits_from_compose(ulimits: dict[str, Any]) -> dict[str, tuple[int, int]]:
    result = {}
    for name, value in ulimits.items():
        if isinstance(value, dict):
            result[name] = (int(value["soft"]), int(value["hard"]))
        else:
            result[name] = (int(value), int(value))
    return result


def _health_from_compose(check: dict[str, Any] | None) -> dict[str, Any] | None:
    if check is None:
        return None
    return {
        "test": check.get("test"),
        "interval": go_duration(check.get("interval")),
        "timeout": go_duration(check.get("timeout")),
        "start_period": go_duration(check.get("start_period")),
        "start_interval": go_duration(check.get("start_interval")),
        "retries": check.get("retries"),
        "disable": bool(check.get("disable", False)) or check.get("test") == ["NONE"],
    }


def _unescape(value: Any) -> Any:
    """`config` output re-escapes every `$` as `$$` (so it can be loaded again); the
    container sees one `$`."""
    if isinstance(value, str):
        return value.replace("$$", "$")
    if isinstance(value, dict):
        return {k: _unescape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unescape(v) for v in value]
    return value


def project_compose(data: dict[str, Any], project_dir: str = "/nowhere") -> dict[str, Any]:
    data = _unescape(data)
    services = {}
    for name, s in data.get("services", {}).items():
        deploy = s.get("deploy") or {}
        limits = (deploy.get("resources") or {}).get("limits") or {}
        reservations = (deploy.get("resources") or {}).get("reservations") or {}
        logging = s.get("logging")
        replicas = deploy.get("replicas", s.get("scale", 1))
        out: dict[str, Any] = {
            # Compose names a build-only service's image <project>-<service>
            "image": s.get("image") or f"{data.get('name')}-{name}",
            "build": _build_from_compose(s.get("build"), project_dir),
            "command": s.get("command"),
            "entrypoint": s.get("entrypoint"),
            "environment": dict(s.get("environment") or {}),
            "ports": _ports_from_compose(s.get("ports") or []),
            "expose": [str(e) for e in s.get("expose") or []],
            "volumes": _by_target(
                _mounts_from_compose(s.get("volumes") or [], project_dir)
                + _placed_files(s, data, project_dir)
            ),
            "injected": _injected_from_compose(s, data),
            "networks": {
                net: {
                    "aliases": sorted((cfg or {}).get("aliases") or []),
                    "ipv4_address": (cfg or {}).get("ipv4_address"),
                    "ipv6_address": (cfg or {}).get("ipv6_address"),
                    "priority": (cfg or {}).get("priority"),
                }
                for net, cfg in (s.get("networks") or {}).items()
            },
            "depends_on": {
                dep: (
                    cfg["condition"],
                    cfg.get("required", True),
                    cfg.get("restart", False),
                )
                for dep, cfg in (s.get("depends_on") or {}).items()
            },
            "healthcheck": _health_from_compose(s.get("healthcheck")),
            "restart": s.get("restart", "no"),
            "labels": dict(s.get("labels") or {}),
            "init": s.get("init"),
            "devices": [d if isinstance(d, str) else _device(d) for d in s.get("devices") or []],
            "shm_size": as_int(s.get("shm_size")),
            "mem_limit": as_int(s.get("mem_limit")),
            "cpus": as_float(s.get("cpus")),
            "pids_limit": s.get("pids_limit"),
            "ulimits": _ulimits_from_compose(s.get("ulimits") or {}),
            "sysctls": {k: str(v) for k, v in (s.get("sysctls") or {}).items()},
            "extra_hosts": sorted(s.get("extra_hosts") or []),
            "stop_grace_period": go_duration(s.get("stop_grace_period")),
            "logging": None
            if logging is None
            else (logging.get("driver"), dict(logging.get("options") or {})),
            "replicas": int(replicas),
            "limits": (
                as_float(limits.get("cpus")),
                as_int(limits.get("memory")),
                as_int(limits.get("pids")),
            ),
            "pull_policy": s.get("pull_policy", "missing"),
            "reservations": (
                as_float(reservations.get("cpus")),
                as_int(reservations.get("memory")),
                [
                    (
                        d.get("driver"),
                        d.get("count"),
                        d.get("device_ids") or [],
                        d.get("capabilities") or [],
                        d.get("options") or {},
                    )
                    for d in reservations.get("devices") or []
                ],
            ),
            "attach": bool(s.get("attach", True)),
        }
        for key in SCALARS:
            out[key] = s.get(key)
        for key in FLAGS:
            out[key] = bool(s.get(key, False))
        for key in LISTS:
            out[key] = list(s.get(key) or [])
        services[name] = out
    return {
        "services": services,
        "networks": {k: _network_from_compose(v) for k, v in (data.get("networks") or {}).items()},
        "volumes": {
            k: (
                v.get("name"),
                v.get("driver"),
                dict(v.get("driver_opts") or {}),
                bool(v.get("external", False)),
                dict(v.get("labels") or {}),
            )
            for k, v in (data.get("volumes") or {}).items()
        },
    }


def _build_from_compose(build: dict[str, Any] | None, project_dir: str) -> dict[str, Any] | None:
    """Compose makes the context absolute: projected back relative to the project directory."""
    if build is None:
        return None
    context = str(build["context"])
    if os.path.isabs(context):
        context = os.path.relpath(context, project_dir)
    context = context.removeprefix("./")
    inline = build.get("dockerfile_inline")
    return {
        "context": "." if context == "." else f"./{context}",
        "dockerfile": None if inline is not None else build.get("dockerfile", "Dockerfile"),
        "dockerfile_inline": inline,
        "args": {k: v for k, v in (build.get("args") or {}).items() if v is not None},
        "target": build.get("target"),
        "labels": dict(build.get("labels") or {}),
        "network": build.get("network"),
        "shm_size": as_int(build.get("shm_size")),
        "no_cache": bool(build.get("no_cache", False)),
        "pull": bool(build.get("pull", False)),
    }


def _build_ours(build: dict[str, Any] | None) -> dict[str, Any] | None:
    """Ours keeps a bare arg as None (not passed to the engine); Compose drops it."""
    if build is None:
        return None
    inline = build["dockerfile_inline"]
    return {
        **{k: v for k, v in build.items() if k not in ("digest", "args", "dockerfile")},
        "dockerfile": None if inline is not None else build["dockerfile"],
        "args": {k: v for k, v in build["args"].items() if v is not None},
    }


def _by_target(mounts: Any) -> list[dict[str, Any]]:
    """Mounts in target order: Compose lists file secrets and configs apart from volumes;
    ours are read-only binds among the volumes."""
    return sorted(mounts, key=lambda m: (m["target"], m["type"]))


def _file_target(kind: str, ref: dict[str, Any]) -> str:
    base = "/run/secrets" if kind == "secrets" else "/"
    return posixpath.normpath(posixpath.join(base, ref.get("target") or ref["source"]))


def _placed_files(
    service: dict[str, Any], data: dict[str, Any], project_dir: str
) -> list[dict[str, Any]]:
    """File-sourced secrets and configs, as the read-only binds we make of them."""
    placed = []
    for kind in ("secrets", "configs"):
        top = data.get(kind) or {}
        for ref in service.get(kind) or []:
            source = top.get(ref["source"]) or {}
            if "file" not in source:
                continue
            path = str(source["file"])
            if os.path.isabs(path):
                path = os.path.relpath(path, project_dir)
            placed.append(
                {
                    "type": "bind",
                    "source": "./" + path.removeprefix("./"),
                    "target": _file_target(kind, ref),
                    "read_only": True,
                    "propagation": None,
                    "create_host_path": False,
                    "nocopy": False,
                    "tmpfs_size": None,
                    "tmpfs_mode": None,
                }
            )
    return placed


def _injected_from_compose(service: dict[str, Any], data: dict[str, Any]) -> list[Any]:
    """Environment- and content-sourced secrets and configs: where, with which mode and owner
    (their content is compared by the bundle oracle)."""
    found = []
    for kind in ("secrets", "configs"):
        top = data.get(kind) or {}
        for ref in service.get(kind) or []:
            if "file" in (top.get(ref["source"]) or {}):
                continue
            mode = int(str(ref["mode"]), 8) if "mode" in ref else 0o444
            found.append(
                (_file_target(kind, ref), mode, int(ref.get("uid", 0)), int(ref.get("gid", 0)))
            )
    return sorted(found)


def _device(device: dict[str, Any]) -> str:
    text = f"{device['source']}:{device['target']}"
    permissions = device.get("permissions")
    return f"{text}:{permissions}" if permissions and permissions != "rwm" else text


def _network_from_compose(net: dict[str, Any]) -> dict[str, Any]:
    ipam = net.get("ipam") or {}
    return {
        "name": net.get("name"),
        "driver": net.get("driver"),
        "driver_opts": dict(net.get("driver_opts") or {}),
        "internal": bool(net.get("internal", False)),
        "external": bool(net.get("external", False)),
        "attachable": bool(net.get("attachable", False)),
        "enable_ipv6": bool(net.get("enable_ipv6", False)),
        "labels": dict(net.get("labels") or {}),
        "ipam": (
            ipam.get("driver"),
            [
                {k: c.get(k) for k in ("subnet", "gateway", "ip_range")}
                for c in ipam.get("config") or []
            ],
        ),
    }


def project_ours(project: ComposeProject) -> dict[str, Any]:
    data = project.model_dump(mode="json")
    services = {}
    for name, s in data["services"].items():
        check = s["healthcheck"]
        logging = s["logging"]
        limits = s["limits"]
        out: dict[str, Any] = {
            "image": s["image"],
            "command": s["command"],
            "entrypoint": s["entrypoint"],
            "environment": s["environment"],
            "ports": [
                {k: p[k] for k in ("target", "published", "host_ip", "protocol", "mode")}
                | {"name": p["name"], "app_protocol": p["app_protocol"]}
                for p in s["ports"]
            ],
            "expose": s["expose"],
            "injected": sorted(
                (f["target"], f["mode"], f["uid"], f["gid"]) for f in s["injected_files"]
            ),
            "volumes": _by_target(
                {
                    "type": m["type"],
                    "source": m["source"],
                    "target": m["target"],
                    "read_only": m["read_only"],
                    "propagation": m["bind_propagation"],
                    "create_host_path": bool(m["bind_create_host_path"]),
                    "nocopy": m["volume_nocopy"],
                    "tmpfs_size": m["tmpfs_size"],
                    "tmpfs_mode": m["tmpfs_mode"],
                }
                for m in s["volumes"]
            ),
            "networks": {
                net: {
                    "aliases": sorted(cfg["aliases"]),
                    "ipv4_address": cfg["ipv4_address"],
                    "ipv6_address": cfg["ipv6_address"],
                    "priority": cfg["priority"],
                }
                for net, cfg in s["networks"].items()
            },
            "depends_on": {
                dep: (cfg["condition"], cfg["required"], cfg["restart"])
                for dep, cfg in s["depends_on"].items()
            },
            "healthcheck": None if check is None else dict(check),
            "restart": s["restart"],
            "labels": s["labels"],
            "init": s["init"],
            "devices": s["devices"],
            "shm_size": s["shm_size"],
            "mem_limit": s["mem_limit"],
            "cpus": s["cpus"],
            "pids_limit": s["pids_limit"],
            "ulimits": {k: (v["soft"], v["hard"]) for k, v in s["ulimits"].items()},
            "sysctls": s["sysctls"],
            "extra_hosts": sorted(s["extra_hosts"]),
            "stop_grace_period": s["stop_grace_period"],
            "logging": None if logging is None else (logging["driver"], logging["options"]),
            "replicas": s["replicas"],
            "limits": (limits["cpus"], limits["memory"], limits["pids"]),
            "pull_policy": s["pull_policy"],
            "reservations": (
                s["reservations"]["cpus"],
                s["reservations"]["memory"],
                [
                    (d["driver"], d["count"], d["device_ids"], d["capabilities"], d["options"])
                    for d in s["reservations"]["devices"]
                ],
            ),
            "attach": s["attach"],
            "build": _build_ours(s["build"]),
        }
        for key in (*SCALARS, *FLAGS, *LISTS):
            out[key] = s[key]
        services[name] = out
    return {
        "services": services,
        "networks": {
            k: {
                **{key: v[key] for key in ("name", "driver", "driver_opts", "labels")},
                **{key: v[key] for key in ("internal", "external", "attachable", "enable_ipv6")},
                "ipam": (
                    v["ipam"]["driver"],
                    [dict(c) for c in v["ipam"]["config"]],
                    # ipam.options: compose-go drops it, so there is nothing to compare
                ),
            }
            for k, v in data["networks"].items()
        },
        "volumes": {
            k: (v["name"], v["driver"], v["driver_opts"], v["external"], v["labels"])
            for k, v in data["volumes"].items()
        },
    }
