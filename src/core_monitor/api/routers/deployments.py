"""A stack's deployments: history, redeploy (the rollback), deploy targets."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool

from core_monitor.api.deploy_schemas import DeploymentOut, DeployTargetOut, RedeployRequest
from core_monitor.api.deps import ActorDep, DeploysDep, IdempotencyKey, PagingDep
from core_monitor.api.routers.actions import ACCEPTED, OPERATE, accepted
from core_monitor.api.schemas import CommandAccepted, Page
from core_monitor.api.security import allow
from core_monitor.domain.auth import Permission

router = APIRouter(prefix="/stacks", tags=["deployments"])
READ = [allow(Permission.READ, "stack")]


@router.get(
    "/{stack_id}/deployments",
    response_model=Page[DeploymentOut],
    summary="The stack's deployments, newest first",
    dependencies=READ,
)
def list_deployments(
    stack_id: str,
    deploys: DeploysDep,
    paging: PagingDep,
    service: Annotated[str | None, Query(max_length=200)] = None,
    path: Annotated[str | None, Query(max_length=200)] = None,
) -> Page[DeploymentOut]:
    items, total = deploys.deployments(stack_id, service, path, paging.limit, paging.offset)
    return Page(
        items=[DeploymentOut.of(v) for v in items],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post(
    "/{stack_id}/deployments/{deployment_id}/redeploy",
    status_code=202,
    response_model=CommandAccepted,
    responses=ACCEPTED,
    summary="Deploy that deployment's artifact again, to the same service and path",
    dependencies=OPERATE,
)
async def redeploy(
    stack_id: str,
    deployment_id: str,
    deploys: DeploysDep,
    actor: ActorDep,
    response: Response,
    body: RedeployRequest | None = None,
    idempotency_key: IdempotencyKey = None,
) -> CommandAccepted:
    comment = (body or RedeployRequest()).comment
    command = await run_in_threadpool(
        deploys.redeploy, actor, stack_id, deployment_id, comment, idempotency_key
    )
    return accepted(command, response)


@router.get(
    "/{stack_id}/deploy-targets",
    response_model=list[DeployTargetOut],
    summary="The stack's deploy targets and what each serves",
    dependencies=READ,
)
def deploy_targets(stack_id: str, deploys: DeploysDep) -> list[DeployTargetOut]:
    return [DeployTargetOut.of(t) for t in deploys.targets(stack_id)]
