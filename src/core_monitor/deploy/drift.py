"""Does each target still serve its current deployment? Checked after an APPLY, ROLLBACK
or DEPLOY of the stack (a recreated middleware container must still serve what our records
say, from its named volume): a mismatch is reported as drift, never silently repaired."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from core_monitor.deploy.driver import Driver
from core_monitor.deploy.executor import OpenBox, container_of
from core_monitor.domain.deploy import DeployTarget, TargetKind
from core_monitor.services.desired import DesiredVersions
from core_monitor.store import deploys as deploy_store
from core_monitor.store import stacks as stack_store
from core_monitor.store.db import Database


@dataclass(frozen=True)
class Mismatch:
    service: str
    path: str
    recorded: str  # the deployment our records say is current
    served: str | None  # what the driver says the target serves (None: nothing)


class DeploymentCheck:
    def __init__(
        self,
        db: Database,
        versions: DesiredVersions,
        open_box: OpenBox,
        drivers: Callable[[], Mapping[TargetKind, Driver]],
    ) -> None:
        self.db = db
        self.versions = versions
        self.open_box = open_box
        self.drivers = drivers

    def mismatches(self, stack_id: str) -> list[Mismatch]:
        with self.db.read() as session:
            stack = stack_store.get_stack(session, stack_id)
            current = deploy_store.current_deployments(session, stack.stack_id)
            if not current or stack.current_version is None:
                return []
            mapping = stack_store.get_version(
                session, stack.stack_id, stack.current_version
            ).runtime.mapping
        project = self.versions.get(stack.stack_id, stack.current_version).project
        found = []
        for deployment in current:
            spec = project.services.get(deployment.service)
            driver = self.drivers().get(spec.deploy.kind) if spec and spec.deploy else None
            if spec is None or spec.deploy is None or driver is None:
                continue  # not a target any more, or not checkable on this server
            container = container_of(mapping, deployment.service)
            served = None
            if container is not None:
                target = DeployTarget(service=deployment.service, settings=spec.deploy)
                served = driver.current(
                    self.open_box(stack.host_id, container), target, deployment.path
                )
            if served != deployment.deployment_id:
                found.append(
                    Mismatch(deployment.service, deployment.path, deployment.deployment_id, served)
                )
        return found
