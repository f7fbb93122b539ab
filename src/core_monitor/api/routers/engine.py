"""Dry-run plans and the engine's identity: READ queries that ask the Docker engine."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from core_monitor.api.deps import DeliveryDep, EngineDep, IdentityDep, VersionNumber
from core_monitor.api.security import allow
from core_monitor.domain.auth import Permission
from core_monitor.domain.plan import Plan
from core_monitor.monitor.host import DiskUsage
from core_monitor.monitor.images import LocalImage, local_images
from core_monitor.services.delivery import PinnedImage

router = APIRouter(tags=["engine"])


@router.get(
    "/stacks/{stack_id}/plan/{version}",
    response_model=Plan,
    summary="What APPLY of this version would do now (changes nothing)",
    responses={503: {"description": "Docker engine unreachable"}},
    dependencies=[allow(Permission.READ, "stack")],
)
async def plan(
    stack_id: str,
    version: VersionNumber,
    engine: EngineDep,
    allow_repin: Annotated[
        bool, Query(description="Pinned images gone: plan with the tags as they point now")
    ] = False,
) -> Plan:
    return await run_in_threadpool(engine.plan, stack_id, version, allow_repin)


class HostOut(BaseModel):
    reachable: bool
    address: str
    error: str | None = None
    version: str | None = None
    api_version: str | None = None
    os: str | None = None
    arch: str | None = None
    kernel: str | None = None
    operating_system: str | None = None
    cpus: int | None = None
    memory_bytes: int | None = None
    containers: dict[str, int] | None = None  # total, running, paused, stopped
    images: int | None = None
    disk: DiskUsage | None = None  # bytes used by images, volumes, containers, build cache


@router.get(
    "/host",
    response_model=HostOut,
    summary="The Docker engine Core Monitor drives",
    dependencies=[allow(Permission.READ)],
)
async def host(engine: EngineDep) -> HostOut:
    try:
        info: dict[str, Any] = await run_in_threadpool(engine.identity)
    except Exception as exc:  # EngineUnreachable and friends: said plainly, never a 500
        return HostOut(reachable=False, address=engine.address, error=str(exc))
    try:
        facts = await run_in_threadpool(engine.facts)
    except Exception as exc:  # the identity answered; the details are best effort
        facts = None
        error: str | None = str(exc)[:300]
    else:
        error = None
    return HostOut(
        error=error,
        operating_system=facts.operating_system if facts else None,
        cpus=facts.cpus if facts else None,
        memory_bytes=facts.memory_bytes if facts else None,
        containers=facts.containers if facts else None,
        images=facts.images if facts else None,
        disk=facts.disk if facts else None,
        reachable=True,
        address=engine.address,
        version=info.get("Version"),
        api_version=info.get("ApiVersion"),
        os=info.get("Os"),
        arch=info.get("Arch"),
        kernel=info.get("KernelVersion"),
    )


@router.get(
    "/images",
    response_model=list[LocalImage],
    summary="The engine's local images, by reference (what a stack can use without a registry)",
    responses={503: {"description": "Docker engine unreachable"}},
    dependencies=[allow(Permission.READ)],
)
async def images(
    engine: EngineDep,
    delivery: DeliveryDep,
    identity: IdentityDep,
    pinned: Annotated[
        bool,
        Query(description="Only images a version is pinned to (keep them to roll back to it)"),
    ] = False,
) -> list[LocalImage]:
    found = local_images(await run_in_threadpool(engine.local_images))
    if not pinned:
        return found
    pins = await run_in_threadpool(delivery.pinned, identity.visible_stacks())
    return pinned_images(found, pins)


def pinned_images(found: list[LocalImage], pins: list[PinnedImage]) -> list[LocalImage]:
    """One entry per pinned image present here (by ID), saying which versions pin it."""
    by_id: dict[str, list[str]] = {}
    for p in pins:
        by_id.setdefault(p.pin.image_id, []).append(f"{p.stack} v{p.version} {p.pin.service}")
    seen: set[str] = set()
    out = []
    for image in found:
        if image.id in by_id and image.id not in seen:
            seen.add(image.id)
            out.append(image.model_copy(update={"pinned_by": by_id[image.id]}))
    return out
