"""Adoption's verification: does a running container already match what we would create?

Pure: compares the create request we would send (rendered to the Engine API's Config and
HostConfig, see ``engine/docker/render.py``) with the container's ``docker inspect``,
taking the image's defaults into account the way the engine merges them at create time
(Env over the image's, Cmd/Entrypoint/WorkingDir/User/Healthcheck from the image when
unset, ExposedPorts and Labels added to the image's). Compose writes named volumes as
Binds where we write Mounts: both read as one list of (source, target, read-only).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core_monitor.engine import labels as lbl


@dataclass(frozen=True)
class RenderedRequest:
    """Our create request as the engine receives it."""

    config: dict[str, Any]  # Engine API Config
    host: dict[str, Any]  # Engine API HostConfig
    networks: dict[str, list[str]] = field(default_factory=dict)  # engine name → aliases
    image_id: str | None = None  # the id our image reference names here


@dataclass(frozen=True)
class Difference:
    """One field where the running container is not what we would create."""

    field: str
    ours: Any
    theirs: Any


# HostConfig keys read as one field elsewhere, or that Compose and we fill differently
# without any effect on the container (the engine's defaults)
_HOST_HANDLED = {"PortBindings", "RestartPolicy", "Binds", "Mounts", "NetworkMode", "LogConfig"}
# compared whether we set them or not: unset reads as empty on both sides, so a setting
# made by hand on the container (a capability, a read-only root) is a difference
_HOST_BOTH_WAYS = (
    *("CapAdd", "CapDrop", "Privileged", "ReadonlyRootfs", "Init", "ExtraHosts", "Dns"),
    *("SecurityOpt", "Tmpfs", "Sysctls", "Devices", "Memory", "NanoCpus", "PidsLimit"),
    "Ulimits",
)
_CONFIG_WHEN_OURS = ("Hostname", "Domainname", "StopSignal", "Tty", "OpenStdin", "StopTimeout")


def compare(
    ours: RenderedRequest, inspect: Mapping[str, Any], image: Mapping[str, Any]
) -> list[Difference]:
    """Every difference between ``ours`` and the container ``inspect`` (empty: it matches);
    ``image``: the image's inspect ``Config``."""
    theirs = inspect.get("Config") or {}
    host = inspect.get("HostConfig") or {}
    found: list[Difference] = []
    if ours.image_id and inspect.get("Image") != ours.image_id:
        found.append(Difference("image", ours.image_id, inspect.get("Image")))
    found += _config(ours.config, theirs, image)
    found += _host(ours.host, host)
    found += _networks(ours.networks, inspect)
    return found


def _config(
    ours: Mapping[str, Any], theirs: Mapping[str, Any], image: Mapping[str, Any]
) -> list[Difference]:
    found: list[Difference] = []
    found += _env(ours.get("Env") or [], theirs.get("Env") or [], image.get("Env") or [])
    entrypoint = ours.get("Entrypoint")
    # the engine's merge: an entrypoint of ours drops the image's command
    command = ours.get("Cmd") or (None if entrypoint else image.get("Cmd"))
    expected = {
        "Cmd": command,
        "Entrypoint": entrypoint or image.get("Entrypoint"),
        "WorkingDir": ours.get("WorkingDir") or image.get("WorkingDir"),
        "User": ours.get("User") or image.get("User"),
        "Healthcheck": _healthcheck(ours.get("Healthcheck") or image.get("Healthcheck")),
        "ExposedPorts": _exposed(image.get("ExposedPorts"), ours.get("ExposedPorts")),
    }
    seen = {
        "Cmd": theirs.get("Cmd"),
        "Entrypoint": theirs.get("Entrypoint"),
        "WorkingDir": theirs.get("WorkingDir"),
        "User": theirs.get("User"),
        "Healthcheck": _healthcheck(theirs.get("Healthcheck")),
        "ExposedPorts": _exposed(theirs.get("ExposedPorts")),
    }
    for key in _CONFIG_WHEN_OURS:
        if ours.get(key) is not None:  # unset: the engine's own (a hostname: the id)
            expected[key], seen[key] = ours[key], theirs.get(key)
    found += [
        Difference(k, expected[k], seen[k]) for k in expected if not _same(expected[k], seen[k])
    ]
    found += _labels(
        ours.get("Labels") or {}, theirs.get("Labels") or {}, image.get("Labels") or {}
    )
    return found


