"""Dependencies shared by routers: the services a route uses, and common parameters.

Routers receive services, never the composition root: each getter below hands out one of
the services ``core_monitor.runtime`` built for this app.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Query, Request

from core_monitor.api.security import ActorDep, IdentityDep
from core_monitor.monitor.service import MonitorService
from core_monitor.runtime import Runtime
from core_monitor.services.adoption import AdoptionService
from core_monitor.services.artifacts import ArtifactService
from core_monitor.services.audit import AuditTrail
from core_monitor.services.auth import AuthService, SingleSignOn
from core_monitor.services.backups import Backups
from core_monitor.services.command_reads import CommandReads
from core_monitor.services.commands import CommandService
from core_monitor.services.delivery import DeliveryService
from core_monitor.services.deploys import DeployService
from core_monitor.services.engine import EngineService
from core_monitor.services.health import HealthService
from core_monitor.services.hosts import HostService
from core_monitor.services.policy import PolicyService
from core_monitor.services.stacks import StackService
from core_monitor.services.users import UserService
from core_monitor.services.wizard import WizardService
from core_monitor.settings import Settings

__all__ = [
    "ActorDep",
    "AdoptionDep",
    "ArtifactsDep",
    "AuditDep",
    "AuthDep",
    "BackupsDep",
    "CommandReadsDep",
    "CommandsDep",
    "DeliveryDep",
    "DeploysDep",
    "EngineDep",
    "HealthDep",
    "HostsDep",
    "IdempotencyKey",
    "IdentityDep",
    "MonitorDep",
    "PagingDep",
    "PolicyDep",
    "RowId",
    "SettingsDep",
    "SsoDep",
    "StacksDep",
    "UsersDep",
    "VersionNumber",
    "WizardDep",
]


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _settings(request: Request) -> Settings:
    return _runtime(request).settings


def _stacks(request: Request) -> StackService:
    return _runtime(request).stacks


def _commands(request: Request) -> CommandService:
    return _runtime(request).commands


def _command_reads(request: Request) -> CommandReads:
    return _runtime(request).command_reads


def _monitor(request: Request) -> MonitorService:
    return _runtime(request).monitor


def _adoption(request: Request) -> AdoptionService:
    return _runtime(request).adoption


def _engine(request: Request) -> EngineService:
    return _runtime(request).engine


def _health(request: Request) -> HealthService:
    return _runtime(request).health


def _policy(request: Request) -> PolicyService:
    return _runtime(request).policy


def _auth(request: Request) -> AuthService:
    return _runtime(request).auth


def _users(request: Request) -> UserService:
    return _runtime(request).users


def _sso(request: Request) -> SingleSignOn | None:
    return _runtime(request).sso


def _audit(request: Request) -> AuditTrail:
    return _runtime(request).audit


def _backups(request: Request) -> Backups:
    return _runtime(request).backups


def _hosts(request: Request) -> HostService:
    return _runtime(request).host_records


def _wizard(request: Request) -> WizardService:
    return _runtime(request).wizard


def _artifacts(request: Request) -> ArtifactService:
    return _runtime(request).artifacts


def _deploys(request: Request) -> DeployService:
    return _runtime(request).deploys


def _delivery(request: Request) -> DeliveryService:
    return _runtime(request).delivery


class Paging:
    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset


SettingsDep = Annotated[Settings, Depends(_settings)]
StacksDep = Annotated[StackService, Depends(_stacks)]
CommandsDep = Annotated[CommandService, Depends(_commands)]
CommandReadsDep = Annotated[CommandReads, Depends(_command_reads)]
MonitorDep = Annotated[MonitorService, Depends(_monitor)]
EngineDep = Annotated[EngineService, Depends(_engine)]
AdoptionDep = Annotated[AdoptionService, Depends(_adoption)]
HealthDep = Annotated[HealthService, Depends(_health)]
PolicyDep = Annotated[PolicyService, Depends(_policy)]
AuthDep = Annotated[AuthService, Depends(_auth)]
UsersDep = Annotated[UserService, Depends(_users)]
SsoDep = Annotated[SingleSignOn | None, Depends(_sso)]
AuditDep = Annotated[AuditTrail, Depends(_audit)]
BackupsDep = Annotated[Backups, Depends(_backups)]
HostsDep = Annotated[HostService, Depends(_hosts)]
WizardDep = Annotated[WizardService, Depends(_wizard)]
DeploysDep = Annotated[DeployService, Depends(_deploys)]
ArtifactsDep = Annotated[ArtifactService, Depends(_artifacts)]
DeliveryDep = Annotated[DeliveryService, Depends(_delivery)]
VersionNumber = Annotated[int, Path(ge=1, le=2**31 - 1, description="Version number")]
RowId = Annotated[int, Path(ge=1, le=2**62)]
PagingDep = Annotated[Paging, Depends(Paging)]
IdempotencyKey = Annotated[str | None, Header(max_length=200)]
