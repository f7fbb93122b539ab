"""Bodies of the artifact and deployment routes (issue 16)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from core_monitor.api.schemas import StrictInput
from core_monitor.domain.deploy import Artifact, ArtifactKind, DeploymentStatus, TargetKind
from core_monitor.monitor import status
from core_monitor.services.deploys import DeploymentView, TargetView


class ArtifactOut(BaseModel):
    sha256: str
    kind: ArtifactKind
    filename: str
    size: int
    uploaded_by: str
    uploaded_at: datetime
    in_use: bool = Field(description="A deployment refers to it (it cannot be deleted).")

    @classmethod
    def of(cls, artifact: Artifact, in_use: bool) -> ArtifactOut:
        return cls(**artifact.model_dump(), in_use=in_use)


class DeploymentOut(BaseModel):
    deployment_id: str
    stack_id: str
    service: str
    path: str
    artifact: str = Field(description="The artifact's sha256.")
    artifact_filename: str
    status: DeploymentStatus
    requested_by: str
    requested_at: datetime
    finished_at: datetime | None
    command_id: str | None
    previous: str | None = Field(description="The deployment this one replaced.")
    message: str | None = Field(description="The driver's own words on failure.")
    health: str | None = Field(description="The verification's result.")
    comment: str | None
    current: bool = Field(description="The one its target serves (status DEPLOYED).")

    @classmethod
    def of(cls, view: DeploymentView) -> DeploymentOut:
        d = view.deployment
        return cls(
            **d.model_dump(),
            artifact_filename=view.artifact_filename,
            current=d.status == DeploymentStatus.DEPLOYED,
        )


class DeployTargetOut(BaseModel):
    service: str
    kind: TargetKind
    settings: dict[str, Any] = Field(description="x-coremon-deploy, without credentials.")
    current: list[DeploymentOut]

    @classmethod
    def of(cls, view: TargetView) -> DeployTargetOut:
        return cls(
            service=view.service,
            kind=view.kind,
            settings=view.settings,
            current=[DeploymentOut.of(v) for v in view.current],
        )


class RedeployRequest(StrictInput):
    comment: str | None = Field(None, max_length=2000)


class StackStatusOut(status.StackStatusOut):
    """The stack's status and, for each deploy target and path, what it serves (the
    monitor's answer plus the current deployments; same name on the wire as before)."""

    deployments: list[DeploymentOut] = Field(
        default_factory=list, description="The current (DEPLOYED) deployments."
    )
