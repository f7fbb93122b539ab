"""Runs a Plan through the gateway: each step is one adapter call (or one readiness wait).
No decisions here: the planner made them all (waits included), and ``schedule`` says when
each step may run (dependency layers, serial starts within a service, the bounded pool).

Observed containers are addressed by the id the planner saw, never by name: a worker that
paused past its lease must not reach the container another worker has since made under
that name. Every engine write first calls the options' ``fence`` (the lease check).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from core_monitor.domain.compose import ComposeProject
from core_monitor.domain.plan import (
    Condition,
    ContainerStep,
    Plan,
    ResourceStep,
    Step,
    StepKind,
    WaitStep,
)
from core_monitor.domain.project_dir import DEFAULT_PLACES, HostPlaces
from core_monitor.engine import build_step, container_spec, schedule
from core_monitor.engine import labels as lbl
from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.engine.docker.mutations import DockerMutations
from core_monitor.engine.docker.probe import render_host_config
from core_monitor.engine.docker.project_files import ProjectDirectory
from core_monitor.engine.model import ObservedContainer
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
    # the engine host's projects root and home: where relative and ~ bind sources lead
    places: HostPlaces = DEFAULT_PLACES


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
        self.api_version = engine_api_version(gateway)

    # -- entry point ------------------------------------------------------------------
    def execute(self, plan: Plan) -> None:
        after = schedule.constraints(plan.steps)
        schedule.run(plan.steps, after, self._step, self.options.pool_size)

    def _step(self, step: Step) -> None:
        if isinstance(step, WaitStep):
            self._wait(step)
        elif isinstance(step, ResourceStep):
            self._resource_actions[step.kind](step)
        else:
            self._container_actions[step.kind](step)

    @property
    def _resource_actions(self) -> dict[StepKind, Callable[[ResourceStep], None]]:
        return {
            StepKind.PULL_IMAGE: self._pull,
            StepKind.BUILD_IMAGE: self._build,
            StepKind.CREATE_NETWORK: self._create_network,
            StepKind.CREATE_VOLUME: self._create_volume,
            StepKind.WRITE_PROJECT_FILES: self._write_files,
        }

    @property
    def _container_actions(self) -> dict[StepKind, Callable[[ContainerStep], None]]:
        return {
            StepKind.REMOVE_CONTAINER: self._remove,
            StepKind.CREATE_CONTAINER: self._create_container,
            StepKind.RECREATE_CONTAINER: self._recreate,
            StepKind.START_CONTAINER: self._start,
            StepKind.RESTART_CONTAINER: self._restart,
        }

    # -- steps ------------------------------------------------------------------------
    def _pull(self, step: ResourceStep) -> None:
        self.reporter.checkpoint()
        if self.options.fence is not None:
            self.options.fence()
        self.reporter.log(f"pull {step.target}: {step.reason}", step=step.kind)
        self.gw.pull(step.target, step.details.platform)

    def _build(self, step: ResourceStep) -> None:
        self.reporter.checkpoint()
        if self.options.fence is not None:
            self.options.fence()
        image_id = build_step.run(self.gw, self.project, self.desired.files, step, self.reporter)
        self._image_ids[step.target] = image_id

    def _create_network(self, step: ResourceStep) -> None:
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

    def _create_volume(self, step: ResourceStep) -> None:
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

    def _write_files(self, step: ResourceStep) -> None:
        """The version's bundle into the project directory; the step names the previous
        bundle's files this one lacks (they go)."""
        self.reporter.checkpoint()
        directory = self.options.places.project_dir(self.desired.project)
        self.reporter.log(f"write project files to {directory}: {step.reason}", step=step.kind)
        gone = [p for p in step.details.files if p not in self.desired.files]
        ProjectDirectory(self.gw, directory, self.options.fence).write(self.desired.files, gone)

    def _remove(self, step: ContainerStep) -> None:
        self.reporter.checkpoint()
        self.reporter.log(
            f"remove {step.target}: {step.reason}", step=step.kind, service=step.service
        )
        container = _observed_id(step)
        self.mut.stop(container, timeout=self._stop_timeout(step.service))
        self.mut.remove_container(container)

    def _create_container(self, step: ContainerStep) -> None:
        self.reporter.checkpoint()
        config = self._config(step.service, step.number)
        self.reporter.log(f"create {step.target}", step=step.kind, service=step.service)
        self.container_ids[step.target] = self._create(step.target, step.service, config)

    def _recreate(self, step: ContainerStep) -> None:
        """A new container under a temporary name, the old one out (by id), then the rename."""
        self.reporter.checkpoint()
        service = step.service
        config = self._config(service, step.number)
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
            self.mut.connect(container_id, endpoint)
        try:
            self.mut.put_files(container_id, config.files)
        except BaseException:
            self._own.remove_container(container_id)  # never started: nothing is lost
            raise
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
        problem = container_spec.engine_problem(spec, self.api_version)
        if problem:
            raise TerminalError(f"services.{service}: {problem}")
        peers = {peer: self._first_container_of(peer) for peer in spec.joined_services()}
        return container_spec.build(
            self.project,
            service,
            labels,
            engine_api=self.api_version,
            number=number,
            peers=peers,
            places=self.options.places,
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
        raise TerminalError(
            f"service:{service} (network_mode, pid, ipc or volumes_from): no container of it"
        )

    def _start(self, step: ContainerStep) -> None:
        self.reporter.checkpoint()
        self.reporter.log(
            f"start {step.target}", step=step.kind, service=step.service, reason=step.reason
        )
        self.mut.start(self._container_of(step))

    def _restart(self, step: ContainerStep) -> None:
        self.reporter.checkpoint()
        self.reporter.log(
            f"restart {step.target}", step=step.kind, service=step.service, reason=step.reason
        )
        self.mut.restart(self._container_of(step), timeout=self._stop_timeout(step.service))

    def _container_of(self, step: ContainerStep) -> str:
        """The container this execution made under the step's name, else the observed one."""
        return self.container_ids.get(step.target) or _observed_id(step)

    # -- depends_on conditions --------------------------------------------------------
    def _wait(self, step: WaitStep) -> None:
        """Waits as the step says; a step that is not required only warns when its
        condition fails or times out, and the next layer goes on."""
        word = _CONDITION_WORD[step.condition]

        def probe() -> bool | str:
            self.reporter.checkpoint()
            return self._condition_state(step.service, step.condition)

        def waiting() -> None:
            self.reporter.log(f"waiting for {step.service} to be {word}", service=step.service)

        try:
            waited = schedule.wait_until(
                probe, self.options.wait_timeout, POLL_SECONDS, on_waiting=waiting
            )
        except schedule.NeverReady as exc:
            problem = f"dependency {step.service} failed {step.condition}: {exc.args[0]}"
        except schedule.ReadyTimedOut:
            problem = (
                f"timed out after {self.options.wait_timeout:g} s waiting "
                f"for {step.service} to be {word}"
            )
        else:
            if waited:
                self.reporter.log(f"{step.service} is {word}", service=step.service)
            return
        if step.required:
            raise TerminalError(problem)
        self.reporter.log(
            f"optional dependency: {problem}; going on", "warning", service=step.service
        )

    def _condition_state(self, service: str, condition: Condition) -> bool | str:
        """True when met, False when not yet, a reason string when it can no longer be met."""
        containers = [c for c in self.gw.containers(self.desired.project) if c.service == service]
        if not containers:
            return "no container"
        if condition == Condition.STARTED:  # running, or already exited (a one-shot)
            return all(c.state != "created" for c in containers)
        if condition == Condition.COMPLETED_SUCCESSFULLY:
            return _completed_state(containers)
        return self._healthy_state(containers)

    def _healthy_state(self, containers: list[ObservedContainer]) -> bool | str:
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


_CONDITION_WORD = {
    Condition.STARTED: "started",
    Condition.HEALTHY: "healthy",
    Condition.COMPLETED_SUCCESSFULLY: "completed successfully",
}


def _completed_state(containers: list[ObservedContainer]) -> bool | str:
    codes = [c.exit_code for c in containers if c.state in ("exited", "dead")]
    if any(code == 0 for code in codes):
        return True
    bad = [code for code in codes if code not in (0, None)]
    return f"exited with code {bad[0]}" if bad else False


def _observed_id(step: ContainerStep) -> str:
    if step.container_id is None:
        raise TerminalError(f"{step.kind} {step.target}: the plan has no container id for it")
    return step.container_id


def engine_api_version(gateway: DockerGateway) -> tuple[int, int]:
    version = gateway.api_version
    major, _, minor = version.partition(".")
    return (int(major), int(minor or 0)) if major.isdigit() and minor.isdigit() else (1, 41)
