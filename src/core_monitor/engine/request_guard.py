"""The stack policy applied to the engine requests a project makes.

``definition_violations`` judges the requests a definition would produce (at version creation
and when an APPLY starts: the policy may have changed since). ``RequestGuard`` judges each
request right before it is sent, with what only the engine knows: who owns an existing volume
or network, which containers are the stack's, where a bind source's links lead on the host.
A request that passes is sent with its bind sources replaced by the real paths they resolved
to. The rules themselves are ``domain/request_policy.py``; this module gathers their inputs.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any

from core_monitor.domain.compose import ComposeProject, ServiceSpec
from core_monitor.domain.host_access import (
    ForeignBind,
    Resolved,
    StackScope,
    check_network,
    check_volume,
)
from core_monitor.domain.host_paths import clean
from core_monitor.domain.policy import Policy, Violation, breaking, refusal
from core_monitor.domain.project_dir import DEFAULT_PLACES, HostPlaces, allowing_projects
from core_monitor.domain.request_policy import ContainerRequest, check_container
from core_monitor.engine import container_spec
from core_monitor.engine.bind_resolution import resolve
from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.engine.docker.probe import HostProbe, render_host_config
from core_monitor.errors import TerminalError

DEFINITION_API = "1.41"  # the oldest engine API we speak: the widest HostConfig docker-py makes


def definition_violations(
    project: ComposeProject, policy: Policy, places: HostPlaces = DEFAULT_PLACES
) -> list[Violation]:
    """Every rule the requests of ``project`` would break (before any exception); relative
    and ``~`` bind sources are judged as the host paths ``places`` makes of them (the
    projects root counts as an allowed bind root)."""
    policy = allowing_projects(policy, places)
    firsts = {
        name: container_spec.container_name(project.name, name, spec, 1)
        for name, spec in project.services.items()
    }
    scope = StackScope(project.name, containers=frozenset(_names(project) | set(firsts.values())))
    found: list[Violation] = []
    for key, volume in sorted(project.volumes.items()):
        if not volume.external:
            options = volume.driver_opts
            found += check_volume(f"volumes.{key}", volume.driver, options, scope, policy)
    for key, network in sorted(project.networks.items()):
        found += check_network(f"networks.{key}", network.name, network.driver, network.external)
    for name in sorted(project.services):
        config = container_spec.build(project, name, {}, peers=firsts, places=places)
        host = render_host_config(config.host, DEFINITION_API)
        request = _request(name, project.services[name], host, config)
        found += check_container(request, scope, policy)
    return found


def _names(project: ComposeProject) -> set[str]:
    return {
        container_spec.container_name(project.name, name, spec, number)
        for name, spec in project.services.items()
        for number in range(1, spec.replicas + 1)
    }


def _request(
    service: str, spec: ServiceSpec, host: dict[str, Any], config: container_spec.ContainerConfig
) -> ContainerRequest:
    return ContainerRequest(
        service,
        host,
        networks=[e.network for e in config.endpoints],
        links=sorted({name for e in config.endpoints for name, _ in e.links}),
        volume_fields={m.target: i for i, m in enumerate(spec.volumes)},
    )


class RequestGuard:
    """Judges each request of one execution right before it is sent (thread safe: creates
    run in a pool). ``close`` removes the host probe, if one was needed."""

    def __init__(
        self,
        gateway: DockerGateway,
        project: ComposeProject,
        policy: Policy,
        allowed: Iterable[str],
    ) -> None:
        self.gw = gateway
        self.project = project
        self.policy = policy
        self.allowed = set(allowed)
        self._lock = threading.Lock()
        self._owners: dict[str, str | None] = {}
        self._resolved: dict[str, Resolved] = {}
        self._probe: HostProbe | None = None
        self._binds: tuple[ForeignBind, ...] | None = None

    def container(
        self, service: str, host: dict[str, Any], config: container_spec.ContainerConfig
    ) -> dict[str, Any]:
        """``host`` (the HostConfig about to be sent) with its binds resolved, or a refusal."""
        spec = self.project.services[service]
        request = _request(service, spec, host, config)
        sources = [*_bind_sources(host)]
        scope = StackScope(
            self.project.name,
            containers=self._containers() if _joins(host) or request.links else frozenset(),
            owners=self._owners_of(request),
            resolved=self._resolve(sources, spec.image),
            foreign_binds=self._foreign_binds() if sources else (),
        )
        self._refuse(check_container(request, scope, self.policy))
        return _with_real_sources(host, scope.resolved)

    def volume(self, key: str) -> dict[str, str]:
        """The driver options to send for volume ``key`` (a bind's device resolved)."""
        spec = self.project.volumes[key]
        options = dict(spec.driver_opts)
        device = options.get("device", "")
        flags = {f.strip() for f in options.get("o", "").split(",")}
        binds_host = bool(flags & {"bind", "rbind"}) and device.startswith("/")
        # any of the project's images will do for the probe: every pull ran already
        image = next(iter(s.image for s in self.project.services.values()), "")
        resolved = self._resolve([device], image) if binds_host else {}
        scope = StackScope(
            self.project.name,
            resolved=resolved,
            foreign_binds=self._foreign_binds() if binds_host else (),
        )
        self._refuse(check_volume(f"volumes.{key}", spec.driver, options, scope, self.policy))
        found = resolved.get(clean(device))
        if found is not None and found.path:
            options["device"] = found.path
        return options

    def network(self, key: str) -> None:
        spec = self.project.networks[key]
        self._refuse(check_network(f"networks.{key}", spec.name, spec.driver, spec.external))

    def close(self) -> None:
        with self._lock:
            if self._probe is not None:
                self._probe.close()
                self._probe = None

    # -- what the engine knows ------------------------------------------------------------
    def _refuse(self, found: list[Violation]) -> None:
        broken = breaking(found, self.policy, self.allowed)
        if broken:
            raise TerminalError(refusal(broken))

    def _containers(self) -> frozenset[str]:
        return frozenset(
            ref for c in self.gw.containers(self.project.name) for ref in (c.id, c.name)
        )

    def _owners_of(self, request: ContainerRequest) -> dict[str, str | None]:
        wanted = [("network", n) for n in request.networks]
        wanted += [("volume", v) for v in _volume_sources(request.host_config)]
        with self._lock:
            for kind, name in wanted:
                key = f"{kind}:{name}"
                if key not in self._owners:
                    exists, owner = self.gw.resource_project(kind, name)
                    if exists:
                        self._owners[key] = owner
            return dict(self._owners)

    def _resolve(self, sources: list[str], image: str) -> dict[str, Resolved]:
        if not sources or not self.policy.binding_checked():
            return {}
        with self._lock:
            for source in sources:
                path = clean(source)
                if path not in self._resolved:
                    probe = self._probe_for(image)
                    self._resolved[path] = resolve(path, probe.stat, probe.read_link)
            return dict(self._resolved)

    def _foreign_binds(self) -> tuple[ForeignBind, ...]:
        """What other stacks' containers bind (one list call per execution)."""
        with self._lock:
            if self._binds is None:
                self._binds = tuple(
                    ForeignBind(c.project, bind.source, bind.read_write)
                    for c in self.gw.list_all_containers()
                    if c.project != self.project.name
                    for bind in c.binds
                )
            return self._binds

    def _probe_for(self, image: str) -> HostProbe:
        if self._probe is None:
            self._probe = HostProbe(self.gw, image)
        return self._probe


def _bind_sources(host: dict[str, Any]) -> Iterable[str]:
    for entry in host.get("Binds") or []:
        source = str(entry).partition(":")[0]
        if source.startswith("/"):
            yield source
    for mount in host.get("Mounts") or []:
        if mount.get("Type") == "bind" and str(mount.get("Source") or "").startswith("/"):
            yield str(mount["Source"])


def _volume_sources(host: Mapping[str, Any]) -> Iterable[str]:
    for entry in host.get("Binds") or []:
        source = str(entry).partition(":")[0]
        if source and not source.startswith("/"):
            yield source
    for mount in host.get("Mounts") or []:
        if mount.get("Type") == "volume" and mount.get("Source"):
            yield str(mount["Source"])


def _joins(host: dict[str, Any]) -> bool:
    modes = [host.get(k) for k in ("NetworkMode", "PidMode", "IpcMode", "UTSMode", "UsernsMode")]
    return any(str(m or "").startswith("container:") for m in modes) or bool(
        host.get("VolumesFrom") or host.get("Links")
    )


def _with_real_sources(host: dict[str, Any], resolved: Mapping[str, Resolved]) -> dict[str, Any]:
    """The request with every bind source replaced by the real path it resolved to."""

    def real(source: str) -> str:
        found = resolved.get(clean(source)) if source.startswith("/") else None
        return found.path if found is not None and found.path else source

    result = dict(host)
    if host.get("Binds"):
        result["Binds"] = [
            ":".join([real(str(b).partition(":")[0]), str(b).partition(":")[2]])
            for b in host["Binds"]
        ]
    if host.get("Mounts"):
        result["Mounts"] = [
            {**m, "Source": real(str(m["Source"]))} if m.get("Type") == "bind" else m
            for m in host["Mounts"]
        ]
    return result
