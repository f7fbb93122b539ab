"""A normalized service → the Engine API's create-container parameters. Pure data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core_monitor.domain.compose import (
    ComposeProject,
    DeviceReservation,
    InjectedFile,
    MountSpec,
    ServiceSpec,
)
from core_monitor.domain.project_dir import DEFAULT_PLACES, HostPlaces
from core_monitor.engine import labels as lbl


@dataclass(frozen=True)
class Endpoint:
    network: str  # engine name of the network
    aliases: list[str]
    ipv4_address: str | None = None
    ipv6_address: str | None = None
    links: list[tuple[str, str]] = field(default_factory=list)  # (container, alias)


@dataclass(frozen=True)
class ContainerConfig:
    create: dict[str, Any]  # create_container keyword arguments (without host_config)
    host: dict[str, Any]  # create_host_config keyword arguments
    endpoints: list[Endpoint] = field(default_factory=list)  # first one at create time
    # secrets and configs written into the created container before it starts
    files: list[InjectedFile] = field(default_factory=list)


def container_name(project: str, service: str, spec: ServiceSpec, number: int) -> str:
    return lbl.container_name(project, service, number, spec.container_name)


def build(
    project: ComposeProject,
    service: str,
    labels: dict[str, str],
    *,
    network_mode_container: str | None = None,
    engine_api: tuple[int, int] = (1, 41),
    number: int = 1,
    peers: Mapping[str, str] | None = None,
    places: HostPlaces = DEFAULT_PLACES,
) -> ContainerConfig:
    """``peers``: service → the container id a `service:x` network/pid/ipc mode joins
    (``network_mode_container``: the one for network_mode, kept for callers that only know
    that); ``number`` the replica's container number; ``places``: where relative and ``~``
    bind sources lead on the engine's host."""
    spec = project.services[service]
    peers = dict(peers or {})
    mode = spec.network_mode or ""
    if network_mode_container and mode.startswith("service:"):
        peers.setdefault(mode[8:], network_mode_container)
    create: dict[str, Any] = {
        "image": spec.image,
        "command": spec.command,
        "entrypoint": spec.entrypoint,
        # a variable without a value goes through bare, as Compose sends it
        "environment": [k if v is None else f"{k}={v}" for k, v in spec.environment.items()],
        "labels": {**spec.labels, **labels},
        "user": spec.user,
        "working_dir": spec.working_dir,
        "hostname": spec.hostname,
        "domainname": spec.domainname,
        "stop_signal": spec.stop_signal,
        "tty": spec.tty,
        "stdin_open": spec.stdin_open,
        "ports": _exposed(spec),
        "healthcheck": _healthcheck(spec, engine_api),
        "platform": spec.platform,
        "mac_address": spec.mac_address,
    }
    if spec.stop_grace_period is not None:
        create["stop_timeout"] = spec.stop_grace_period // 1_000_000_000
    create = {k: v for k, v in create.items() if v is not None}
    endpoints = _endpoints(
        project, service, spec, container_name(project.name, service, spec, number), number
    )

    def source(mount: MountSpec) -> str:
        return places.host_source(project.name, mount.source or "")

    host: dict[str, Any] = {
        "port_bindings": _port_bindings(spec),
        "restart_policy": _restart(spec.restart),
        "init": spec.init,
        "cap_add": _capabilities(spec.cap_add),
        "cap_drop": _capabilities(spec.cap_drop),
        "privileged": spec.privileged,
        "read_only": spec.read_only,
        "pid_mode": _join(spec.pid, peers),
        "ipc_mode": _join(spec.ipc, peers),
        "userns_mode": spec.userns_mode,
        "devices": spec.devices or None,
        "security_opt": spec.security_opt or None,
        "shm_size": spec.shm_size,
        "mem_limit": spec.limits.memory or spec.mem_limit,
        "mem_reservation": spec.reservations.memory,
        "device_requests": _device_requests(spec) or None,
        "runtime": spec.runtime,
        "volumes_from": _volumes_from(spec.volumes_from, peers) or None,
        "nano_cpus": _nano_cpus(spec),
        "pids_limit": spec.limits.pids if spec.limits.pids is not None else spec.pids_limit,
        "ulimits": [
            {"Name": k, "Soft": u.soft, "Hard": u.hard} for k, u in sorted(spec.ulimits.items())
        ]
        or None,
        "sysctls": spec.sysctls or None,
        "extra_hosts": [h.replace("=", ":", 1) for h in spec.extra_hosts] or None,
        "dns": spec.dns or None,
        "log_config": {"Type": spec.logging.driver or "", "Config": spec.logging.options}
        if spec.logging
        else None,
        "tmpfs": _tmpfs(spec.tmpfs) or None,
        "binds": [_bind(m, source(m)) for m in spec.volumes if _is_legacy_bind(m)] or None,
        "mounts": [_mount(project, m, source(m)) for m in spec.volumes if not _is_legacy_bind(m)]
        or None,
        "network_mode": _network_mode(spec, endpoints, peers),
    }
    return ContainerConfig(
        create,
        {k: v for k, v in host.items() if v is not None},
        endpoints,
        list(spec.injected_files),
    )


