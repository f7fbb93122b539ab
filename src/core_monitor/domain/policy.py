"""The stack policy: what a definition may not do to the host unless an admin allowed it.

Checked on the interpolated, normalized project (a ``${VAR}`` cannot smuggle ``privileged``
past a check of the raw text), at version creation and again before each container create.
Pure: a policy document and a project in, a list of violations out.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core_monitor.domain.compose import ComposeProject, ServiceSpec

RULES: dict[str, str] = {
    "privileged": "privileged containers (every device, every capability)",
    "host_namespaces": "the host's network, pid, ipc or user namespace",
    "docker_socket": "a bind mount of the Docker socket (root on the host)",
    "sensitive_paths": "a bind mount of a sensitive host path (/, /etc, /proc, /root…)",
    "bind_outside_roots": "a bind mount outside the allowed host roots",
    "devices": "host devices",
    "dangerous_capabilities": "capabilities that escape confinement (SYS_ADMIN, ALL…)",
    "unconfined": "security_opt that turns confinement off (seccomp/apparmor unconfined…)",
}
DOCKER_SOCKETS = ("/var/run/docker.sock", "/run/docker.sock")
UNCONFINED = (
    "seccomp=unconfined",
    "seccomp:unconfined",
    "apparmor=unconfined",
    "apparmor:unconfined",
    "label=disable",
    "label:disable",
    "systempaths=unconfined",
    "no-new-privileges=false",
    "no-new-privileges:false",
)


class RuleSetting(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool = True
    description: str = ""


def _default_rules() -> dict[str, RuleSetting]:
    return {rule: RuleSetting(description=text) for rule, text in RULES.items()}


class Policy(BaseModel):
    """The document admins edit (GET/PUT /policy)."""

    model_config = ConfigDict(extra="forbid")

    rules: dict[str, RuleSetting] = Field(default_factory=_default_rules)
    allowed_bind_roots: list[str] = Field(
        default_factory=lambda: [
            "/srv",
            "/opt",
            "/mnt",
            "/media",
            "/tmp",  # noqa: S108 - a host root binds may come from, not a file we write
            "/var/lib/coremon",
        ],
        max_length=100,
        description="Host directories bind mounts may come from (absolute paths).",
    )
    sensitive_paths: list[str] = Field(
        default_factory=lambda: [
            "/",
            "/etc",
            "/var/run",
            "/run",
            "/proc",
            "/sys",
            "/root",
            "/boot",
            "/dev",
            "/var/lib/docker",
            "/usr",
            "/bin",
            "/sbin",
            "/lib",
            "/home",
        ],
        max_length=100,
        description="Host paths that may be bound by no stack, nor anything below them "
        "(except '/', which only forbids binding the root itself).",
    )
    dangerous_capabilities: list[str] = Field(
        default_factory=lambda: [
            "ALL",
            "SYS_ADMIN",
            "NET_ADMIN",
            "SYS_PTRACE",
            "SYS_MODULE",
            "SYS_RAWIO",
            "SYS_BOOT",
            "SYS_TIME",
            "DAC_READ_SEARCH",
            "BPF",
            "PERFMON",
            "MAC_ADMIN",
            "MAC_OVERRIDE",
        ],
        max_length=100,
    )

    @field_validator("rules")
    @classmethod
    def _known_rules(cls, value: dict[str, RuleSetting]) -> dict[str, RuleSetting]:
        unknown = sorted(set(value) - set(RULES))
        if unknown:
            raise ValueError(f"unknown rule(s) {unknown}; known: {sorted(RULES)}")
        # every rule listed, with its fixed description; a rule left out stays enabled
        return {
            rule: RuleSetting(
                enabled=value[rule].enabled if rule in value else True, description=text
            )
            for rule, text in RULES.items()
        }

    @field_validator("allowed_bind_roots", "sensitive_paths")
    @classmethod
    def _absolute(cls, value: list[str]) -> list[str]:
        bad = [p for p in value if not p.startswith("/") or len(p) > 500]
        if bad:
            raise ValueError(f"paths must be absolute: {bad}")
        return [posixpath.normpath(p) for p in value]

    def enabled(self, rule: str) -> bool:
        setting = self.rules.get(rule)
        return setting is None or setting.enabled


@dataclass(frozen=True)
class Violation:
    rule: str
    path: str
    message: str


def violations(project: ComposeProject, policy: Policy, allowed: set[str]) -> list[Violation]:
    """Everything in ``project`` that breaks an enabled rule not in ``allowed`` (the rules an
    admin excepted for this stack)."""
    found = list(_volume_violations(project, policy))
    for name, service in sorted(project.services.items()):
        found.extend(service_violations(name, service, policy))
    return [v for v in found if policy.enabled(v.rule) and v.rule not in allowed]


def service_breaks(
    name: str, service: ServiceSpec, policy: Policy, allowed: set[str]
) -> list[Violation]:
    """One service's violations of enabled, un-excepted rules (the check before a create)."""
    return [
        v
        for v in service_violations(name, service, policy)
        if policy.enabled(v.rule) and v.rule not in allowed
    ]


