"""The stack policy and its per-stack exceptions: readable by all, changed by admins."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from core_monitor.api.deps import PolicyDep, RowId
from core_monitor.api.schemas import StrictInput
from core_monitor.api.security import ActorDep, allow
from core_monitor.domain.auth import Permission
from core_monitor.domain.policy import RULES, Policy, PolicyException

router = APIRouter(prefix="/policy", tags=["policy"])


class ExceptionOut(BaseModel):
    id: int
    stack_id: str
    stack: str  # its name
    rule: str
    reason: str
    granted_by: str
    created_at: datetime

    @classmethod
    def of(cls, found: PolicyException) -> ExceptionOut:
        return cls(
            id=found.id,
            stack_id=found.stack_id,
            stack=found.stack,
            rule=found.rule,
            reason=found.reason,
            granted_by=found.granted_by,
            created_at=found.created_at,
        )


class ExceptionRequest(StrictInput):
    stack: str = Field(
        min_length=1,
        max_length=63,
        description="Name or id of a live stack; the exception goes with that stack.",
    )
    rule: str = Field(min_length=1, max_length=64, examples=sorted(RULES))
    reason: str = Field(min_length=1, max_length=2000, examples=["monitoring agent needs /proc"])


@router.get(
    "", response_model=Policy, summary="The stack policy", dependencies=[allow(Permission.READ)]
)
def get_policy(policy: PolicyDep) -> Policy:
    return policy.policy()


@router.put(
    "",
    response_model=Policy,
    summary="Replace the stack policy (rules left out stay enabled)",
    dependencies=[allow(Permission.ADMIN)],
)
async def put_policy(body: Policy, policy: PolicyDep, actor: ActorDep) -> Policy:
    return await run_in_threadpool(policy.replace, actor, body)


@router.get(
    "/exceptions",
    response_model=list[ExceptionOut],
    summary="Rules that stacks may break",
    dependencies=[allow(Permission.READ)],
)
def list_exceptions(policy: PolicyDep) -> list[ExceptionOut]:
    return [ExceptionOut.of(found) for found in policy.exceptions()]


@router.post(
    "/exceptions",
    status_code=201,
    response_model=ExceptionOut,
    summary="Let one stack break one rule",
    dependencies=[allow(Permission.ADMIN)],
    responses={
        409: {"description": "Already granted"},
        422: {"description": "Unknown rule, or no live stack of that name or id"},
    },
)
async def grant(body: ExceptionRequest, policy: PolicyDep, actor: ActorDep) -> ExceptionOut:
    granted = await run_in_threadpool(policy.grant, actor, body.stack, body.rule, body.reason)
    return ExceptionOut.of(granted)


@router.delete(
    "/exceptions/{exception_id}",
    status_code=204,
    summary="Withdraw an exception (the next APPLY is checked without it)",
    dependencies=[allow(Permission.ADMIN)],
)
async def withdraw(exception_id: RowId, policy: PolicyDep, actor: ActorDep) -> Response:
    await run_in_threadpool(policy.withdraw, actor, exception_id)
    return Response(status_code=204)
