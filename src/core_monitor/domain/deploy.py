"""The vocabulary of application deploys: artifacts, deploy targets, deployments.

Pure data shared by the compose loader (which reads a service's ``x-coremon-deploy``), the
artifact store, the drivers (nginx, Tomcat, WildFly) and the DEPLOY executor. One closed
enum per kind of thing; kind-specific settings are typed here so each is parsed once.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

EXTENSION = "x-coremon-deploy"
"""The Compose extension key (on a service) that declares its deploy target."""


class ArtifactKind(StrEnum):
    """What an uploaded artifact is."""

    STATIC = "static"  # a .tar.gz or .zip of a static site
    WAR = "war"
    EAR = "ear"


class TargetKind(StrEnum):
    """The middleware a deploy target is."""

    NGINX = "nginx"
    TOMCAT = "tomcat"
    WILDFLY = "wildfly"


ACCEPTS: dict[TargetKind, frozenset[ArtifactKind]] = {
    TargetKind.NGINX: frozenset({ArtifactKind.STATIC}),
    TargetKind.TOMCAT: frozenset({ArtifactKind.WAR}),
    TargetKind.WILDFLY: frozenset({ArtifactKind.WAR, ArtifactKind.EAR}),
}
"""The one rule of which artifact kinds fit which target kind."""


class DeploymentStatus(StrEnum):
    """A deployment's life: DEPLOYING while its command runs, then one of the others.

    SUPERSEDED: a later deployment of the same target succeeded. ROLLED_BACK: it failed
    verification and the target's previous deployment was put back.
    """

    DEPLOYING = "DEPLOYING"
    DEPLOYED = "DEPLOYED"
    FAILED = "FAILED"
    ROLLED_BACK = "ROLLED_BACK"
    SUPERSEDED = "SUPERSEDED"


class _Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # where the server listens inside its container: the probe (and Tomcat's manager,
    # WildFly's management API on its own port) are reached there, from inside
    port: int = Field(ge=1, le=65535)
    # the path probed after a deploy, below the deployed path ("/" = its root)
    probe: str = "/"


class NginxSettings(_Settings):
    kind: Literal[TargetKind.NGINX] = TargetKind.NGINX
    port: int = Field(80, ge=1, le=65535)
    # a directory on a named volume: releases/<deployment>/ and the `current` symlink
    # live under <content>/<site>/; nginx's root points at <content>/<site>/current
    content: str = "/srv/sites"
    keep_releases: int = Field(5, ge=1, le=100)


class TomcatSettings(_Settings):
    kind: Literal[TargetKind.TOMCAT] = TargetKind.TOMCAT
    port: int = Field(8080, ge=1, le=65535)
    content: str = "/usr/local/tomcat/webapps"  # on a named volume
    # the manager's credentials: values interpolated from the version's (secret)
    # variables; no manager → copy into `content` and poll
    manager_user: str | None = None
    manager_password: str | None = None


class WildflySettings(_Settings):
    kind: Literal[TargetKind.WILDFLY] = TargetKind.WILDFLY
    port: int = Field(8080, ge=1, le=65535)
    management_port: int = Field(9990, ge=1, le=65535)
    content: str = "/opt/jboss/wildfly/standalone/deployments"  # on a named volume
    management_user: str | None = None
    management_password: str | None = None


DeploySettings = Annotated[
    NginxSettings | TomcatSettings | WildflySettings, Field(discriminator="kind")
]
"""A service's ``x-coremon-deploy`` value, parsed: one model per target kind."""


class DeployTarget(BaseModel):
    """Where a stack's service takes deployments."""

    model_config = ConfigDict(frozen=True)

    service: str
    settings: DeploySettings

    @property
    def kind(self) -> TargetKind:
        return self.settings.kind


class Artifact(BaseModel):
    """An uploaded artifact: stored once by its content's sha256."""

    model_config = ConfigDict(frozen=True)

    sha256: str
    kind: ArtifactKind
    filename: str
    size: int
    uploaded_by: str
    uploaded_at: datetime


class Deployment(BaseModel):
    """One deploy of an artifact into one target (service + path) of a stack."""

    model_config = ConfigDict(frozen=True)

    deployment_id: str
    stack_id: str
    service: str
    path: str  # a context path ("/app") or a site name; "/" the root
    artifact: str  # sha256
    status: DeploymentStatus
    requested_by: str
    requested_at: datetime
    finished_at: datetime | None = None
    command_id: str | None = None
    previous: str | None = None  # deployment_id this one replaced
    message: str | None = None  # the driver's own words on failure
    health: str | None = None  # the verification's result
    comment: str | None = None