def service_violations(name: str, service: ServiceSpec, policy: Policy) -> Iterator[Violation]:
    at = f"services.{name}"
    if service.privileged:
        yield Violation("privileged", f"{at}.privileged", "privileged containers are not allowed")
    for key in ("network_mode", "pid", "ipc", "userns_mode"):
        if getattr(service, key) == "host":
            yield Violation(
                "host_namespaces", f"{at}.{key}", f"{key}: host shares the host's namespace"
            )
    for i, mount in enumerate(service.volumes):
        if mount.type == "bind" and mount.source:
            yield from _bind(mount.source, f"{at}.volumes[{i}].source", policy)
    for i, device in enumerate(service.devices):
        yield Violation("devices", f"{at}.devices[{i}]", f"host device {device.split(':')[0]!r}")
    dangerous = {c.upper().removeprefix("CAP_") for c in policy.dangerous_capabilities}
    for i, cap in enumerate(service.cap_add):
        if cap.upper().removeprefix("CAP_") in dangerous:
            yield Violation(
                "dangerous_capabilities", f"{at}.cap_add[{i}]", f"capability {cap} is not allowed"
            )
    for i, option in enumerate(service.security_opt):
        if option.replace(" ", "").lower() in UNCONFINED:
            yield Violation(
                "unconfined", f"{at}.security_opt[{i}]", f"{option!r} turns confinement off"
            )


def _volume_violations(project: ComposeProject, policy: Policy) -> Iterator[Violation]:
    """A local volume with `o: bind` and a `device` is a bind mount in disguise."""
    for key, volume in sorted(project.volumes.items()):
        options = volume.driver_opts
        if "bind" in options.get("o", "").split(",") and options.get("device"):
            yield from _bind(options["device"], f"volumes.{key}.driver_opts.device", policy)


def _bind(source: str, path: str, policy: Policy) -> Iterator[Violation]:
    host = posixpath.normpath(source) if source.startswith("/") else source
    if host in DOCKER_SOCKETS or any(_under(host, s) for s in DOCKER_SOCKETS):
        yield Violation("docker_socket", path, f"{source!r} is the Docker socket")
        return
    for sensitive in policy.sensitive_paths:
        root = posixpath.normpath(sensitive)
        if host == root or (root != "/" and _under(host, root)):
            yield Violation("sensitive_paths", path, f"{source!r} is a sensitive host path")
            return
    roots = [posixpath.normpath(r) for r in policy.allowed_bind_roots]
    if not any(host == r or _under(host, r) for r in roots):
        yield Violation(
            "bind_outside_roots",
            path,
            f"{source!r} is outside the allowed roots ({', '.join(roots) or 'none'})",
        )


def _under(path: str, root: str) -> bool:
    return path.startswith(root.rstrip("/") + "/")
