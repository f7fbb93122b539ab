"""The policy judged on the requests Core Monitor sends to the engine. Pure.

What is judged is the container create request itself (the Engine API's ``HostConfig`` as sent,
and every network the container joins), after interpolation and normalization, so no syntax
of the definition can say something the check does not see. It is an allow-list: a
``HostConfig`` key this module does not know is a violation, as is anything beyond Docker's
confined defaults. The same functions run at version creation, on the requests the definition
would produce, and right before each create, on the request about to be sent, with what the
engine then knows (who owns a volume, where a bind source's links lead).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from core_monitor.domain.host_access import StackScope, bind_violations, owned_elsewhere
from core_monitor.domain.policy import Policy, Violation

DEFAULT_CAPABILITIES = frozenset(
    "CAP_" + name
    for name in [
        "CHOWN",
        "DAC_OVERRIDE",
        "FSETID",
        "FOWNER",
        "MKNOD",
        "NET_RAW",
        "SETGID",
        "SETUID",
        "SETFCAP",
        "SETPCAP",
        "NET_BIND_SERVICE",
        "SYS_CHROOT",
        "KILL",
        "AUDIT_WRITE",
    ]
)
# namespaced, and harmless to the host (Kubernetes' safe set, plus somaxconn)
SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.core.somaxconn",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.ping_group_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_rmem",
        "net.ipv4.tcp_wmem",
    }
)
LOCAL_LOG_DRIVERS = frozenset({"", "json-file", "local", "none"})
SAFE_SECURITY_OPTIONS = frozenset({"no-new-privileges", "no-new-privileges:true"})
# HostConfig keys that cannot reach the host beyond what Docker confines by default
HARMLESS_KEYS = frozenset(
    [
        "PortBindings",
        "PublishAllPorts",
        "RestartPolicy",
        "AutoRemove",
        "Init",
        "ReadonlyRootfs",
        "CapDrop",
        "ShmSize",
        "Memory",
        "MemorySwap",
        "MemoryReservation",
        "MemorySwappiness",
        "NanoCpus",
        "CpuShares",
        "CpuPeriod",
        "CpuQuota",
        "CpusetCpus",
        "CpusetMems",
        "PidsLimit",
        "Ulimits",
        "ExtraHosts",
        "Dns",
        "DnsOptions",
        "DnsSearch",
        "Tmpfs",
        "GroupAdd",
        "ConsoleSize",
        "BlkioWeight",
        "OomScoreAdj",
    ]
)
NAMESPACES = {
    "PidMode": "pid",
    "IpcMode": "ipc",
    "UTSMode": "uts",
    "UsernsMode": "userns_mode",
    "CgroupnsMode": "cgroup",
}
PREDEFINED_NETWORKS = frozenset({"bridge", "default", "none", ""})


@dataclass(frozen=True)
class ContainerRequest:
    """One container create: its HostConfig as sent, the networks it joins, the containers its
    endpoints link to (``links``/``external_links``: Compose puts them on the endpoints, not
    in HostConfig.Links), and for messages where each mount came from (target → index in the
    service's ``volumes``)."""

    service: str
    host_config: Mapping[str, Any]
    networks: Sequence[str] = ()
    links: Sequence[str] = ()
    volume_fields: Mapping[str, int] = field(default_factory=dict)

    def at(self, key: str) -> str:
        return f"services.{self.service}.{key}"


def check_container(
    request: ContainerRequest, scope: StackScope, policy: Policy
) -> list[Violation]:
    """Every rule ``request`` breaks (enabled or not: the caller filters with ``breaking``)."""
    host = request.host_config
    found: list[Violation] = []
    for check in _CHECKS:
        found.extend(check(request, host, scope, policy))
    known = HARMLESS_KEYS | set(_KEYS_CHECKED)
    for key in sorted(set(host) - known):
        if host[key] not in (None, "", [], {}, False, 0):
            found.append(
                Violation(
                    "runtime",
                    request.at(f"(HostConfig.{key})"),
                    f"HostConfig.{key} is not on the policy's allow-list",
                )
            )
    return found


def _privileged(
    request: ContainerRequest, host: Mapping[str, Any], scope: StackScope, policy: Policy
) -> Iterator[Violation]:
    if host.get("Privileged"):
        yield Violation("privileged", request.at("privileged"), "privileged containers")


def _namespaces(
    request: ContainerRequest, host: Mapping[str, Any], scope: StackScope, policy: Policy
) -> Iterator[Violation]:
    for key, name in (("NetworkMode", "network_mode"), *NAMESPACES.items()):
        mode = str(host.get(key) or "")
        if mode == "host":
            yield Violation("host_namespaces", request.at(name), f"{name}: host")
        elif mode.startswith("container:"):
            yield from _join(request, scope, name, mode.removeprefix("container:"))
    for i, entry in enumerate(host.get("VolumesFrom") or []):
        ref = str(entry).split(":")[0]
        yield from _join(request, scope, f"volumes_from[{i}]", ref)
    for i, entry in enumerate(host.get("Links") or []):
        yield from _join(request, scope, f"links[{i}]", str(entry).split(":")[0].lstrip("/"))
    for linked in request.links:
        yield from _join(request, scope, "links", linked)


def _join(request: ContainerRequest, scope: StackScope, name: str, ref: str) -> Iterator[Violation]:
    if ref not in scope.containers:
        yield Violation(
            "foreign_resources",
            request.at(name),
            f"container {ref!r} is not one of stack {scope.project!r}'s containers",
        )


def _networks(
    request: ContainerRequest, host: Mapping[str, Any], scope: StackScope, policy: Policy
) -> Iterator[Violation]:
    mode = str(host.get("NetworkMode") or "")
    joined = list(request.networks)
    if mode and mode != "host" and not mode.startswith("container:") and mode not in joined:
        joined.insert(0, mode)
    for name in joined:
        if name == "host":
            yield Violation("host_namespaces", request.at("networks"), "the engine's host network")
        elif name not in PREDEFINED_NETWORKS:
            yield from owned_elsewhere(request.at("networks"), scope, "network", name)


def _mounts(
    request: ContainerRequest, host: Mapping[str, Any], scope: StackScope, policy: Policy
) -> Iterator[Violation]:
    for entry in host.get("Binds") or []:
        source, _, rest = str(entry).partition(":")
        target, _, mode = rest.partition(":")
        at = _mount_at(request, target)
        if source.startswith("/"):
            writable = "ro" not in mode.split(",")
            yield from bind_violations(at, source, scope, policy, writable=writable)
        else:
            yield from owned_elsewhere(at, scope, "volume", source)
    for mount in host.get("Mounts") or []:
        yield from _mount(request, dict(mount), scope, policy)
    if host.get("VolumeDriver") not in (None, "", "local"):
        yield Violation(
            "volume_drivers", request.at("volume_driver"), f"volume driver {host['VolumeDriver']}"
        )


def _mount(
    request: ContainerRequest, mount: dict[str, Any], scope: StackScope, policy: Policy
) -> Iterator[Violation]:
    at = _mount_at(request, str(mount.get("Target") or ""))
    kind, source = mount.get("Type"), str(mount.get("Source") or "")
    if kind == "bind":
        writable = not mount.get("ReadOnly")
        yield from bind_violations(at, source, scope, policy, writable=writable)
    elif kind == "volume":
        driver = (mount.get("VolumeOptions") or {}).get("DriverConfig")
        if driver:
            yield Violation("volume_drivers", at, f"a volume driver configuration ({driver})")
        if source:
            yield from owned_elsewhere(at, scope, "volume", source)
    elif kind != "tmpfs":
        yield Violation("volume_drivers", at, f"a mount of type {kind!r}")


def _mount_at(request: ContainerRequest, target: str) -> str:
    index = request.volume_fields.get(target)
    return request.at(f"volumes[{index}].source" if index is not None else f"volumes ({target})")


def _capabilities(
    request: ContainerRequest, host: Mapping[str, Any], scope: StackScope, policy: Policy
) -> Iterator[Violation]:
    for i, cap in enumerate(host.get("CapAdd") or []):
        upper = str(cap).upper()
        if ("CAP_" + upper.removeprefix("CAP_")) not in DEFAULT_CAPABILITIES:
            yield Violation(
                "capabilities", request.at(f"cap_add[{i}]"), f"capability {cap} is not default"
            )


def _security(
    request: ContainerRequest, host: Mapping[str, Any], scope: StackScope, policy: Policy
) -> Iterator[Violation]:
    for i, option in enumerate(host.get("SecurityOpt") or []):
        said = "".join(str(option).split()).lower().replace("=", ":")
        if said not in SAFE_SECURITY_OPTIONS:
            yield Violation(
                "security_options",
                request.at(f"security_opt[{i}]"),
                f"{option!r}: only no-new-privileges is allowed",
            )


def _devices(
    request: ContainerRequest, host: Mapping[str, Any], scope: StackScope, policy: Policy
) -> Iterator[Violation]:
    for i, device in enumerate(host.get("Devices") or []):
        path = device.get("PathOnHost") if isinstance(device, Mapping) else str(device)
        yield Violation("devices", request.at(f"devices[{i}]"), f"host device {path!r}")
    for key, name in (("DeviceRequests", "device requests"), ("DeviceCgroupRules", "rules")):
        if host.get(key):
            yield Violation("devices", request.at(f"({key})"), f"device {name}")


def _sysctls(
    request: ContainerRequest, host: Mapping[str, Any], scope: StackScope, policy: Policy
) -> Iterator[Violation]:
    for key in sorted(host.get("Sysctls") or {}):
        if key not in SAFE_SYSCTLS:
            yield Violation(
                "sysctls", request.at(f"sysctls.{key}"), f"sysctl {key} is not in the safe set"
            )


def _logging(
    request: ContainerRequest, host: Mapping[str, Any], scope: StackScope, policy: Policy
) -> Iterator[Violation]:
    driver = str((host.get("LogConfig") or {}).get("Type") or "")
    if driver not in LOCAL_LOG_DRIVERS:
        yield Violation(
            "log_drivers", request.at("logging.driver"), f"log driver {driver!r} is not local"
        )


def _runtime(
    request: ContainerRequest, host: Mapping[str, Any], scope: StackScope, policy: Policy
) -> Iterator[Violation]:
    if host.get("Runtime") not in (None, "", "runc"):
        yield Violation("runtime", request.at("runtime"), f"runtime {host['Runtime']!r}")
    for key in ("CgroupParent", "StorageOpt", "Cgroup"):
        if host.get(key):
            yield Violation("runtime", request.at(f"({key})"), f"HostConfig.{key} is set")
    for key in ("MaskedPaths", "ReadonlyPaths"):
        if host.get(key) is not None:  # [] unmasks /proc's sensitive files
            yield Violation("runtime", request.at(f"({key})"), f"HostConfig.{key} is overridden")
    if host.get("Isolation") not in (None, "", "default"):
        yield Violation("runtime", request.at("isolation"), f"isolation {host['Isolation']!r}")


_CHECKS = (
    _privileged,
    _namespaces,
    _networks,
    _mounts,
    _capabilities,
    _security,
    _devices,
    _sysctls,
    _logging,
    _runtime,
)
_KEYS_CHECKED = [
    "Privileged",
    "NetworkMode",
    "PidMode",
    "IpcMode",
    "UTSMode",
    "UsernsMode",
    "CgroupnsMode",
    "VolumesFrom",
    "Links",
    "Binds",
    "Mounts",
    "VolumeDriver",
    "CapAdd",
    "SecurityOpt",
    "Devices",
    "DeviceRequests",
    "DeviceCgroupRules",
    "Sysctls",
    "LogConfig",
    "Runtime",
    "CgroupParent",
    "StorageOpt",
    "Cgroup",
    "MaskedPaths",
    "ReadonlyPaths",
    "Isolation",
]
