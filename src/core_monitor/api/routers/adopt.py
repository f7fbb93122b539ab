"""Adopting a project started with `docker compose up` (POST /stacks/adopt)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from core_monitor.api.bundle_schemas import to_files
from core_monitor.api.deps import ActorDep, AdoptionDep
from core_monitor.api.schemas import (
    AdoptedContainerOut,
    AdoptRequest,
    DifferenceOut,
    StackAdopted,
    StackOut,
    to_variables,
)
from core_monitor.api.security import allow
from core_monitor.domain.auth import Permission
from core_monitor.engine.adoption import Difference
from core_monitor.services import adoption

router = APIRouter(prefix="/stacks", tags=["stacks"])

MASKED = "***"  # environment values may be secrets: a difference names the key only


@router.post(
    "/adopt",
    status_code=201,
    response_model=StackAdopted,
    summary="Adopt a project started with docker compose (v1: its file, or reconstructed)",
    responses={
        404: {"description": "No container of that Compose project"},
        409: {"description": "Already managed, or the name is taken"},
        422: {"description": "Invalid"},
    },
    dependencies=[allow(Permission.OPERATE)],
)
async def adopt_stack(body: AdoptRequest, service: AdoptionDep, actor: ActorDep) -> StackAdopted:
    request = adoption.AdoptRequest(
        project=body.project,
        compose=body.compose,
        name=body.name,
        variables=to_variables(body.variables),
        files=to_files(body.files),
    )
    done = await run_in_threadpool(service.adopt, actor, request)
    return StackAdopted(
        **StackOut.of(done.stack).model_dump(),
        version=done.version.version,
        reconstructed=done.reconstructed,
        applied=done.applied,
        containers=[
            AdoptedContainerOut(
                name=v.name,
                service=v.service,
                container_id=v.container_id,
                matches=not v.differences,
                differences=[_out(d) for d in v.differences],
            )
            for v in sorted(done.containers, key=lambda v: v.name)
        ],
    )


def _out(found: Difference) -> DifferenceOut:
    if found.field.startswith("environment."):
        return DifferenceOut(field=found.field, ours=MASKED, theirs=MASKED)
    return DifferenceOut(field=found.field, ours=found.ours, theirs=found.theirs)
