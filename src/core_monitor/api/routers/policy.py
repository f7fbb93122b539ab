"""The stack policy and its per-stack exceptions: readable by all, changed by admins."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from core_monitor.api.deps import RowId, RuntimeDep
from core_monitor.api.schemas import StrictInput
from core_monitor.api.security import ActorDep, allow
from core_monitor.domain.actor import Actor
from core_monitor.domain.auth import Permission
from core_monitor.domain.policy import RULES, Policy
from core_monitor.domain.stack import Stack
from core_monitor.errors import FieldError, NotFound, ValidationFailed
from core_monitor.store import audit
from core_monitor.store import policy as policy_store
from core_monitor.store import stacks as stack_store
from core_monitor.store.clock import aware
from core_monitor.store.db import Database
from core_monitor.store.tables import PolicyExceptionRow

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
    def of(cls, row: PolicyExceptionRow) -> ExceptionOut:
        return cls(
            id=row.id,
            stack_id=row.stack_id,
            stack=row.stack,
            rule=row.rule,
            reason=row.reason,
            granted_by=row.granted_by,
            created_at=aware(row.created_at),
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
def get_policy(runtime: RuntimeDep) -> Policy:
    with runtime.db.read() as session:
        return policy_store.get_policy(session)


@router.put(
    "",
    response_model=Policy,
    summary="Replace the stack policy (rules left out stay enabled)",
    dependencies=[allow(Permission.ADMIN)],
)
async def put_policy(body: Policy, runtime: RuntimeDep, actor: ActorDep) -> Policy:
    return await run_in_threadpool(_save, runtime.db, body, actor)


def _save(db: Database, policy: Policy, actor: Actor) -> Policy:
    with db.write() as session:
        before = policy_store.get_policy(session)
        policy_store.save_policy(session, policy, actor.name)
        audit.record_by(
            session,
            actor,
            "policy.update",
            "policy",
            details={
                "before": before.model_dump(mode="json", exclude={"rules"})
                | {"disabled": sorted(r for r in RULES if not before.enabled(r))},
                "after": policy.model_dump(mode="json", exclude={"rules"})
                | {"disabled": sorted(r for r in RULES if not policy.enabled(r))},
            },
        )
        return policy_store.get_policy(session)


@router.get(
    "/exceptions",
    response_model=list[ExceptionOut],
    summary="Rules that stacks may break",
    dependencies=[allow(Permission.READ)],
)
def list_exceptions(runtime: RuntimeDep) -> list[ExceptionOut]:
    with runtime.db.read() as session:
        return [ExceptionOut.of(row) for row in policy_store.exceptions(session)]


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
async def grant(body: ExceptionRequest, runtime: RuntimeDep, actor: ActorDep) -> ExceptionOut:
    return await run_in_threadpool(_grant, runtime.db, body, actor)


def _grant(db: Database, body: ExceptionRequest, actor: Actor) -> ExceptionOut:
    if body.rule not in RULES:
        raise ValidationFailed([FieldError("rule", f"unknown rule; known: {sorted(RULES)}")])
    with db.write() as session:
        stack = _live_stack(session, body.stack)
        row = policy_store.add_exception(
            session, stack=stack, rule=body.rule, reason=body.reason, by=actor.name
        )
        audit.record_by(
            session,
            actor,
            "policy.exception.grant",
            f"stack:{stack.stack_id}",
            details={"stack": stack.name, "rule": body.rule, "reason": body.reason},
        )
        return ExceptionOut.of(row)


def _live_stack(session: Session, ref: str) -> Stack:
    try:
        return stack_store.get_stack(session, ref)
    except NotFound:
        raise ValidationFailed(
            [FieldError("stack", f"no stack {ref!r}: create the stack, then grant the exception")]
        ) from None


@router.delete(
    "/exceptions/{exception_id}",
    status_code=204,
    summary="Withdraw an exception (the next APPLY is checked without it)",
    dependencies=[allow(Permission.ADMIN)],
)
async def withdraw(exception_id: RowId, runtime: RuntimeDep, actor: ActorDep) -> Response:
    await run_in_threadpool(_withdraw, runtime.db, exception_id, actor)
    return Response(status_code=204)


def _withdraw(db: Database, exception_id: int, actor: Actor) -> None:
    with db.write() as session:
        row = policy_store.remove_exception(session, exception_id)
        audit.record_by(
            session,
            actor,
            "policy.exception.withdraw",
            f"stack:{row.stack_id}",
            details={"stack": row.stack, "rule": row.rule},
        )