def _exposed(*found: Mapping[str, Any] | None) -> list[str]:
    """Exposed ports, ``9000`` read as ``9000/tcp`` (the engine's reading of it)."""
    return sorted({key if "/" in key else f"{key}/tcp" for ports in found for key in ports or {}})


def _env(ours: list[str], theirs: list[str], image: list[str]) -> list[Difference]:
    expected = {**_env_map(image), **_env_map(ours)}
    seen = _env_map(theirs)
    return [
        Difference(f"environment.{key}", expected.get(key), seen.get(key))
        for key in sorted(expected.keys() | seen.keys())
        if expected.get(key) != seen.get(key)
    ]


def _env_map(entries: list[str]) -> dict[str, str]:
    """``KEY=VALUE`` entries; a bare ``KEY`` sets nothing in the container."""
    return dict(e.split("=", 1) for e in entries if "=" in e)


def _labels(
    ours: Mapping[str, str], theirs: Mapping[str, str], image: Mapping[str, str]
) -> list[Difference]:
    expected = _user_labels({**image, **ours})
    seen = _user_labels(theirs)
    return [
        Difference(f"labels.{key}", expected.get(key), seen.get(key))
        for key in sorted(expected.keys() | seen.keys())
        if expected.get(key) != seen.get(key)
    ]


def _user_labels(labels: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in labels.items() if not k.startswith(lbl.OWNERSHIP_PREFIXES)}


def _healthcheck(check: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Zero durations and counts are the engine's defaults: left out."""
    if not check:
        return None
    return {k: v for k, v in check.items() if v not in (None, 0, "", [])}


def _host(ours: Mapping[str, Any], theirs: Mapping[str, Any]) -> list[Difference]:
    expected: dict[str, Any] = {
        "ports": _bindings(ours.get("PortBindings")),
        "restart": _restart(ours.get("RestartPolicy")),
        "volumes": _mounts(ours),
        "network_mode": ours.get("NetworkMode") or "default",
    }
    seen: dict[str, Any] = {
        "ports": _bindings(theirs.get("PortBindings")),
        "restart": _restart(theirs.get("RestartPolicy")),
        "volumes": _mounts(theirs),
        "network_mode": theirs.get("NetworkMode") or "default",
    }
    if ours.get("LogConfig"):
        expected["logging"], seen["logging"] = ours["LogConfig"], theirs.get("LogConfig")
    for key in dict.fromkeys([*ours, *_HOST_BOTH_WAYS]):
        if key not in _HOST_HANDLED:
            expected[key], seen[key] = ours.get(key), theirs.get(key)
    return [
        Difference(k, expected[k], seen[k]) for k in expected if not _same(expected[k], seen[k])
    ]


def _bindings(found: Mapping[str, Any] | None) -> dict[str, list[list[str]]]:
    return {
        port: sorted([b.get("HostIp") or "", b.get("HostPort") or ""] for b in (bound or []))
        for port, bound in sorted((found or {}).items())
    }


def _restart(policy: Mapping[str, Any] | None) -> list[Any]:
    policy = policy or {}
    return [policy.get("Name") or "no", policy.get("MaximumRetryCount") or 0]


def _mounts(host: Mapping[str, Any]) -> list[list[Any]]:
    """Binds and Mounts as (source, target, read-only): Compose binds named volumes."""
    found: list[list[Any]] = []
    for bind in host.get("Binds") or []:
        source, target, *rest = bind.split(":")
        found.append([source, target, "ro" in (rest[0].split(",") if rest else [])])
    for mount in host.get("Mounts") or []:
        found.append([mount.get("Source") or "", mount.get("Target"), bool(mount.get("ReadOnly"))])
    return sorted(found)


def _networks(ours: Mapping[str, list[str]], inspect: Mapping[str, Any]) -> list[Difference]:
    joined = (inspect.get("NetworkSettings") or {}).get("Networks") or {}
    if not ours:
        return []
    found: list[Difference] = []
    if sorted(ours) != sorted(joined):
        found.append(Difference("networks", sorted(ours), sorted(joined)))
    for name, aliases in sorted(ours.items()):
        endpoint = joined.get(name) or {}
        theirs = set(endpoint.get("Aliases") or []) | set(endpoint.get("DNSNames") or [])
        if name in joined and not set(aliases) <= theirs:
            found.append(Difference(f"networks.{name}.aliases", sorted(aliases), sorted(theirs)))
    return found


def _same(ours: Any, theirs: Any) -> bool:
    """Equal, an unset value and an empty one being the same."""
    if not ours and not theirs:
        return True
    return bool(ours == theirs)
