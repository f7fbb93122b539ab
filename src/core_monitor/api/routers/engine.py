"""Dry-run plans and the engine's identity: READ queries that ask the Docker engine."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from core_monitor.api.deps import RuntimeDep
from core_monitor.domain.plan import Plan

router = APIRouter(tags=["engine"])


@router.get(
    "/stacks/{stack_id}/plan/{version}",
    response_model=Plan,
    summary="What APPLY of this version would do now (changes nothing)",
    responses={503: {"description": "Docker engine unreachable"}},
)
async def plan(stack_id: str, version: int, runtime: RuntimeDep) -> Plan:
    return await run_in_threadpool(runtime.convergence.plan, stack_id, version)


class HostOut(BaseModel):
    reachable: bool
    address: str
    error: str | None = None
    version: str | None = None
    api_version: str | None = None
    os: str | None = None
    arch: str | None = None
    kernel: str | None = None


@router.get("/host", response_model=HostOut, summary="The Docker engine Core Monitor drives")
async def host(runtime: RuntimeDep) -> HostOut:
    gateway = runtime.convergence.gateway
    try:
        info: dict[str, Any] = await run_in_threadpool(gateway.ping)
    except Exception as exc:  # EngineUnreachable and friends: said plainly, never a 500
        return HostOut(reachable=False, address=gateway.address, error=str(exc))
    return HostOut(
        reachable=True,
        address=gateway.address,
        version=info.get("Version"),
        api_version=info.get("ApiVersion"),
        os=info.get("Os"),
        arch=info.get("Arch"),
        kernel=info.get("KernelVersion"),
    )
