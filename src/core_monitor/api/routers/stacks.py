"""Stacks and their versions: READ at once; creation is a synchronous validated write."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool

from core_monitor.api.deps import ActorDep, IdentityDep, PagingDep, RuntimeDep, VersionNumber
from core_monitor.api.schemas import (
    CreateStackRequest,
    CreateVersionRequest,
    Page,
    StackCreated,
    StackOut,
    VersionOut,
    VersionSummary,
    to_variables,
)
from core_monitor.api.security import allow
from core_monitor.domain.auth import Permission
from core_monitor.domain.diff import VersionDiff, diff_versions
from core_monitor.domain.stack import StackStatus
from core_monitor.services import stacks as stack_service
from core_monitor.store import stacks as stack_store

router = APIRouter(prefix="/stacks", tags=["stacks"])
READ = [allow(Permission.READ, "stack")]
OPERATE = [allow(Permission.OPERATE, "stack")]


@router.get(
    "",
    response_model=Page[StackOut],
    summary="List stacks (those you may see)",
    dependencies=[allow(Permission.READ, "any")],
)
def list_stacks(
    runtime: RuntimeDep,
    identity: IdentityDep,
    paging: PagingDep,
    q: Annotated[str | None, Query(max_length=63, description="Name contains")] = None,
    status: StackStatus | None = None,
) -> Page[StackOut]:
    with runtime.db.read() as session:
        items, total = stack_store.list_stacks(
            session,
            q=q,
            status=status,
            limit=paging.limit,
            offset=paging.offset,
            only=identity.visible_stacks(),
        )
        latest = stack_store.latest_versions(session, items)
    return Page(
        items=[StackOut.of(s, latest.get(s.stack_id)) for s in items],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post(
    "",
    status_code=201,
    response_model=StackCreated,
    summary="Create a stack (v1)",
    responses={409: {"description": "Name taken"}, 422: {"description": "Invalid"}},
    dependencies=[allow(Permission.OPERATE)],
)
async def create_stack(
    body: CreateStackRequest, runtime: RuntimeDep, actor: ActorDep
) -> StackCreated:
    stack, version = await run_in_threadpool(
        stack_service.create_stack,
        runtime.db,
        actor,
        name=body.name,
        compose=body.compose,
        variables=to_variables(body.variables),
        comment=body.comment,
        box=runtime.convergence.box,
        max_containers=runtime.settings.max_containers_per_stack,
    )
    return StackCreated(**StackOut.of(stack).model_dump(), version=version.version)


@router.get(
    "/{stack_id}",
    response_model=StackOut,
    summary="One stack (by id or name)",
    dependencies=READ,
)
def get_stack(stack_id: str, runtime: RuntimeDep) -> StackOut:
    with runtime.db.read() as session:
        return StackOut.of(stack_store.get_stack(session, stack_id))


@router.get(
    "/{stack_id}/versions",
    response_model=Page[VersionSummary],
    summary="A stack's versions, newest first",
    dependencies=READ,
)
def list_versions(stack_id: str, runtime: RuntimeDep, paging: PagingDep) -> Page[VersionSummary]:
    with runtime.db.read() as session:
        stack = stack_store.get_stack(session, stack_id)
        items, total = stack_store.list_versions(
            session, stack.stack_id, limit=paging.limit, offset=paging.offset
        )
    return Page(
        items=[VersionSummary.of(v) for v in items],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post(
    "/{stack_id}/versions",
    status_code=201,
    response_model=VersionOut,
    summary="Create a new immutable version",
    responses={409: {"description": "Stale parent_version"}},
    dependencies=OPERATE,
)
async def create_version(
    stack_id: str, body: CreateVersionRequest, runtime: RuntimeDep, actor: ActorDep
) -> VersionOut:
    version = await run_in_threadpool(
        stack_service.create_version,
        runtime.db,
        actor,
        stack_id,
        compose=body.compose,
        variables=None if body.variables is None else to_variables(body.variables),
        comment=body.comment,
        parent_version=body.parent_version,
        box=runtime.convergence.box,
        max_containers=runtime.settings.max_containers_per_stack,
    )
    return VersionOut.of(version)


@router.get(
    "/{stack_id}/versions/{version}",
    response_model=VersionOut,
    summary="One version: YAML, normalized definition, runtime",
    dependencies=READ,
)
def get_version(stack_id: str, version: VersionNumber, runtime: RuntimeDep) -> VersionOut:
    with runtime.db.read() as session:
        stack = stack_store.get_stack(session, stack_id)
        return VersionOut.of(stack_store.get_version(session, stack.stack_id, version))


@router.get(
    "/{stack_id}/versions/{a}/diff/{b}",
    response_model=VersionDiff,
    summary="Unified YAML diff and per-service structured diff",
    dependencies=READ,
)
def diff(stack_id: str, a: VersionNumber, b: VersionNumber, runtime: RuntimeDep) -> VersionDiff:
    with runtime.db.read() as session:
        stack = stack_store.get_stack(session, stack_id)
        va = stack_store.get_version(session, stack.stack_id, a)
        vb = stack_store.get_version(session, stack.stack_id, b)
    return diff_versions(
        va.version, va.compose_text, va.definition, vb.version, vb.compose_text, vb.definition
    )
