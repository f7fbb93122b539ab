"""Runs a Plan through the gateway. No decisions here: the planner made them all.

Order: pulls → networks and volumes → removals → new containers of every layer created at
once (like Compose's create phase) → per dependency layer: recreates and the creates that join
another service's namespaces, then starts (parallel across services, serial within one
service: the engine races on published port ranges; each container starts as soon as its own
create is done), then wait for the conditions later layers need. One bounded pool serves all.

Observed containers are addressed by the id the planner saw, never by name: a worker that
paused past its lease must not reach the container another worker has since made under
that name. Every engine write first calls the options' ``fence`` (the lease check).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Protocol

from core_monitor.domain.compose import ComposeProject, ServiceSpec
from core_monitor.domain.plan import Plan, Step, StepKind
from core_monitor.engine import container_spec
from core_monitor.engine import labels as lbl
from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.engine.docker.mutations import DockerMutations
from core_monitor.engine.docker.probe import render_host_config
from core_monitor.engine.request_guard import RequestGuard
from core_monitor.engine.state import DesiredState
from core_monitor.errors import TerminalError

POOL_SIZE = 16  # the engine pipelines concurrent creates and starts; Compose sets no limit
POLL_SECONDS = 0.1


class Reporter(Protocol):
    def log(self, message: str, level: str = "info", **fields: object) -> None: ...

    def checkpoint(self) -> None: ...


@dataclass
class ExecutionOptions:
    command_id: str
    wait_timeout: float = 300.0
    pool_size: int = POOL_SIZE
    # the policy, judged on each request right before it is sent (raises TerminalError)
    guard: RequestGuard | None = None
    # raises (LeaseLost) when this worker may no longer act: called before each engine write
    fence: Callable[[], None] | None = None


class PlanExecutor:
    def __init__(
        self,
        gateway: DockerGateway,
        project: ComposeProject,
        desired: DesiredState,
        reporter: Reporter,
        options: ExecutionOptions,
    ) -> None:
        self.gw = gateway
        self.mut = DockerMutations(gateway, fence=options.fence)
        # only to discard what this execution created and nobody else knows of, which is
        # safe (and needed) even once the lease is lost
        self._own = DockerMutations(gateway)
        self.project = project
        self.desired = desired
        self.reporter = reporter
        self.options = options
        self.container_ids: dict[str, str] = {}  # name → id of what we created/started
        self._image_ids: dict[str, str] = {}  # reference → ID, looked up once per execution
        self.api_version = _api_version(gateway)

    # -- entry point ------------------------------------------------------------------
    def execute(self, plan: Plan) -> None:
        kinds = _group(plan)
        self._parallel(kinds.get(StepKind.PULL_IMAGE, []), self._pull)
        for step in kinds.get(StepKind.CREATE_NETWORK, []):
            self._create_network(step)
        for step in kinds.get(StepKind.CREATE_VOLUME, []):
            self._create_volume(step)
        self._parallel(kinds.get(StepKind.REMOVE_CONTAINER, []), self._remove)
        by_layer: dict[int, list[Step]] = {}
        for step in plan.steps:
            if step.kind in (
                StepKind.CREATE_CONTAINER,
                StepKind.RECREATE_CONTAINER,
                StepKind.START_CONTAINER,
                StepKind.RESTART_CONTAINER,
            ):
                by_layer.setdefault(step.layer, []).append(step)
        pool = ThreadPoolExecutor(max_workers=self.options.pool_size)
        try:
            # a fresh container depends on nothing that starts before it (namespace joiners
            # aside): creating them all now leaves each health-gated layer only its starts
            early = {
                s.target: pool.submit(self._create_or_recreate, s)
                for layer in sorted(by_layer)
                for s in by_layer[layer]
                if s.kind == StepKind.CREATE_CONTAINER and not self._needs_peer(s)
            }
            for layer in sorted(by_layer):
                self._layer(pool, by_layer[layer], early)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    # -- steps ------------------------------------------------------------------------
    def _pull(self, step: Step) -> None:
        self.reporter.checkpoint()
        if self.options.fence is not None:
            self.options.fence()
        self.reporter.log(f"pull {step.target}: {step.reason}", step=step.kind)
        self.gw.pull(step.target)

    def _create_network(self, step: Step) -> None:
        self.reporter.checkpoint()
        key, spec = next((k, n) for k, n in self.project.networks.items() if n.name == step.target)
        options: dict[str, Any] = {
            "driver": spec.driver,
            "options": spec.driver_opts or None,
            "internal": spec.internal,
            "attachable": spec.attachable,
            "enable_ipv6": spec.enable_ipv6,
            "labels": {
                **spec.labels,
                **lbl.resource_labels(self.desired.project, key, "network", self.desired.stack_id),
            },
            "check_duplicate": True,
        }
        if spec.ipam.config or spec.ipam.driver:
            options["ipam"] = {
                "Driver": spec.ipam.driver or "default",
                "Config": [
                    {
                        k: v
                        for k, v in (
                            ("Subnet", c.subnet),
                            ("Gateway", c.gateway),
                            ("IPRange", c.ip_range),
                        )
                        if v
                    }
                    for c in spec.ipam.config
                ],
                "Options": spec.ipam.options or None,
            }
        if self.options.guard is not None:
            self.options.guard.network(key)
        self.reporter.log(f"create network {step.target}", step=step.kind, reason=step.reason)
        self.mut.create_network(step.target, {k: v for k, v in options.items() if v is not None})

    def _create_volume(self, step: Step) -> None:
        self.reporter.checkpoint()
        key, spec = next((k, v) for k, v in self.project.volumes.items() if v.name == step.target)
        options = spec.driver_opts
        if self.options.guard is not None:  # a local bind's device resolved on the host
            options = self.options.guard.volume(key)
        self.reporter.log(f"create volume {step.target}", step=step.kind, reason=step.reason)
        self.mut.create_volume(
            step.target,
            {
                "driver": spec.driver or "local",
                "driver_opts": options or None,
                "labels": {
                    **spec.labels,
                    **lbl.resource_labels(
                        self.desired.project, key, "volume", self.desired.stack_id
                    ),
                },
            },
        )

    def _remove(self, step: Step) -> None:
        self.reporter.checkpoint()
        self.reporter.log(
            f"remove {step.target}: {step.reason}", step=step.kind, service=step.service
        )
        container = _observed_id(step)
        self.mut.stop(container, timeout=self._stop_timeout(step.service))
        self.mut.remove_container(container)

    def _layer(
        self, pool: ThreadPoolExecutor, steps: list[Step], early: dict[str, Future[None]]
    ) -> None:
        # Start tasks wait on create futures submitted before them: the pool's queue is
        # FIFO, so those creates already hold a thread (or are done) and cannot starve.
        created = {s.target: early[s.target] for s in steps if s.target in early}
        for step in steps:
            if (
                step.kind in (StepKind.CREATE_CONTAINER, StepKind.RECREATE_CONTAINER)
                and step.target not in created
            ):
                # recreates, and the services that join an earlier layer's container
                created[step.target] = pool.submit(self._create_or_recreate, step)
        per_service: dict[str, list[Step]] = {}
        for step in steps:
            if step.kind in (StepKind.START_CONTAINER, StepKind.RESTART_CONTAINER):
                per_service.setdefault(step.service or "", []).append(step)
        started = [
            pool.submit(self._start_serially, group, created) for group in per_service.values()
        ]
        _settle([*created.values(), *started])
        self._wait_for_dependents({s.service for s in steps if s.service})

    def _needs_peer(self, step: Step) -> bool:
        return bool(_peer_services(self.project.services[step.service or ""]))

    def _create_or_recreate(self, step: Step) -> None:
        self.reporter.checkpoint()
        service = step.service or ""
        number = step.number or 1
        config = self._config(service, number)
        if step.kind == StepKind.CREATE_CONTAINER:
            self.reporter.log(f"create {step.target}", step=step.kind, service=service)
            self.container_ids[step.target] = self._create(step.target, service, config)
            return
        # recreate: new one under a temporary name, old one out (by id), then rename
        self.reporter.log(f"recreate {step.target}: {step.reason}", step=step.kind, service=service)
        old_id = _observed_id(step)
        temporary = f"{uuid.uuid4().hex[:12]}_{step.target}"
        new_id = self._create(temporary, service, config)
        try:
            self.reporter.checkpoint()
            self.mut.stop(old_id, timeout=self._stop_timeout(service))
            self.mut.remove_container(old_id)
            # refused by the engine if another container holds the name: never stolen
            self.mut.rename(new_id, step.target)
        except BaseException:
            self._own.remove_container(new_id)  # never started: nothing is lost
            raise
        self.container_ids[step.target] = new_id

    def _create(self, name: str, service: str, config: container_spec.ContainerConfig) -> str:
        host = render_host_config(config.host, self.gw.api_version)
        if self.options.guard is not None:  # judged as sent, bind sources resolved
            host = self.options.guard.container(service, host, config)
        networking = None
        if config.endpoints:
            networking = self.gw.networking_config(config.endpoints[0])
        container_id = self.mut.create_container(
            name, {**config.create, "host_config": host, "networking_config": networking}
        )
        for endpoint in config.endpoints[1:]:
            self.mut.connect(
                container_id,
                endpoint.network,
                endpoint.aliases,
                endpoint.ipv4_address,
                endpoint.ipv6_address,
            )
        return container_id

    def _config(self, service: str, number: int) -> container_spec.ContainerConfig:
        desired = self.desired.services[service]
        spec = self.project.services[service]
        image_id = self._image_id(spec.image)
        labels = lbl.container_labels(
            project=self.desired.project,
            service=service,
            number=number,
            config_hash=desired.config_hash,
            image_id=image_id,
            stack_id=self.desired.stack_id,
            version=self.desired.version,
            command_id=self.options.command_id,
            depends_on=lbl.encode_depends_on(desired.depends_on),
        )
        peers = {peer: self._first_container_of(peer) for peer in _peer_services(spec)}
        return container_spec.build(
            self.project, service, labels, engine_api=self.api_version, number=number, peers=peers
        )

    def _image_id(self, reference: str) -> str:
        """Pulls all run before the first create, so an ID looked up here stays valid for
        the whole execution: one inspect per image instead of one per container."""
        found = self._image_ids.get(reference)
        if found is None:
            found = self.gw.image_id(reference) or ""
            if found:
                self._image_ids[reference] = found
        return found

    def _first_container_of(self, service: str) -> str:
        found = sorted(
            (c.number, c.id)
            for c in self.gw.containers(self.desired.project)
            if c.service == service
        )
        if found:
            return found[0][1]
        raise TerminalError(f"service:{service} (network_mode, pid or ipc): no container of it")

    def _start_serially(self, steps: list[Step], created: dict[str, Future[None]]) -> None:
        for step in sorted(steps, key=lambda s: s.number or 0):
            if step.target in created:
                created[step.target].result()  # its create failed: so does its start
            self.reporter.checkpoint()
            restart = step.kind == StepKind.RESTART_CONTAINER
            self.reporter.log(
                f"{'restart' if restart else 'start'} {step.target}",
                step=step.kind,
                service=step.service,
                reason=step.reason,
            )
            target = self.container_ids.get(step.target) or _observed_id(step)
            if restart:
                self.mut.restart(target, timeout=self._stop_timeout(step.service))
            else:
                self.mut.start(target)

    # -- depends_on conditions --------------------------------------------------------
    def _wait_for_dependents(self, started: set[str]) -> None:
        """Wait on this layer's services for the conditions later services declared."""
        conditions: dict[str, set[str]] = {}
        for service in self.desired.services.values():
            for dep, condition in service.depends_on.items():
                if dep in started and condition != "service_started":
                    conditions.setdefault(dep, set()).add(condition)
        for dep, wanted in sorted(conditions.items()):
            for condition in sorted(wanted):
                self._wait(dep, condition)

    def _wait(self, service: str, condition: str) -> None:
        deadline = time.monotonic() + self.options.wait_timeout
        announced = False
        while True:
            self.reporter.checkpoint()
            state = self._condition_state(service, condition)
            if state is True:
                if announced:
                    self.reporter.log(f"{service} is {_CONDITION_WORD[condition]}", service=service)
                return
            if isinstance(state, str):
                raise TerminalError(f"dependency {service} failed {condition}: {state}")
            if not announced:
                self.reporter.log(
                    f"waiting for {service} to be {_CONDITION_WORD[condition]}", service=service
                )
                announced = True
            if time.monotonic() > deadline:
                raise TerminalError(
                    f"timed out after {self.options.wait_timeout:g} s waiting "
                    f"for {service} to be {_CONDITION_WORD[condition]}"
                )
            time.sleep(POLL_SECONDS)

    def _condition_state(self, service: str, condition: str) -> bool | str:
        """True when met, False when not yet, a reason string when it can no longer be met."""
        containers = [c for c in self.gw.containers(self.desired.project) if c.service == service]
        if not containers:
            return "no container"
        if condition == "service_completed_successfully":
            codes = [c.exit_code for c in containers if c.state in ("exited", "dead")]
            if any(code == 0 for code in codes):
                return True
            bad = [code for code in codes if code not in (0, None)]
            return f"exited with code {bad[0]}" if bad else False
        for container in containers:
            if container.state in ("exited", "dead"):
                return f"{container.name} exited (code {container.exit_code})"
            if container.health is None:
                inspected = self.gw.inspect_container(container.id) or {}
                if not (inspected.get("State") or {}).get("Health"):
                    return f"{container.name} has no healthcheck"
                return False
            if container.health == "unhealthy":
                return f"{container.name} is unhealthy"
            if container.health != "healthy":
                return False
        return True

    # -- helpers ----------------------------------------------------------------------
    def _stop_timeout(self, service: str | None) -> int | None:
        spec = self.project.services.get(service or "")
        if spec is None or spec.stop_grace_period is None:
            return None
        return spec.stop_grace_period // 1_000_000_000

    def _parallel(self, items: list[Any], fn: Callable[[Any], None]) -> None:
        if not items:
            return
        if len(items) == 1:
            fn(items[0])
            return
        with ThreadPoolExecutor(max_workers=min(self.options.pool_size, len(items))) as pool:
            _settle([pool.submit(fn, item) for item in items])