def engine_problem(spec: ServiceSpec, engine_api: tuple[int, int]) -> str | None:
    """What of ``spec`` this engine cannot honour, refused as Compose refuses it (never
    dropped silently)."""
    if spec.healthcheck and spec.healthcheck.start_interval is not None and engine_api < (1, 44):
        return (
            "healthcheck.start_interval needs Docker Engine 25 or later (API 1.44); "
            f"this engine speaks API {engine_api[0]}.{engine_api[1]}"
        )
    return None


def _exposed(spec: ServiceSpec) -> dict[str, dict[str, Any]] | None:
    """ExposedPorts as Compose writes them: `port/protocol` for each published port, each
    `expose` entry verbatim ("9000", "9100-9101", "9001/udp"). A mapping, which docker-py
    sends as is (a list would get `/tcp` appended)."""
    exposed = {f"{p.target}/{p.protocol}" for p in spec.ports} | set(spec.expose)
    return {key: {} for key in sorted(exposed)} or None


def _port_bindings(spec: ServiceSpec) -> dict[str, list[tuple[str, str]]] | None:
    bindings: dict[str, list[tuple[str, str]]] = {}
    for port in spec.ports:
        key = f"{port.target}/{port.protocol}"
        bindings.setdefault(key, []).append((port.host_ip or "", port.published or ""))
    return bindings or None


def _capabilities(names: list[str]) -> list[str] | None:
    """Compose sends canonical names: CAP_ prefixed and upper case, except ALL."""
    result = []
    for name in names:
        upper = name.upper()
        result.append(upper if upper == "ALL" or upper.startswith("CAP_") else f"CAP_{upper}")
    return result or None


def _restart(policy: str) -> dict[str, Any]:
    name, _, retries = policy.partition(":")
    return {"Name": name, "MaximumRetryCount": int(retries or 0)}


def _nano_cpus(spec: ServiceSpec) -> int | None:
    cpus = spec.limits.cpus if spec.limits.cpus is not None else spec.cpus
    return int(cpus * 1_000_000_000) if cpus else None


def _healthcheck(spec: ServiceSpec, engine_api: tuple[int, int]) -> dict[str, Any] | None:
    check = spec.healthcheck
    if check is None:
        return None
    if check.disable:
        return {"test": ["NONE"]}
    result: dict[str, Any] = {
        "test": check.test,
        "interval": check.interval,
        "timeout": check.timeout,
        "retries": check.retries,
        "start_period": check.start_period,
    }
    if check.start_interval is not None and engine_api >= (1, 44):
        result["start_interval"] = check.start_interval
    return {k: v for k, v in result.items() if v is not None}


def _tmpfs(entries: list[str]) -> dict[str, str]:
    result = {}
    for entry in entries:
        path, _, options = entry.partition(":")
        result[path] = options
    return result


def _is_legacy_bind(mount: MountSpec) -> bool:
    # Short-syntax binds create a missing host path; only the legacy Binds field does that.
    return (
        mount.type == "bind" and bool(mount.bind_create_host_path) and not (mount.bind_propagation)
    )


def _bind(mount: MountSpec, source: str) -> str:
    return f"{source}:{mount.target}:{'ro' if mount.read_only else 'rw'}"


