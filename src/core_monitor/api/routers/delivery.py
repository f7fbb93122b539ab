"""A stack's delivery state: its freeze (set by a rollback) and its APPLY defaults."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from core_monitor.api.deps import ActorDep, DeliveryDep
from core_monitor.api.schemas import DeliveryOut, DeliveryPatch, duration_seconds
from core_monitor.api.security import allow
from core_monitor.domain.auth import Permission

router = APIRouter(prefix="/stacks", tags=["delivery"])


@router.get(
    "/{stack_id}/delivery",
    response_model=DeliveryOut,
    summary="The stack's APPLY defaults (atomic, gate timeout) and its freeze",
    dependencies=[allow(Permission.READ, "stack")],
)
def get_delivery(stack_id: str, delivery: DeliveryDep) -> DeliveryOut:
    defaults, frozen = delivery.state(stack_id)
    return DeliveryOut(
        atomic=defaults.atomic, atomic_timeout_seconds=defaults.timeout_seconds, frozen=frozen
    )


@router.patch(
    "/{stack_id}",
    response_model=DeliveryOut,
    summary="Change the stack's APPLY defaults (atomic, gate timeout)",
    dependencies=[allow(Permission.OPERATE, "stack")],
)
async def patch_stack(
    stack_id: str, body: DeliveryPatch, delivery: DeliveryDep, actor: ActorDep
) -> DeliveryOut:
    timeout = (
        None
        if body.atomic_timeout is None
        else duration_seconds("atomic_timeout", body.atomic_timeout)
    )
    await run_in_threadpool(delivery.set_defaults, actor, stack_id, body.atomic, timeout)
    return get_delivery(stack_id, delivery)


@router.post(
    "/{stack_id}/unfreeze",
    response_model=DeliveryOut,
    summary="Lift the freeze a rollback set (audited)",
    responses={409: {"description": "The stack is not frozen"}},
    dependencies=[allow(Permission.OPERATE, "stack")],
)
async def unfreeze(stack_id: str, delivery: DeliveryDep, actor: ActorDep) -> DeliveryOut:
    await run_in_threadpool(delivery.unfreeze, actor, stack_id)
    return get_delivery(stack_id, delivery)
