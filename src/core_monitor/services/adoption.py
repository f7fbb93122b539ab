"""Adopting a project started with `docker compose up`: its first version, verified.

The project's containers are found by Compose's project label. The first version is the
file given, or one reconstructed from the containers (``engine/reconstruct.py``). Each
running container is then compared field by field with the create request we would send
for it (``engine/adoption.py``), and the verdict is recorded: a container that matches
stands for our configuration from then on (the observer substitutes our config hash while
it keeps Compose's), one that differs is recreated by the plan with the fields that differ.
When the plan of v1 is then empty the stack is recorded as applied at v1; otherwise v1 is
desired and not applied, and its plan shows what an APPLY recreates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core_monitor.domain.actor import Actor
from core_monitor.domain.bundle import ProjectFiles
from core_monitor.domain.compose import ComposeProject
from core_monitor.domain.health import assess
from core_monitor.domain.plan import StepKind
from core_monitor.domain.stack import Stack, StackStatus, StackVersion, Variable
from core_monitor.engine import labels as lbl
from core_monitor.engine.adopted import AdoptedContainer
from core_monitor.engine.adoption import Difference, compare
from core_monitor.engine.container_spec import build
from core_monitor.engine.docker.render import render_request
from core_monitor.engine.executor import engine_api_version
from core_monitor.engine.model import ObservedContainer
from core_monitor.engine.observe import observe_resources
from core_monitor.engine.reconstruct import reconstruct
from core_monitor.errors import Conflict, FieldError, NotFound, ValidationFailed
from core_monitor.services import definitions
from core_monitor.services.convergence import Convergence
from core_monitor.services.desired import DesiredVersion
from core_monitor.services.stacks import StackService
from core_monitor.store import adopted as adopted_store
from core_monitor.store import audit
from core_monitor.store import stacks as stack_store

RECONSTRUCTED = "reconstructed from the running containers of Compose project {project!r}"


@dataclass(frozen=True)
class AdoptRequest:
    project: str
    compose: str | None  # None: reconstructed from the containers
    name: str | None  # None: the project's
    variables: dict[str, Variable]
    files: ProjectFiles = field(default_factory=dict)  # the version's bundle, as for a new stack


@dataclass(frozen=True)
class Verdict:
    """One running container against the version: matches when ``differences`` is empty."""

    name: str
    service: str
    container_id: str
    differences: list[Difference]


@dataclass(frozen=True)
class Adoption:
    stack: Stack
    version: StackVersion
    reconstructed: bool
    applied: bool  # every container matched and nothing is missing: recorded applied at v1
    containers: list[Verdict]


@dataclass(frozen=True)
class _Running:
    """What the engine said about the project, read before anything is written."""

    containers: list[ObservedContainer]
    inspects: dict[str, dict[str, Any]]  # container id → docker inspect
    images: dict[str, dict[str, Any]]  # image reference → image inspect


class AdoptionService:
    def __init__(self, stacks: StackService, convergence: Convergence) -> None:
        self.stacks = stacks
        self.convergence = convergence

    def adopt(self, actor: Actor, request: AdoptRequest) -> Adoption:
        name = request.name or request.project
        if name != request.project:
            raise ValidationFailed(
                [FieldError("name", "an adopted stack keeps its Compose project's name")]
            )
        running = self._running(request.project)
        compose = request.compose
        comment = "adopted from Compose project " + repr(request.project)
        if compose is None:
            compose = self._reconstruct(request.project, running)
            comment = RECONSTRUCTED.format(project=request.project)
        # verified before anything is written: a file we cannot render writes nothing
        project, _ = definitions.load_masked(name, compose, request.variables, request.files)
        verdicts = [self._verify(project, c, running) for c in running.containers]
        stack, version = self.stacks.create_stack(
            actor, name, compose, request.variables, comment, request.files
        )
        found = self.convergence.versions.get(stack.stack_id, version.version)
        records = [
            AdoptedContainer(
                v.container_id,
                c.config_hash,
                _our_hash(found, c.service),
                tuple(d.field for d in v.differences),
            )
            for v, c in zip(verdicts, running.containers, strict=True)
        ]
        applied = self._record(actor, stack, found, records)
        with self.stacks.db.read() as session:
            stack = stack_store.get_stack(session, stack.stack_id)
        return Adoption(stack, version, request.compose is None, applied, verdicts)

    def _running(self, project: str) -> _Running:
        gateway = self.convergence.gateway
        containers = gateway.containers(project)
        if not containers:
            raise NotFound(f"no container of Compose project {project!r} on this engine")
        if any(lbl.STACK_ID in c.labels for c in containers):
            raise Conflict(f"Compose project {project!r} is already managed by Core Monitor")
        inspects = {}
        for container in containers:
            inspected = gateway.inspect_container(container.id)
            if inspected is not None:
                inspects[container.id] = inspected
        references = {str((i.get("Config") or {}).get("Image", "")) for i in inspects.values()}
        images = {}
        for reference in sorted(references):
            image = gateway.inspect_image(reference)
            if image is not None:
                images[reference] = image
        present = [c for c in containers if c.id in inspects]
        return _Running(present, inspects, images)

    @staticmethod
    def _reconstruct(project: str, running: _Running) -> str:
        configs = {ref: dict(image.get("Config") or {}) for ref, image in running.images.items()}
        return reconstruct(project, list(running.inspects.values()), configs)

    def _verify(
        self, project: ComposeProject, container: ObservedContainer, running: _Running
    ) -> Verdict:
        verdict = Verdict(container.name, container.service, container.id, [])
        if container.service not in project.services:
            verdict.differences.append(Difference("service", None, container.service))
            return verdict
        gateway = self.convergence.gateway
        spec = project.services[container.service]
        config = build(
            project,
            container.service,
            {},
            engine_api=engine_api_version(gateway),
            number=container.number,
        )
        image = running.images.get(spec.image) or {}
        rendered = render_request(config, gateway.api_version, image.get("Id"))
        inspected = running.inspects[container.id]
        verdict.differences.extend(compare(rendered, inspected, image.get("Config") or {}))
        return verdict

    def _record(
        self,
        actor: Actor,
        stack: Stack,
        found: DesiredVersion,
        records: list[AdoptedContainer],
    ) -> bool:
        """The verdicts; the stack applied at v1 when its plan now touches no container nor
        resource (writing the bundle's files into the project directory aside)."""
        with self.stacks.db.write() as session:
            adopted_store.record(session, stack.stack_id, records)
            audit.record_by(
                session,
                actor,
                "stack.adopt",
                f"stack:{stack.stack_id}",
                details={
                    "project": stack.name,
                    "matched": sum(1 for r in records if not r.differences),
                    "differ": sorted(r.container_id[:12] for r in records if r.differences),
                },
            )
        steps = self.convergence.plan(stack.stack_id, found.state.version).steps
        # the bundle's files are not in the stack's project directory yet (Compose ran from
        # its own): a write the next APPLY does, which recreates nothing
        if any(s.kind != StepKind.WRITE_PROJECT_FILES for s in steps):
            return False
        now = observe_resources(self.convergence.gateway, found.state)
        containers = now.containers
        status = StackStatus(assess(found.state.services, containers).stack)
        mapping = {
            "containers": {
                c.name: {"id": c.id, "service": c.service, "number": c.number} for c in containers
            },
            "networks": {n.name: n.id for n in now.networks},
            "volumes": sorted(v.name for v in now.volumes),
        }
        version = found.state.version
        with self.stacks.db.write() as session:
            stack_store.record_runtime(session, stack.stack_id, version, status, mapping)
            stack_store.set_status(
                session, stack.stack_id, status, desired_version=version, current_version=version
            )
        return True


def _our_hash(found: DesiredVersion, service: str) -> str:
    wanted = found.state.services.get(service)
    return wanted.config_hash if wanted else ""
