"""Checks across the project: references, dependency cycles, port clashes, names."""

from __future__ import annotations

import re

from core_monitor.compose.ports import published_range
from core_monitor.domain.compose import ComposeProject, ServiceSpec
from core_monitor.domain.graph import find_cycle
from core_monitor.errors import FieldError, ValidationFailed

PROJECT_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
ALL_INTERFACES = {None, "", "0.0.0.0", "::"}


def validate_project_name(name: str) -> None:
    """Compose's project-name rule (plus a 63-character cap: names become DNS labels)."""
    if not isinstance(name, str) or not PROJECT_NAME.match(name) or len(name) > 63:
        raise ValidationFailed(
            [
                FieldError(
                    "name",
                    "must be 1-63 characters: lowercase letters, digits, '-' and '_', "
                    "starting with a letter or digit",
                )
            ]
        )


def check_container_count(project: ComposeProject, limit: int) -> None:
    """Refuse a project that would run more than ``limit`` containers (all replicas of all
    services, whatever profiles are active): one stack must not be able to exhaust the host
    or make planning it costly. The error names the service asking for the most."""
    total = sum(s.replicas for s in project.services.values())
    if total <= limit:
        return
    largest = max(project.services, key=lambda name: project.services[name].replicas)
    raise ValidationFailed(
        [
            FieldError(
                f"services.{largest}.deploy.replicas",
                f"the stack would run {total} containers in all; at most {limit} are "
                "allowed per stack (COREMON_MAX_CONTAINERS_PER_STACK)",
            )
        ]
    )


def check(project: ComposeProject) -> list[FieldError]:
    errors: list[FieldError] = []
    for name, service in project.services.items():
        path = f"services.{name}"
        errors.extend(_unknown_services(path, service, set(project.services)))
        for network in service.networks:
            if network not in project.networks:
                errors.append(
                    FieldError(f"{path}.networks.{network}", f"network {network!r} is not defined")
                )
        if service.network_mode and service.networks:
            errors.append(
                FieldError(f"{path}.network_mode", "cannot be used together with networks")
            )
        for key in ("links", "external_links"):
            if service.network_mode and getattr(service, key):
                # links live on the service's own network endpoints, which it then has not
                errors.append(FieldError(f"{path}.{key}", "cannot be used with network_mode"))
        mode = service.network_mode or ""
        if mode.startswith("service:") and mode[8:] not in project.services:
            errors.append(FieldError(f"{path}.network_mode", f"unknown service {mode[8:]!r}"))
        for i, mount in enumerate(service.volumes):
            if mount.type == "volume" and mount.source and mount.source not in project.volumes:
                errors.append(
                    FieldError(f"{path}.volumes[{i}]", f"volume {mount.source!r} is not defined")
                )
        if (
            service.mem_limit is not None
            and service.limits.memory is not None
            and (service.mem_limit != service.limits.memory)
        ):
            errors.append(
                FieldError(f"{path}.mem_limit", "differs from deploy.resources.limits.memory")
            )
        if (
            service.cpus is not None
            and service.limits.cpus is not None
            and (service.cpus != service.limits.cpus)
        ):
            errors.append(FieldError(f"{path}.cpus", "differs from deploy.resources.limits.cpus"))
        if service.container_name and service.replicas > 1:
            errors.append(
                FieldError(
                    f"{path}.container_name",
                    "cannot be set when the service has more than one replica",
                )
            )
    errors.extend(_cycles(project))
    errors.extend(_port_clashes(project))
    return errors


def _unknown_services(path: str, service: ServiceSpec, known: set[str]) -> list[FieldError]:
    """Every service named by depends_on, links or volumes_from must exist. Links and
    volumes_from are checked first: they are where an implicit dependency came from."""
    errors: list[FieldError] = []
    named: dict[str, str] = {}
    for i, link in enumerate(service.links):
        named.setdefault(link.split(":")[0], f"{path}.links[{i}]")
    for i, entry in enumerate(service.volumes_from):
        if not entry.startswith("container:"):
            named.setdefault(entry.split(":")[0], f"{path}.volumes_from[{i}]")
    for dep in service.depends_on:
        named.setdefault(dep, f"{path}.depends_on.{dep}")
    for name, where in named.items():
        if name not in known:
            errors.append(FieldError(where, f"unknown service {name!r}"))
    return errors


def _cycles(project: ComposeProject) -> list[FieldError]:
    graph = {name: set(s.depends_on) for name, s in project.services.items()}
    cycle = find_cycle(graph)
    if not cycle:
        return []
    return [
        FieldError(f"services.{cycle[0]}.depends_on", "dependency cycle: " + " -> ".join(cycle))
    ]


def _port_clashes(project: ComposeProject) -> list[FieldError]:
    """Fixed host ports published twice. Earlier publishers are indexed by (port, protocol),
    so a file with thousands of ports costs thousands of steps, not their square."""
    errors: list[FieldError] = []
    seen: dict[tuple[int, str], list[tuple[str | None, str]]] = {}
    for name, service in project.services.items():
        for i, port in enumerate(service.ports):
            if port.published is None:
                continue
            ports = published_range(port.published)
            if len(ports) != 1:
                continue
            path = f"services.{name}.ports[{i}]"
            if service.replicas > 1:
                errors.append(
                    FieldError(
                        path,
                        f"host port {port.published} cannot be published by "
                        f"{service.replicas} replicas",
                    )
                )
            number = ports[0]
            earlier = seen.setdefault((number, port.protocol), [])
            for ip, where in earlier:
                if ip == port.host_ip or ip in ALL_INTERFACES or port.host_ip in ALL_INTERFACES:
                    errors.append(
                        FieldError(
                            path,
                            f"host port {number}/{port.protocol} is already published by {where}",
                        )
                    )
            earlier.append((port.host_ip, f"services.{name}"))
    return errors
