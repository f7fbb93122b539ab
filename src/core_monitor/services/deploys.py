"""Deployments: deploy and redeploy requests, history, targets (artifacts: artifacts.py).

A deploy request is checked here, once (``deploy/preflight.py`` plus the target's driver),
then its deployment row (DEPLOYING) and its DEPLOY command are written in one transaction,
so the 202 names a deployment that exists. The DEPLOY executor does the rest.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from core_monitor.deploy import preflight
from core_monitor.deploy.artifacts import ArtifactStore
from core_monitor.deploy.driver import Driver
from core_monitor.deploy.war import web_namespace
from core_monitor.domain.actor import Actor
from core_monitor.domain.commands import Command, DeployPayload
from core_monitor.domain.compose import ServiceSpec
from core_monitor.domain.deploy import (
    Artifact,
    ArtifactKind,
    Deployment,
    DeploymentStatus,
    DeployTarget,
    TargetKind,
)
from core_monitor.domain.stack import Stack
from core_monitor.errors import FieldError, ValidationFailed
from core_monitor.services.commands import CommandService
from core_monitor.services.desired import DesiredVersions
from core_monitor.store import audit
from core_monitor.store import deploys as deploy_store
from core_monitor.store import stacks as stack_store
from core_monitor.store.clock import utcnow
from core_monitor.store.db import Database

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

Drivers = Callable[[], Mapping[TargetKind, Driver]]
CREDENTIALS = frozenset(
    {"manager_user", "manager_password", "management_user", "management_password"}
)


@dataclass(frozen=True)
class DeployAsk:
    service: str
    artifact: str  # sha256
    path: str | None = None
    comment: str | None = None


@dataclass(frozen=True)
class DeploymentView:
    deployment: Deployment
    artifact_filename: str


@dataclass(frozen=True)
class TargetView:
    service: str
    kind: TargetKind
    settings: dict[str, Any]  # without credentials
    current: list[DeploymentView]


def drivers_registered() -> Mapping[TargetKind, Driver]:
    """The drivers' registry, imported when first needed (the drivers are plug-ins)."""
    from core_monitor.deploy.drivers import DRIVERS

    return DRIVERS


