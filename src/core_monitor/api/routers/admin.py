"""Administration: users, personal API tokens, the audit trail (admin role)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool

from core_monitor.api.deps import AuditDep, PagingDep, UsersDep
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
from core_monitor.services.audit import AuditFilter
from core_monitor.services.users import UNSET

router = APIRouter(tags=["admin"])
ADMIN = [allow(Permission.ADMIN)]


@router.get("/users", response_model=Page[UserOut], dependencies=ADMIN, summary="Users")
async def list_users(accounts: UsersDep, paging: PagingDep) -> Page[UserOut]:
    users, total = await run_in_threadpool(accounts.list_users, paging.limit, paging.offset)
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
async def create_user(body: CreateUserRequest, accounts: UsersDep, actor: ActorDep) -> UserOut:
    user = await run_in_threadpool(
        accounts.create, actor, body.username, body.password, body.role, body.stack_roles
    )
    return UserOut.of(user)


@router.patch(
    "/users/{username}",
    response_model=UserOut,
    dependencies=ADMIN,
    summary="Change a user's roles, password, or disable them (sessions end at once)",
)
async def update_user(
    username: str, body: UpdateUserRequest, accounts: UsersDep, actor: ActorDep
) -> UserOut:
    user = await run_in_threadpool(
        lambda: accounts.update(
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
async def list_tokens(accounts: UsersDep, paging: PagingDep) -> Page[ApiTokenOut]:
    tokens, total = await run_in_threadpool(accounts.list_tokens, paging.limit, paging.offset)
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
    body: CreateTokenRequest, accounts: UsersDep, actor: ActorDep
) -> ApiTokenCreated:
    created = await run_in_threadpool(
        lambda: accounts.create_token(
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
async def revoke_token(token_id: str, accounts: UsersDep, actor: ActorDep) -> Response:
    await run_in_threadpool(accounts.revoke_token, actor, token_id)
    return Response(status_code=204)


@router.get(
    "/audit",
    response_model=Page[AuditOut],
    dependencies=ADMIN,
    summary="The audit trail, newest first",
)
def audit_trail(
    trail: AuditDep,
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
    where = AuditFilter(
        actor=actor,
        action=action,
        target=target,
        outcome=outcome,
        since=since,
        until=until,
    )
    entries, total = trail.entries(where, paging.limit, paging.offset)
    items = [
        AuditOut(
            id=e.id,
            time=e.time,
            actor=e.actor,
            source=e.source,
            action=e.action,
            target=e.target,
            outcome=e.outcome,
            details=e.details,
        )
        for e in entries
    ]
    return Page(items=items, total=total, limit=paging.limit, offset=paging.offset)
