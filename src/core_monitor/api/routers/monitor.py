"""Monitoring READ queries: live status and drift, containers, stats, logs, events (SSE)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from core_monitor.api import deploy_schemas
from core_monitor.api.deps import AuthDep, DeploysDep, IdentityDep, MonitorDep
from core_monitor.api.security import allow
from core_monitor.api.streams import event_stream
from core_monitor.domain.auth import Permission
from core_monitor.errors import FieldError, ValidationFailed
from core_monitor.monitor.containers import ContainerDetail
from core_monitor.monitor.host_status import HostStatus
from core_monitor.monitor.logs import MAX_TAIL, LogLine, LogWindow
from core_monitor.monitor.stack_logs import StackLogLine
from core_monitor.monitor.stats import ContainerStats
from core_monitor.monitor.status import ContainerStatus, StackSummary
from core_monitor.services.auth import AuthService

router = APIRouter(tags=["monitor"])
T = TypeVar("T")
S = TypeVar("S")
ENGINE: dict[int | str, dict[str, Any]] = {503: {"description": "Docker engine unreachable"}}
CONTAINER: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such container in a managed stack"},
    **ENGINE,
}
ANY = [allow(Permission.READ, "any")]
STACK = [allow(Permission.READ, "stack")]
CONTAINER_READ = [allow(Permission.READ, "container")]
LAST_SECOND = 253_402_300_799  # 9999-12-31T23:59:59Z
UNIX = "Unix time, seconds"


@router.get(
    "/status",
    response_model=list[StackSummary],
    summary="Every stack's overall status (one engine list call for all)",
    responses=ENGINE,
    dependencies=ANY,
)
async def all_status(monitor: MonitorDep, identity: IdentityDep) -> list[StackSummary]:
    summaries = await run_in_threadpool(monitor.all_status)
    visible = identity.visible_stacks()
    return [s for s in summaries if visible is None or s.stack_id in visible]


@router.get(
    "/status/hosts",
    response_model=list[HostStatus],
    summary="Every Docker host: reachable or why not, its engine's facts, its stacks' statuses",
    dependencies=ANY,
)
async def hosts_status(monitor: MonitorDep, identity: IdentityDep) -> list[HostStatus]:
    found = await run_in_threadpool(monitor.host_status)
    if identity.visible_stacks() is None:
        return found
    # the counts would tell of stacks the caller may not see
    return [h.model_copy(update={"stacks": {}}) for h in found]


@router.get(
    "/stacks/{stack_id}/status",
    response_model=deploy_schemas.StackStatusOut,
    summary="Desired vs actual: services, containers, health, drift, current deployments",
    responses={404: {"description": "No such stack"}, **ENGINE},
    dependencies=STACK,
)
async def stack_status(
    stack_id: str, monitor: MonitorDep, deploys: DeploysDep
) -> deploy_schemas.StackStatusOut:
    status = await run_in_threadpool(monitor.stack_status, stack_id)
    current = await run_in_threadpool(deploys.current, status.stack_id)
    return deploy_schemas.StackStatusOut(
        **status.model_dump(), deployments=[deploy_schemas.DeploymentOut.of(v) for v in current]
    )


@router.get(
    "/stacks/{stack_id}/containers",
    response_model=list[ContainerStatus],
    summary="A stack's containers",
    responses={404: {"description": "No such stack"}, **ENGINE},
    dependencies=STACK,
)
async def stack_containers(stack_id: str, monitor: MonitorDep) -> list[ContainerStatus]:
    return await run_in_threadpool(monitor.stack_containers, stack_id)


@router.get(
    "/containers/{container_id}",
    response_model=ContainerDetail,
    summary="Inspect summary of a managed stack's container",
    responses=CONTAINER,
    dependencies=CONTAINER_READ,
)
async def container(container_id: str, monitor: MonitorDep) -> ContainerDetail:
    return await run_in_threadpool(monitor.container, container_id)


@router.get(
    "/containers/{container_id}/stats",
    response_model=ContainerStats,
    summary="CPU, memory, network and block I/O, pids (one sample)",
    responses=CONTAINER,
    dependencies=CONTAINER_READ,
)
async def container_stats(container_id: str, monitor: MonitorDep) -> ContainerStats:
    return await run_in_threadpool(monitor.stats, container_id)


def log_window(
    tail: Annotated[int, Query(ge=0, le=MAX_TAIL)] = 100,
    since: Annotated[int | None, Query(ge=0, le=LAST_SECOND, description=UNIX)] = None,
    until: Annotated[int | None, Query(ge=0, le=LAST_SECOND, description=UNIX)] = None,
) -> LogWindow:
    """The query's window. Times are bounded here: the engine answers 500 to one it cannot
    parse."""
    if since is not None and until is not None and until < since:
        raise ValidationFailed([FieldError("until", "must not be before since")])
    return LogWindow(tail, since, until)


WindowDep = Annotated[LogWindow, Depends(log_window)]


async def read_or_follow(
    auth: AuthService,
    request: Request,
    follow: bool,
    read: Callable[[], list[T]],
    open_stream: Callable[[], S],
    stream: Callable[[S], AsyncIterator[str]],
) -> list[T] | StreamingResponse:
    """Logs read at once, or opened (in a worker thread: the engine may be slow to answer)
    and followed as server-sent events."""
    if not follow:
        return await run_in_threadpool(read)
    opened = await run_in_threadpool(open_stream)
    return event_stream(auth, request, stream(opened))


@router.get(
    "/containers/{container_id}/logs",
    response_model=list[LogLine],
    summary="Container logs; ?follow=1 streams them as server-sent events",
    responses={409: {"description": "The engine keeps no readable logs for it"}, **CONTAINER},
    dependencies=CONTAINER_READ,
)
async def container_logs(
    container_id: str,
    request: Request,
    auth: AuthDep,
    monitor: MonitorDep,
    window: WindowDep,
    timestamps: bool = False,
    follow: bool = False,
) -> list[LogLine] | StreamingResponse:
    return await read_or_follow(
        auth,
        request,
        follow,
        lambda: monitor.logs(container_id, window, timestamps=timestamps),
        lambda: monitor.open_logs(container_id, window, timestamps=timestamps, follow=True),
        lambda opened: monitor.follow_logs(opened, timestamps),
    )


@router.get(
    "/stacks/{stack_id}/logs",
    response_model=list[StackLogLine],
    summary="Every container's logs in one view, tagged with service and replica; "
    "?follow=1 streams them as server-sent events",
    description="Read at once: the last `tail` lines of the whole stack, ordered by time. "
    "Followed: each container's new lines as they come (event: stdout | stderr, data: the "
    "line with its service, replica and container). A container whose logs the engine "
    "cannot read is left out.",
    responses={404: {"description": "No such stack"}, **ENGINE},
    dependencies=STACK,
)
async def stack_logs(
    stack_id: str,
    request: Request,
    auth: AuthDep,
    monitor: MonitorDep,
    window: WindowDep,
    timestamps: bool = False,
    follow: bool = False,
) -> list[StackLogLine] | StreamingResponse:
    return await read_or_follow(
        auth,
        request,
        follow,
        lambda: monitor.stack_logs(stack_id, window, timestamps=timestamps),
        lambda: monitor.open_stack_logs(stack_id, window, follow=True),
        lambda opened: monitor.follow_stack_logs(opened, timestamps),
    )


@router.get(
    "/events",
    summary="Engine events of managed stacks and command events",
    description="With `Accept: text/event-stream`: a server-sent event stream that resumes "
    "after `Last-Event-ID`. Otherwise: the buffered events after `Last-Event-ID` (or "
    "`after`) as a JSON list, for polling.",
    response_model=list[dict[str, Any]],
    responses={200: {"content": {"text/event-stream": {}}}},
    dependencies=ANY,
)
async def events(
    request: Request,
    auth: AuthDep,
    monitor: MonitorDep,
    identity: IdentityDep,
    stack: Annotated[str | None, Query(max_length=100, description="Stack name or id")] = None,
    after: Annotated[int | None, Query(ge=0, le=2**62)] = None,
    accept: Annotated[str | None, Header(max_length=500)] = None,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> list[dict[str, Any]] | StreamingResponse:
    last = int(last_event_id) if last_event_id and last_event_id.isdigit() else after
    if accept and "text/event-stream" in accept:
        return event_stream(auth, request, monitor.events(last, stack, identity.visible_stacks()))
    return monitor.buffered_events(last, stack, identity.visible_stacks())
