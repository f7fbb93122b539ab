"""Docker Compose as the oracle for the engine: run one file both ways, compare `docker inspect`.

``snapshot(project, spec)`` reads every container, network and volume of a project and projects
them to a comparable, project-independent form (the project name becomes ``<P>``, container ids
become ``<id:NAME>``, anonymous volume names ``<anonymous>``). ``diff`` lists the differences as
``path: compose=… ours=…`` lines.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from typing import Any

from tests.support.docker_probe import docker

PROJECT_LABEL = "com.docker.compose.project"
OWN_PREFIXES = ("com.docker.compose.", "io.coremon.")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def compose(project: str, *args: str, cwd: str | None = None) -> str:
    """`docker compose -p PROJECT ARGS` with a clean environment (no COMPOSE_* leaking in)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    result = subprocess.run(
        ["docker", "compose", "-p", project, *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=cwd,
        env=env,
    )
    if result.returncode != 0:
        raise AssertionError(f"docker compose -p {project} {' '.join(args)}: {result.stderr}")
    return result.stdout


def _ls(kind: str, project: str) -> list[str]:
    args = ["ps", "-aq"] if kind == "container" else [kind, "ls", "-q"]
    return docker(*args, "--filter", f"label={PROJECT_LABEL}={project}").split()


def _inspect(kind: str, names: list[str]) -> list[dict[str, Any]]:
    if not names:
        return []
    found: list[dict[str, Any]] = json.loads(docker(kind, "inspect", *names))
    return found


def leftovers(project: str) -> dict[str, list[str]]:
    """What of a project is still on the engine (by the Compose project label)."""
    return {kind: _ls(kind, project) for kind in ("container", "network", "volume")}


def anonymous_volumes(snap: dict[str, Any]) -> list[str]:
    return list(snap["_anonymous"])


def user_labels(labels: dict[str, str] | None) -> dict[str, str]:
    return {k: v for k, v in (labels or {}).items() if not k.startswith(OWN_PREFIXES)}


class Normalizer:
    def __init__(self, project: str, containers: list[dict[str, Any]]) -> None:
        self.project = project
        self.ids = {c["Id"]: c["Name"].lstrip("/").replace(project, "<P>") for c in containers}

    def text(self, value: str) -> str:
        for full, name in self.ids.items():
            if value == full or (len(value) >= 12 and full.startswith(value)):
                return f"<id:{name}>"
            value = value.replace(full, f"<id:{name}>")
        if _HEX64.match(value):
            return "<anonymous>"
        return value.replace(self.project, "<P>")

    def obj(self, value: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self(value)
        return result

    def __call__(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self(v) for v in value]
        if isinstance(value, dict):
            return {self.text(k): self(v) for k, v in value.items()}
        return value


def _container(c: dict[str, Any], norm: Normalizer) -> dict[str, Any]:
    cfg, host = c["Config"], c["HostConfig"]
    networks = {}
    for name, endpoint in (c["NetworkSettings"]["Networks"] or {}).items():
        aliases = [norm.text(a) for a in endpoint.get("Aliases") or []]
        ipam = endpoint.get("IPAMConfig") or {}
        networks[norm.text(name)] = {
            "Aliases": sorted(a for a in aliases if not a.startswith("<id:")),
            "IPv4Address": ipam.get("IPv4Address") or None,
            # the engine keeps them in the order sent; only the set means anything
            "Links": sorted(norm.text(link) for link in endpoint.get("Links") or []),
        }
    mounts = sorted(
        (
            {
                "Type": m.get("Type"),
                "Destination": m.get("Destination"),
                "RW": m.get("RW"),
                "Propagation": m.get("Propagation"),
                "Source": norm.text(m.get("Name") or m.get("Source") or ""),
                "Driver": m.get("Driver"),
            }
            for m in c.get("Mounts") or []
        ),
        key=lambda m: str(m["Destination"]),
    )
    host_mounts = {
        m["Target"]: {k: v for k, v in m.items() if k not in ("Target", "Source")}
        for m in host.get("Mounts") or []
        if m.get("Type") == "tmpfs"
    }
    return norm.obj(
        {
            "Image": cfg.get("Image"),
            "ImageId": c.get("Image"),
            "Cmd": cfg.get("Cmd"),
            "Entrypoint": cfg.get("Entrypoint"),
            "Env": sorted(cfg.get("Env") or []),
            "User": cfg.get("User"),
            "WorkingDir": cfg.get("WorkingDir"),
            "Hostname": cfg.get("Hostname"),
            "Domainname": cfg.get("Domainname"),
            "Labels": user_labels(cfg.get("Labels")),
            "ExposedPorts": sorted(cfg.get("ExposedPorts") or {}),
            "PortBindings": {
                k: sorted((b.get("HostIp", ""), b.get("HostPort", "")) for b in v or [])
                for k, v in (host.get("PortBindings") or {}).items()
            },
            "Mounts": mounts,
            "TmpfsMounts": host_mounts,
            "Tmpfs": host.get("Tmpfs"),
            "Networks": networks,
            "Healthcheck": cfg.get("Healthcheck"),
            "RestartPolicy": host.get("RestartPolicy"),
            "Init": host.get("Init"),
            "CapAdd": sorted(host.get("CapAdd") or []),
            "CapDrop": sorted(host.get("CapDrop") or []),
            "Privileged": host.get("Privileged"),
            "ReadonlyRootfs": host.get("ReadonlyRootfs"),
            "SecurityOpt": host.get("SecurityOpt"),
            "Devices": host.get("Devices"),
            "PidMode": host.get("PidMode"),
            "IpcMode": host.get("IpcMode"),
            "NetworkMode": host.get("NetworkMode"),
            "UsernsMode": host.get("UsernsMode"),
            "ShmSize": host.get("ShmSize"),
            "Memory": host.get("Memory"),
            "NanoCpus": host.get("NanoCpus"),
            "PidsLimit": host.get("PidsLimit"),
            # Compose iterates a Go map: its order is random
            "Ulimits": sorted(host.get("Ulimits") or [], key=lambda u: str(u.get("Name"))),
            "Sysctls": host.get("Sysctls"),
            "ExtraHosts": sorted(host.get("ExtraHosts") or []),
            "Dns": host.get("Dns"),
            "StopSignal": cfg.get("StopSignal"),
            "StopTimeout": cfg.get("StopTimeout"),
            "LogConfig": host.get("LogConfig"),
            "Tty": cfg.get("Tty"),
            "MacAddress": cfg.get("MacAddress"),
            "Runtime": host.get("Runtime"),
            "VolumesFrom": host.get("VolumesFrom"),
            "HostLinks": host.get("Links"),
            "MemoryReservation": host.get("MemoryReservation"),
            "DeviceRequests": host.get("DeviceRequests"),
            "OpenStdin": cfg.get("OpenStdin"),
            "State": c["State"]["Status"],
            "ExitCode": c["State"]["ExitCode"],
        }
    )


def _network(n: dict[str, Any], norm: Normalizer, subnets: set[str]) -> dict[str, Any]:
    ipam = n.get("IPAM") or {}
    config = [  # a subnet the file did not ask for comes from the engine's pools: it varies
        {k: v for k, v in entry.items() if v} if entry.get("Subnet") in subnets else "<auto>"
        for entry in ipam.get("Config") or []
    ]
    return norm.obj(
        {
            "Driver": n.get("Driver"),
            "Internal": n.get("Internal"),
            "Attachable": n.get("Attachable"),
            "EnableIPv6": n.get("EnableIPv6"),
            "Options": n.get("Options") or {},
            "IPAM": {"Driver": ipam.get("Driver"), "Config": config},
            "Labels": user_labels(n.get("Labels")),
        }
    )


def _volume(v: dict[str, Any], norm: Normalizer) -> dict[str, Any]:
    return norm.obj(
        {
            "Driver": v.get("Driver"),
            "Options": v.get("Options") or {},
            "Labels": user_labels(v.get("Labels")),
        }
    )


def snapshot(project: str, subnets: set[str]) -> dict[str, Any]:
    """``subnets``: the ones the file sets (any other was picked by the engine)."""
    containers = _inspect("container", _ls("container", project))
    norm = Normalizer(project, containers)
    networks = _inspect("network", _ls("network", project))
    volume_names = set(_ls("volume", project))
    for c in containers:  # anonymous volumes carry no project label on every Compose version
        for m in c.get("Mounts") or []:
            if m.get("Type") == "volume" and _HEX64.match(m.get("Name") or ""):
                volume_names.add(m["Name"])
    volumes = _inspect("volume", sorted(volume_names))
    named = [v for v in volumes if not _HEX64.match(v["Name"])]
    return {
        "containers": {norm.text(c["Name"].lstrip("/")): _container(c, norm) for c in containers},
        "networks": {norm.text(n["Name"]): _network(n, norm, subnets) for n in networks},
        "volumes": {norm.text(v["Name"]): _volume(v, norm) for v in named},
        "anonymous": len(volumes) - len(named),
        "_anonymous": sorted(v["Name"] for v in volumes if _HEX64.match(v["Name"])),
        "_own_labels": {
            norm.text(c["Name"].lstrip("/")): {
                k: v for k, v in (c["Config"]["Labels"] or {}).items() if k.startswith(OWN_PREFIXES)
            }
            for c in containers
        },
    }


def diff(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Every difference between Compose's view (expected) and ours (actual)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        lines = []
        for key in sorted(set(expected) | set(actual), key=str):
            if str(key).startswith("_"):
                continue
            sub = f"{path}.{key}" if path else str(key)
            if key not in actual:
                lines.append(f"{sub}: only in compose ({expected[key]!r})")
            elif key not in expected:
                lines.append(f"{sub}: only in ours ({actual[key]!r})")
            else:
                lines.extend(diff(expected[key], actual[key], sub))
        return lines
    if expected != actual:
        return [f"{path}: compose={expected!r} ours={actual!r}"]
    return []
