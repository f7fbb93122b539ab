"""Stacks and their versions: READ at once; creation is a synchronous validated write."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool

from core_monitor.api.bundle_schemas import maybe_files, to_files
from core_monitor.api.deps import (
    ActorDep,
    CommandsDep,
    IdempotencyKey,
    IdentityDep,
    PagingDep,
    StacksDep,
    VersionNumber,
)
from core_monitor.api.routers.actions import ACCEPTED, accepted
from core_monitor.api.schemas import (
    VOLUMES_NOT_MOVED,
    CreateStackRequest,
    CreateVersionRequest,
    MoveAccepted,
    MoveRequest,
    Page,
    RestoreRequest,
    StackCreated,
    StackOut,
    ValidateStackRequest,
    ValidateVersionRequest,
    ValidationReport,
    VersionOut,
    VersionSummary,
    to_variables,
)
from core_monitor.api.security import allow
from core_monitor.domain.auth import Permission
from core_monitor.domain.diff import VersionDiff
from core_monitor.domain.stack import StackStatus
from core_monitor.services.stacks import StackQuery, VersionDraft

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
    stacks: StacksDep,
    identity: IdentityDep,
    paging: PagingDep,
    q: Annotated[str | None, Query(max_length=63, description="Name contains")] = None,
    status: StackStatus | None = None,
    deleted: Annotated[bool, Query(description="The deleted stacks instead of the live")] = False,
) -> Page[StackOut]:
    items, total, latest = stacks.list_stacks(
        StackQuery(q, status, paging.limit, paging.offset, identity.visible_stacks(), deleted)
    )
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
    body: CreateStackRequest, stacks: StacksDep, actor: ActorDep
) -> StackCreated:
    stack, version = await run_in_threadpool(
        stacks.create_stack,
        actor,
        body.name,
        body.compose,
        to_variables(body.variables),
        body.comment,
        to_files(body.files),
        host=body.host,
    )
    return StackCreated(**StackOut.of(stack).model_dump(), version=version.version)


@router.post(
    "/validate",
    response_model=ValidationReport,
    summary="Check a new stack's definition: every problem, each at its line (writes nothing)",
    dependencies=[allow(Permission.OPERATE)],
)
async def validate_stack(body: ValidateStackRequest, stacks: StacksDep) -> ValidationReport:
    issues = await run_in_threadpool(
        stacks.validate_new,
        body.name,
        body.compose,
        to_variables(body.variables),
        to_files(body.files),
    )
    return ValidationReport.of(issues)


@router.post(
    "/{stack_id}/restore",
    status_code=201,
    response_model=StackCreated,
    summary="A new live stack from a deleted stack's version (the deleted one stays as it was)",
    responses={409: {"description": "Not deleted, or the name is taken"}},
    dependencies=[allow(Permission.OPERATE)],
)
async def restore_stack(
    stack_id: str, body: RestoreRequest, stacks: StacksDep, actor: ActorDep
) -> StackCreated:
    stack, version = await run_in_threadpool(
        stacks.restore, actor, stack_id, body.version, body.name
    )
    return StackCreated(**StackOut.of(stack).model_dump(), version=version.version)


@router.get(
    "/{stack_id}",
    response_model=StackOut,
    summary="One stack (by id or name)",
    dependencies=READ,
)
def get_stack(stack_id: str, stacks: StacksDep) -> StackOut:
    return StackOut.of(stacks.get(stack_id))


@router.get(
    "/{stack_id}/versions",
    response_model=Page[VersionSummary],
    summary="A stack's versions, newest first",
    dependencies=READ,
)
def list_versions(stack_id: str, stacks: StacksDep, paging: PagingDep) -> Page[VersionSummary]:
    items, total = stacks.versions(stack_id, paging.limit, paging.offset)
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
    stack_id: str, body: CreateVersionRequest, stacks: StacksDep, actor: ActorDep
) -> VersionOut:
    variables = None if body.variables is None else to_variables(body.variables)
    draft = VersionDraft(
        body.compose, variables, body.comment, body.parent_version, maybe_files(body.files)
    )
    version = await run_in_threadpool(stacks.create_version, actor, stack_id, draft)
    return VersionOut.of(version)


@router.post(
    "/{stack_id}/validate",
    response_model=ValidationReport,
    summary="Check a new version's definition: every problem, each at its line (writes nothing)",
    dependencies=OPERATE,
)
async def validate_version(
    stack_id: str, body: ValidateVersionRequest, stacks: StacksDep
) -> ValidationReport:
    variables = None if body.variables is None else to_variables(body.variables)
    draft = VersionDraft(body.compose, variables, "", body.parent_version, maybe_files(body.files))
    issues = await run_in_threadpool(stacks.validate_version, stack_id, draft)
    return ValidationReport.of(issues)


@router.get(
    "/{stack_id}/versions/{version}",
    response_model=VersionOut,
    summary="One version: YAML, normalized definition, runtime",
    dependencies=READ,
)
def get_version(stack_id: str, version: VersionNumber, stacks: StacksDep) -> VersionOut:
    return VersionOut.of(stacks.version(stack_id, version))


@router.get(
    "/{stack_id}/versions/{a}/diff/{b}",
    response_model=VersionDiff,
    summary="Unified YAML diff and per-service structured diff",
    dependencies=READ,
)
def diff(stack_id: str, a: VersionNumber, b: VersionNumber, stacks: StacksDep) -> VersionDiff:
    return stacks.diff(stack_id, a, b)


@router.post(
    "/{stack_id}/move",
    status_code=202,
    response_model=MoveAccepted,
    responses={
        **ACCEPTED,
        409: {
            "description": "The stack was never applied (nothing runs: its host is chosen "
            "when it is created), runs on that host already, or a host's engine is not the "
            "trusted one"
        },
        422: {"description": "No such host"},
    },
    summary="Move the stack to another Docker host: removed there, its current version "
    "applied here (named volumes are not migrated)",
    dependencies=OPERATE,
)
async def move_stack(
    stack_id: str,
    body: MoveRequest,
    commands: CommandsDep,
    actor: ActorDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> MoveAccepted:
    command, _ = await run_in_threadpool(
        commands.move, actor, stack_id, body.host, body.remove_volumes, idempotency_key
    )
    fate = "removed" if body.remove_volumes else "left on it"
    return MoveAccepted(
        **accepted(command, response).model_dump(), note=VOLUMES_NOT_MOVED.format(fate=fate)
    )
