"""Artifacts and deployments as stored; every read returns the domain's models.

The current deployment of a target (stack, service, path) is its one DEPLOYED row: the
DEPLOY executor keeps it one (a success supersedes the previous one in the same commit).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core_monitor.domain.deploy import Artifact, ArtifactKind, Deployment, DeploymentStatus
from core_monitor.errors import NotFound
from core_monitor.store.clock import aware, maybe_aware
from core_monitor.store.tables import ArtifactRow, DeploymentRow


def _artifact(row: ArtifactRow) -> Artifact:
    return Artifact(
        sha256=row.sha256,
        kind=ArtifactKind(row.kind),
        filename=row.filename,
        size=row.size,
        uploaded_by=row.uploaded_by,
        uploaded_at=aware(row.uploaded_at),
    )


def _deployment(row: DeploymentRow) -> Deployment:
    return Deployment(
        deployment_id=row.deployment_id,
        stack_id=row.stack_id,
        service=row.service,
        path=row.path,
        artifact=row.artifact,
        status=DeploymentStatus(row.status),
        requested_by=row.requested_by,
        requested_at=aware(row.requested_at),
        finished_at=maybe_aware(row.finished_at),
        command_id=row.command_id,
        previous=row.previous,
        message=row.message,
        health=row.health,
        comment=row.comment,
    )


# -- artifacts ---------------------------------------------------------------------------
def add_artifact(session: Session, artifact: Artifact) -> None:
    session.add(ArtifactRow(**artifact.model_dump()))
    session.flush()


def find_artifact(session: Session, sha256: str) -> Artifact | None:
    row = session.get(ArtifactRow, sha256)
    return None if row is None else _artifact(row)


def get_artifact(session: Session, sha256: str) -> Artifact:
    found = find_artifact(session, sha256)
    if found is None:
        raise NotFound(f"no artifact {sha256!r}")
    return found


def list_artifacts(
    session: Session, kind: ArtifactKind | None, limit: int, offset: int
) -> tuple[list[Artifact], int]:
    query = select(ArtifactRow)
    if kind is not None:
        query = query.where(ArtifactRow.kind == kind.value)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(ArtifactRow.uploaded_at.desc(), ArtifactRow.sha256)
        .limit(limit)
        .offset(offset)
    )
    return [_artifact(r) for r in rows], total


def artifacts_in_use(session: Session, shas: list[str]) -> set[str]:
    """Which of these artifacts a deployment (any, kept for redeploys) refers to."""
    if not shas:
        return set()
    query = select(DeploymentRow.artifact).where(DeploymentRow.artifact.in_(shas)).distinct()
    return set(session.scalars(query))


def delete_artifact(session: Session, sha256: str) -> None:
    row = session.get(ArtifactRow, sha256)
    if row is not None:
        session.delete(row)
        session.flush()


# -- deployments -------------------------------------------------------------------------
def add_deployment(session: Session, deployment: Deployment) -> None:
    session.add(DeploymentRow(**deployment.model_dump(mode="python")))
    session.flush()


def get_deployment(session: Session, deployment_id: str, stack_id: str | None = None) -> Deployment:
    row = session.get(DeploymentRow, deployment_id)
    if row is None or (stack_id is not None and row.stack_id != stack_id):
        raise NotFound(f"no deployment {deployment_id!r}")
    return _deployment(row)


def list_deployments(
    session: Session,
    stack_id: str,
    service: str | None,
    path: str | None,
    limit: int,
    offset: int,
) -> tuple[list[Deployment], int]:
    query = select(DeploymentRow).where(DeploymentRow.stack_id == stack_id)
    if service is not None:
        query = query.where(DeploymentRow.service == service)
    if path is not None:
        query = query.where(DeploymentRow.path == path)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(DeploymentRow.requested_at.desc(), DeploymentRow.deployment_id)
        .limit(limit)
        .offset(offset)
    )
    return [_deployment(r) for r in rows], total


def current_deployments(session: Session, stack_id: str) -> list[Deployment]:
    """The DEPLOYED one of each of the stack's targets."""
    rows = session.scalars(
        select(DeploymentRow)
        .where(
            DeploymentRow.stack_id == stack_id,
            DeploymentRow.status == DeploymentStatus.DEPLOYED.value,
        )
        .order_by(DeploymentRow.service, DeploymentRow.path)
    )
    return [_deployment(r) for r in rows]


def current_of(session: Session, stack_id: str, service: str, path: str) -> Deployment | None:
    row = session.scalars(
        select(DeploymentRow)
        .where(
            DeploymentRow.stack_id == stack_id,
            DeploymentRow.service == service,
            DeploymentRow.path == path,
            DeploymentRow.status == DeploymentStatus.DEPLOYED.value,
        )
        .order_by(DeploymentRow.requested_at.desc())
        .limit(1)
    ).first()
    return None if row is None else _deployment(row)


def conclude(
    session: Session,
    deployment_id: str,
    status: DeploymentStatus,
    *,
    finished_at: datetime,
    message: str | None = None,
    health: str | None = None,
    previous: str | None = None,
) -> None:
    """A deployment's outcome; a DEPLOYED one supersedes every other DEPLOYED of its target."""
    row = session.get(DeploymentRow, deployment_id)
    if row is None:
        raise NotFound(f"no deployment {deployment_id!r}")
    if status == DeploymentStatus.DEPLOYED:
        for other in session.scalars(
            select(DeploymentRow).where(
                DeploymentRow.stack_id == row.stack_id,
                DeploymentRow.service == row.service,
                DeploymentRow.path == row.path,
                DeploymentRow.status == DeploymentStatus.DEPLOYED.value,
                DeploymentRow.deployment_id != deployment_id,
            )
        ):
            other.status = DeploymentStatus.SUPERSEDED.value
    row.status = status.value
    row.finished_at = finished_at
    row.message = message
    row.health = health
    row.previous = previous if previous is not None else row.previous
    session.flush()