def _mount(project: ComposeProject, mount: MountSpec, source: str) -> dict[str, Any]:
    result: dict[str, Any] = {
        "Target": mount.target,
        "Type": mount.type,
        "ReadOnly": mount.read_only,
    }
    if mount.type == "volume":
        if mount.source:
            result["Source"] = project.volumes[mount.source].name
        if mount.volume_nocopy:
            result["VolumeOptions"] = {"NoCopy": True}
    elif mount.type == "bind":
        result["Source"] = source
        if mount.bind_propagation:
            result["BindOptions"] = {"Propagation": mount.bind_propagation}
    else:
        options: dict[str, int] = {}
        if mount.tmpfs_size is not None:
            options["SizeBytes"] = mount.tmpfs_size
        if mount.tmpfs_mode is not None:
            options["Mode"] = mount.tmpfs_mode
        if options:
            result["TmpfsOptions"] = options
    return result


def _endpoints(
    project: ComposeProject, service: str, spec: ServiceSpec, name: str, number: int
) -> list[Endpoint]:
    if spec.network_mode:
        return []
    links = _links(project, spec, number)
    ordered = sorted(spec.networks.items(), key=lambda kv: (-(kv[1].priority or 0), kv[0]))
    return [
        Endpoint(
            network=project.networks[key].name,
            # Compose's order: the container's name, the service, then the declared aliases
            aliases=list(dict.fromkeys([name, service, *attachment.aliases])),
            ipv4_address=attachment.ipv4_address,
            ipv6_address=attachment.ipv6_address,
            links=links,
        )
        for key, attachment in ordered
    ]


def _links(project: ComposeProject, spec: ServiceSpec, number: int) -> list[tuple[str, str]]:
    """Compose's endpoint links: for each container of a linked service, its alias, then
    `<service>-<n>` and `<project>-<service>-<n>` (n: the linking container's number, as
    Compose writes it); then the external links as given."""
    links: list[tuple[str, str]] = []
    for link in spec.links:
        peer, _, alias = link.partition(":")
        peer_spec = project.services[peer]
        for peer_number in range(1, peer_spec.replicas + 1):
            peer_name = container_name(project.name, peer, peer_spec, peer_number)
            links += [
                (peer_name, alias or peer),
                (peer_name, f"{peer}-{number}"),
                (peer_name, f"{project.name}-{peer}-{number}"),
            ]
    for link in spec.external_links:
        target, _, alias = link.partition(":")
        links.append((target, alias or target))
    return links


def _volumes_from(entries: list[str], peers: Mapping[str, str]) -> list[str]:
    """`service[:mode]` → `<id of its first container>[:mode]` (Compose sends the id);
    `container:name[:mode]` → `name[:mode]`. A service with no container yet is left out
    (as for network_mode: the create order puts it first)."""
    result = []
    for entry in entries:
        if entry.startswith("container:"):
            result.append(entry.removeprefix("container:"))
            continue
        service, sep, mode = entry.partition(":")
        peer = peers.get(service)
        if peer:
            result.append(f"{peer}{sep}{mode}")
    return result


def _device_requests(spec: ServiceSpec) -> list[dict[str, Any]]:
    """deploy.resources.reservations.devices → the Engine API's DeviceRequests, as Compose
    maps them (a count of none and no ids: all devices)."""
    return [
        {
            "Driver": device.driver or "",
            "Count": _device_count(device),
            "DeviceIDs": device.device_ids or None,
            "Capabilities": [device.capabilities] if device.capabilities else None,
            "Options": device.options or None,
        }
        for device in spec.reservations.devices
    ]


def _device_count(device: DeviceReservation) -> int:
    if device.count is not None:
        return device.count
    return 0 if device.device_ids else -1  # neither: every device, as Compose reads it


def _join(mode: str | None, peers: Mapping[str, str]) -> str | None:
    """`service:x` → `container:<id of x's first container>`, as Compose does."""
    if mode and mode.startswith("service:"):
        peer = peers.get(mode[8:])
        return f"container:{peer}" if peer else None
    return mode


def _network_mode(
    spec: ServiceSpec, endpoints: list[Endpoint], peers: Mapping[str, str]
) -> str | None:
    if spec.network_mode:
        return _join(spec.network_mode, peers)
    return endpoints[0].network if endpoints else None