class DeployService:
    def __init__(
        self,
        db: Database,
        store: ArtifactStore,
        versions: DesiredVersions,
        commands: CommandService,
        drivers: Drivers = drivers_registered,
    ) -> None:
        self.db = db
        self.store = store
        self.versions = versions
        self.commands = commands
        self.drivers = drivers

    # -- deploys -----------------------------------------------------------------------
    def request(
        self,
        actor: Actor,
        stack_ref: str,
        ask: DeployAsk,
        key: str | None = None,
        redeploy_of: str | None = None,
    ) -> Command:
        """Preflight, then the deployment row and its DEPLOY command in one transaction."""
        with self.db.read() as session:
            stack = stack_store.get_stack(session, stack_ref)
            artifact = deploy_store.find_artifact(session, ask.artifact)
        if artifact is None:
            raise ValidationFailed([FieldError("artifact", f"no artifact {ask.artifact!r}")])
        target, spec = self._target(stack, ask.service)
        path = ask.path or preflight.default_path(artifact)
        self._preflight(target, spec, artifact, path)
        # a retried request (same Idempotency-Key) names the same deployment
        deployment_id = str(
            uuid.uuid5(uuid.NAMESPACE_URL, f"coremon:{actor.name}:{key}") if key else uuid.uuid4()
        )
        payload = DeployPayload(
            service=ask.service,
            artifact=artifact.sha256,
            path=path,
            deployment_id=deployment_id,
            comment=ask.comment,
            redeploy_of=redeploy_of,
        )

        def along(session: Session, command: Command) -> None:
            deploy_store.add_deployment(
                session,
                Deployment(
                    deployment_id=deployment_id,
                    stack_id=stack.stack_id,
                    service=ask.service,
                    path=path,
                    artifact=artifact.sha256,
                    status=DeploymentStatus.DEPLOYING,
                    requested_by=actor.name,
                    requested_at=utcnow(),
                    command_id=command.command_id,
                    comment=ask.comment,
                ),
            )
            action = "deploy.redeploy" if redeploy_of else "deploy.request"
            audit.record_by(
                session,
                actor,
                action,
                f"stack:{stack.stack_id}",
                details={"command_id": command.command_id, **payload.wire()},
            )

        command, _ = self.commands.enqueue(actor, stack.stack_id, payload, key, along=along)
        return command

    def redeploy(
        self,
        actor: Actor,
        stack_ref: str,
        deployment_id: str,
        comment: str | None,
        key: str | None = None,
    ) -> Command:
        """That deployment's artifact again, into the same service and path (a rollback)."""
        with self.db.read() as session:
            stack = stack_store.get_stack(session, stack_ref)
            earlier = deploy_store.get_deployment(session, deployment_id, stack.stack_id)
        ask = DeployAsk(earlier.service, earlier.artifact, earlier.path, comment)
        return self.request(actor, stack.stack_id, ask, key, redeploy_of=deployment_id)

    def _target(self, stack: Stack, service: str) -> tuple[DeployTarget, ServiceSpec]:
        version = stack.current_version or stack.latest_version
        spec = self.versions.get(stack.stack_id, version).project.services.get(service)
        if spec is None:
            raise ValidationFailed(
                [FieldError("service", f"no service {service!r} in version {version}")]
            )
        if spec.deploy is None:
            raise ValidationFailed(
                [
                    FieldError(
                        "service",
                        f"service {service!r} declares no deploy target (x-coremon-deploy)",
                    )
                ]
            )
        return DeployTarget(service=service, settings=spec.deploy), spec

    def _preflight(
        self, target: DeployTarget, spec: ServiceSpec, artifact: Artifact, path: str
    ) -> None:
        war = artifact.kind == ArtifactKind.WAR and self.store.has(artifact.sha256)
        namespace = web_namespace(self.store.path(artifact.sha256)) if war else None
        errors = preflight.check(target, spec.image, artifact, namespace, path)
        driver = self.drivers().get(target.kind)
        if not errors and driver is not None:
            errors = driver.preflight(target, artifact, path)
        if errors:
            raise ValidationFailed(errors)

    # -- reads -------------------------------------------------------------------------
    def deployments(
        self, stack_ref: str, service: str | None, path: str | None, limit: int, offset: int
    ) -> tuple[list[DeploymentView], int]:
        with self.db.read() as session:
            stack = stack_store.get_stack(session, stack_ref)
            items, total = deploy_store.list_deployments(
                session, stack.stack_id, service, path, limit, offset
            )
            return self._views(session, items), total

    def current(self, stack_id: str) -> list[DeploymentView]:
        with self.db.read() as session:
            return self._views(session, deploy_store.current_deployments(session, stack_id))

    def targets(self, stack_ref: str) -> list[TargetView]:
        with self.db.read() as session:
            stack = stack_store.get_stack(session, stack_ref)
        version = stack.current_version or stack.latest_version
        project = self.versions.get(stack.stack_id, version).project
        current = self.current(stack.stack_id)
        return [
            TargetView(
                service=name,
                kind=spec.deploy.kind,
                settings=spec.deploy.model_dump(mode="json", exclude=set(CREDENTIALS)),
                current=[v for v in current if v.deployment.service == name],
            )
            for name, spec in sorted(project.services.items())
            if spec.deploy is not None
        ]

    @staticmethod
    def _views(session: Session, items: list[Deployment]) -> list[DeploymentView]:
        names: dict[str, str] = {}
        for item in items:
            if item.artifact not in names:
                found = deploy_store.find_artifact(session, item.artifact)
                names[item.artifact] = found.filename if found else ""
        return [DeploymentView(d, names[d.artifact]) for d in items]
