"""Artifacts: upload (multipart, streamed to the store), list, read, delete."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Response, UploadFile
from fastapi.concurrency import run_in_threadpool

from core_monitor.api.deploy_schemas import ArtifactOut
from core_monitor.api.deps import ActorDep, ArtifactsDep, PagingDep
from core_monitor.api.schemas import Page
from core_monitor.api.security import allow
from core_monitor.domain.auth import Permission
from core_monitor.domain.deploy import ArtifactKind

router = APIRouter(prefix="/artifacts", tags=["deployments"])
UPLOADED: dict[int | str, dict[str, Any]] = {
    200: {"description": "That content is stored already: its record", "model": ArtifactOut},
    413: {"description": "Larger than COREMON_MAX_ARTIFACT_BYTES"},
    422: {"description": "Unknown kind, unreadable or unsafe archive (names `file`)"},
}


@router.post(
    "",
    status_code=201,
    response_model=ArtifactOut,
    responses=UPLOADED,
    summary="Upload an artifact (a static site .tar.gz/.zip, a .war or an .ear)",
    dependencies=[allow(Permission.OPERATE, "any")],
)
async def upload_artifact(
    artifacts: ArtifactsDep,
    actor: ActorDep,
    response: Response,
    file: Annotated[UploadFile, File(description="The artifact")],
    kind: Annotated[ArtifactKind | None, Form(description="Default: from the name")] = None,
) -> ArtifactOut:
    artifact, created = await run_in_threadpool(
        artifacts.upload, actor, file.filename or "", kind, file.file
    )
    if created:
        return ArtifactOut.of(artifact, False)
    response.status_code = 200
    _, in_use = await run_in_threadpool(artifacts.artifact, artifact.sha256)
    return ArtifactOut.of(artifact, in_use)


@router.get(
    "",
    response_model=Page[ArtifactOut],
    summary="Artifacts, newest first",
    dependencies=[allow(Permission.READ, "any")],
)
def list_artifacts(
    artifacts: ArtifactsDep, paging: PagingDep, kind: ArtifactKind | None = None
) -> Page[ArtifactOut]:
    items, total = artifacts.artifacts(kind, paging.limit, paging.offset)
    return Page(
        items=[ArtifactOut.of(a, used) for a, used in items],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get(
    "/{sha256}",
    response_model=ArtifactOut,
    responses={404: {"description": "No such artifact"}},
    summary="One artifact",
    dependencies=[allow(Permission.READ, "any")],
)
def get_artifact(artifacts: ArtifactsDep, sha256: str) -> ArtifactOut:
    artifact, in_use = artifacts.artifact(sha256)
    return ArtifactOut.of(artifact, in_use)


@router.delete(
    "/{sha256}",
    status_code=204,
    responses={404: {"description": "No such artifact"}, 409: {"description": "In use"}},
    summary="Delete an artifact no deployment refers to",
    dependencies=[allow(Permission.ADMIN)],
)
def delete_artifact(artifacts: ArtifactsDep, actor: ActorDep, sha256: str) -> Response:
    artifacts.delete_artifact(actor, sha256)
    return Response(status_code=204)
