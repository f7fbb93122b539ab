"""Administration: users, personal API tokens, the audit trail (admin role)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool

from core_monitor.api.deps import PagingDep, RuntimeDep
from core_monitor.api.schemas import (
    ApiTokenCreated,
    ApiTokenOut,
    AuditOut,
    CreateTokenRequest,
    CreateUserRequest,
    Page,
    UpdateUserRequest,
    UserOut,
)
from core_monitor.api.security import ActorDep, allow
from core_monitor.domain.auth import Permission
from core_monitor.services.users import UNSET
from core_monitor.store import audit
from core_monitor.store.clock import aware

router = APIRouter(tags=["admin"])
ADMIN = [allow(Permission.ADMIN)]


@router.get("/users", response_model=Page[UserOut], dependencies=ADMIN, summary="Users")
async def list_users(runtime: RuntimeDep, paging: PagingDep) -> Page[UserOut]:
    users, total = await run_in_threadpool(runtime.users.list_users, paging.limit, paging.offset)
    return Page(
        items=[UserOut.of(u) for u in users], total=total, limit=paging.limit, offset=paging.offset
    )


@router.post(
    "/users",
    status_code=201,
    response_model=UserOut,
    dependencies=ADMIN,
    summary="Create a local user",
    responses={409: {"description": "Name taken"}},
)
async def create_user(body: CreateUserRequest, runtime: RuntimeDep, actor: ActorDep) -> UserOut:
    user = await run_in_threadpool(
        runtime.users.create, actor, body.username, body.password, body.role, body.stack_roles
    )
    return UserOut.of(user)


@router.patch(
    "/users/{username}",
    response_model=UserOut,
    dependencies=ADMIN,
    summary="Change a user's roles, password, or disable them (sessions end at once)",
)
async def update_user(
    username: str, body: UpdateUserRequest, runtime: RuntimeDep, actor: ActorDep
) -> UserOut:
    user = await run_in_threadpool(
        lambda: runtime.users.update(
            actor,
            username,
            role=body.role if "role" in body.model_fields_set else UNSET,
            enabled=body.enabled,
            password=body.password,
            stack_roles=body.stack_roles,
        )
    )
    return UserOut.of(user)


@router.get(
    "/tokens", response_model=Page[ApiTokenOut], dependencies=ADMIN, summary="Personal API tokens"
)
async def list_tokens(runtime: RuntimeDep, paging: PagingDep) -> Page[ApiTokenOut]:
    tokens, total = await run_in_threadpool(runtime.users.list_tokens, paging.limit, paging.offset)
    return Page(
        items=[ApiTokenOut.of(t) for t in tokens],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.post(
    "/tokens",
    status_code=201,
    response_model=ApiTokenCreated,
    dependencies=ADMIN,
    summary="Create a personal API token (its secret is shown this once)",
)
async def create_token(
    body: CreateTokenRequest, runtime: RuntimeDep, actor: ActorDep
) -> ApiTokenCreated:
    created = await run_in_threadpool(
        lambda: runtime.users.create_token(
            actor,
            name=body.name,
            owner=body.owner or actor.name,
            role=body.role,
            stacks=body.stacks,
            expires_in_days=body.expires_in_days,
        )
    )
    return ApiTokenCreated(**ApiTokenOut.of(created.token).model_dump(), token=created.secret)


@router.delete(
    "/tokens/{token_id}",
    status_code=204,
    dependencies=ADMIN,
    summary="Revoke a token (refused from the next request on)",
)
async def revoke_token(token_id: str, runtime: RuntimeDep, actor: ActorDep) -> Response:
    await run_in_threadpool(runtime.users.revoke_token, actor, token_id)
    return Response(status_code=204)


@router.get(
    "/audit",
    response_model=Page[AuditOut],
    dependencies=ADMIN,
    summary="The audit trail, newest first",
)
def audit_trail(
    runtime: RuntimeDep,
    paging: PagingDep,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[
        str | None, Query(max_length=64, description="Exact, or a prefix ending in '.'")
    ] = None,
    target: Annotated[str | None, Query(max_length=200)] = None,
    outcome: Annotated[str | None, Query(max_length=16)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Page[AuditOut]:
    where = audit.AuditFilter(
        actor=actor,
        action=action,
        target=target,
        outcome=outcome,
        since=aware(since) if since else None,
        until=aware(until) if until else None,
    )
    with runtime.db.read() as session:
        rows, total = audit.list_entries(session, where, limit=paging.limit, offset=paging.offset)
        items = [
            AuditOut(
                id=r.id,
                time=aware(r.time),
                actor=r.actor,
                source=r.source,
                action=r.action,
                target=r.target,
                outcome=r.outcome,
                details=r.details,
            )
            for r in rows
        ]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)