_CONDITION_WORD = {
    "service_healthy": "healthy",
    "service_completed_successfully": "completed successfully",
}


def _peer_services(spec: ServiceSpec) -> list[str]:
    """The services whose container this one joins (`network_mode`/`pid`/`ipc: service:x`)."""
    modes = (spec.network_mode, spec.pid, spec.ipc)
    return sorted({m[8:] for m in modes if m and m.startswith("service:")})


def _observed_id(step: Step) -> str:
    if step.container_id is None:
        raise TerminalError(f"{step.kind} {step.target}: the plan has no container id for it")
    return step.container_id


def _settle(futures: list[Future[None]]) -> None:
    """Wait for every future (nothing is left half-running), then raise the first failure."""
    wait(futures)
    for future in futures:
        error = future.exception()
        if error is not None:
            raise error


def _group(plan: Plan) -> dict[StepKind, list[Step]]:
    grouped: dict[StepKind, list[Step]] = {}
    for step in plan.steps:
        grouped.setdefault(step.kind, []).append(step)
    return grouped


def _api_version(gateway: DockerGateway) -> tuple[int, int]:
    version = gateway.api_version
    major, _, minor = version.partition(".")
    return (int(major), int(minor or 0)) if major.isdigit() and minor.isdigit() else (1, 41)
