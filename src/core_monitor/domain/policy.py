"""The stack policy document: what a stack may not do to the host unless an admin allowed it.

An allow-list, judged on the engine requests Core Monitor sends (``domain/request_policy.py``):
anything outside Docker's confined defaults is a violation of one of ``RULES``, which an admin
may switch off for everyone or grant to one stack as an exception. Pure.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core_monitor.domain.host_paths import clean

RULES: dict[str, str] = {
    "privileged": "privileged containers (every device, every capability)",
    "host_namespaces": "the host's network, pid, ipc, uts, user or cgroup namespace",
    "foreign_resources": "namespaces, containers, volumes or networks of something outside "
    "the stack",
    "docker_socket": "a bind mount of the Docker socket (root on the host)",
    "sensitive_paths": "a bind mount of a sensitive host path (/, /etc, /proc, /root…)",
    "bind_outside_roots": "a bind mount outside the allowed host roots (links resolved on the "
    "engine's host)",
    "devices": "host devices (devices, device requests, device cgroup rules)",
    "capabilities": "capabilities beyond Docker's default set",
    "security_options": "security options other than no-new-privileges (seccomp, AppArmor, "
    "SELinux labels…)",
    "sysctls": "sysctls outside the namespaced safe set",
    "log_drivers": "log drivers other than the local ones (json-file, local, none)",
    "volume_drivers": "volume drivers and options other than plain local volumes, tmpfs and "
    "local binds",
    "network_drivers": "network drivers other than bridge (macvlan, ipvlan, host…)",
    "runtime": "another runtime, a cgroup parent, storage options or unmasked system paths",
}
# Rules renamed when the policy became an allow-list: stored documents and exceptions that
# still say the old name mean the new rule.
RENAMED = {"dangerous_capabilities": "capabilities", "unconfined": "security_options"}


def canonical_rule(rule: str) -> str:
    return RENAMED.get(rule, rule)


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
        # no world-writable place (/tmp, /var/tmp, /dev/shm): anyone's container could plant
        # a link there that another stack's bind would follow
        default_factory=lambda: ["/srv", "/opt", "/mnt", "/media", "/var/lib/coremon"],
        max_length=100,
        description="Host directories bind mounts may come from (absolute paths). A source "
        "is resolved on the engine's host, links included, before it is judged.",
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

    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, data: Any) -> Any:
        """A document saved before the allow-list: its deny-list of capabilities is gone
        (every capability beyond Docker's default set is refused now) and its rules are
        renamed."""
        if isinstance(data, dict) and "dangerous_capabilities" in data:
            data = {k: v for k, v in data.items() if k != "dangerous_capabilities"}
            rules = data.get("rules")
            if isinstance(rules, dict):
                data["rules"] = {canonical_rule(k): v for k, v in rules.items()}
        return data

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
        bad = [p for p in value if not p.startswith("/") or len(p) > 500 or "\x00" in p]
        if bad:
            raise ValueError(f"paths must be absolute: {bad}")
        return [clean(p) for p in value]

    def enabled(self, rule: str) -> bool:
        setting = self.rules.get(canonical_rule(rule))
        return setting is None or setting.enabled

    def binding_checked(self) -> bool:
        """Whether bind sources need resolving at all (a rule about host paths is on)."""
        return any(
            self.enabled(r) for r in ("docker_socket", "sensitive_paths", "bind_outside_roots")
        )


@dataclass(frozen=True)
class Violation:
    rule: str
    path: str  # where in the definition (services.web.cap_add[0]) or the request
    message: str


def breaking(found: Iterable[Violation], policy: Policy, allowed: Iterable[str]) -> list[Violation]:
    """The violations of enabled rules that no exception of the stack (``allowed``) covers."""
    excepted = {canonical_rule(r) for r in allowed}
    return [v for v in found if policy.enabled(v.rule) and v.rule not in excepted]


def refusal(found: Iterable[Violation]) -> str:
    return "refused by the stack policy: " + "; ".join(
        f"{v.path}: {v.rule}: {v.message}" for v in found
    )


@dataclass(frozen=True)
class PolicyException:
    """An administrator's permission for one stack (by id; ``stack`` is its name, for
    people) to break one rule."""

    id: int
    stack_id: str
    stack: str
    rule: str
    reason: str
    granted_by: str
    created_at: datetime
