"""Commands: read, follow their logs, and the operator's verbs (cancel, retry, dismiss)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from core_monitor.api.deps import (
    ActorDep,
    AuthDep,
    CommandReadsDep,
    CommandsDep,
    IdentityDep,
    PagingDep,
    SettingsDep,
)
from core_monitor.api.schemas import CommandOut, DismissRequest, LogLineOut, Page, QueueOut
from core_monitor.api.security import allow
from core_monitor.api.streams import event_stream
from core_monitor.domain.auth import Permission
from core_monitor.domain.commands import FINISHED, CommandLogLine, CommandStatus, CommandType
from core_monitor.services.command_reads import CommandQuery
from core_monitor.vault import REDACTOR

router = APIRouter(tags=["commands"])
POLL_SECONDS = 0.2
READ = [allow(Permission.READ, "command")]
OPERATE = [allow(Permission.OPERATE, "command")]


@router.get(
    "/commands",
    response_model=Page[CommandOut],
    summary="Commands, newest first (of the stacks you may see)",
    dependencies=[allow(Permission.READ, "any")],
)
def list_commands(
    reads: CommandReadsDep,
    identity: IdentityDep,
    paging: PagingDep,
    stack_id: Annotated[str | None, Query(max_length=63)] = None,
    status: CommandStatus | None = None,
    type: CommandType | None = None,
) -> Page[CommandOut]:
    items, total = reads.find(
        CommandQuery(stack_id, status, type, paging.limit, paging.offset, identity.visible_stacks())
    )
    return Page(
        items=[CommandOut.of(c) for c in items],
        total=total,
        limit=paging.limit,
        offset=paging.offset,
    )


@router.get("/commands/{command_id}", response_model=CommandOut, dependencies=READ)
def get_command(command_id: str, reads: CommandReadsDep) -> CommandOut:
    return CommandOut.of(reads.get(command_id))


@router.get(
    "/commands/{command_id}/logs",
    response_model=list[LogLineOut],
    summary="A command's log lines; ?follow=1 streams them (SSE) until it finishes",
    responses={200: {"content": {"text/event-stream": {}}}},
    dependencies=READ,
)
async def command_logs(
    command_id: str,
    request: Request,
    auth: AuthDep,
    reads: CommandReadsDep,
    settings: SettingsDep,
    follow: bool = False,
    after: Annotated[int, Query(ge=0)] = 0,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> list[LogLineOut] | StreamingResponse:
    def read(after_id: int) -> tuple[list[CommandLogLine], CommandStatus]:
        return reads.logs_after(command_id, after_id)

    lines, _ = await run_in_threadpool(read, after)
    if not follow:
        return [LogLineOut.model_validate(line.model_dump()) for line in lines]
    start = int(last_event_id) if last_event_id and last_event_id.isdigit() else after
    return event_stream(auth, request, _follow(read, start, settings.max_stream_seconds))


LogReader = Callable[[int], tuple[list[CommandLogLine], CommandStatus]]


async def _follow(reader: LogReader, after_id: int, max_seconds: float) -> AsyncIterator[str]:
    deadline = time.monotonic() + max_seconds
    last_beat = time.monotonic()
    while time.monotonic() < deadline:
        lines, status = await run_in_threadpool(reader, after_id)
        for line in lines:
            after_id = line.id
            masked = REDACTOR.mask_value(line.model_dump(mode="json"))
            data = json.dumps(masked, ensure_ascii=False, separators=(",", ":"))
            yield f"id: {line.id}\nevent: log\ndata: {data}\n\n"
        if not lines and status in FINISHED:
            yield f"event: end\ndata: {json.dumps({'status': str(status)})}\n\n"
            return
        if time.monotonic() - last_beat > 15:
            last_beat = time.monotonic()
            yield ": keep-alive\n\n"
        await asyncio.sleep(POLL_SECONDS)
    yield 'event: timeout\ndata: {"reason": "stream duration limit reached; reconnect"}\n\n'


@router.post(
    "/commands/{command_id}/cancel",
    response_model=CommandOut,
    responses={409: {"description": "Not PENDING or RUNNING"}},
    dependencies=OPERATE,
)
async def cancel(command_id: str, commands: CommandsDep, actor: ActorDep) -> CommandOut:
    return CommandOut.of(await run_in_threadpool(commands.cancel, actor, command_id))


@router.post(
    "/commands/{command_id}/retry",
    response_model=CommandOut,
    responses={409: {"description": "Not FAILED"}},
    dependencies=OPERATE,
)
async def retry(command_id: str, commands: CommandsDep, actor: ActorDep) -> CommandOut:
    return CommandOut.of(await run_in_threadpool(commands.retry, actor, command_id))


@router.post(
    "/commands/{command_id}/dismiss",
    response_model=CommandOut,
    responses={409: {"description": "Not FAILED"}},
    dependencies=OPERATE,
)
async def dismiss(
    command_id: str, body: DismissRequest, commands: CommandsDep, actor: ActorDep
) -> CommandOut:
    return CommandOut.of(await run_in_threadpool(commands.dismiss, actor, command_id, body.reason))


@router.get(
    "/queue",
    response_model=QueueOut,
    summary="Head, depth, and why it is halted (commands on stacks you cannot see withheld)",
    dependencies=[allow(Permission.READ, "any")],
)
def queue_state(reads: CommandReadsDep, identity: IdentityDep) -> QueueOut:
    state, halt = reads.queue_for(identity)
    return QueueOut(
        halted=state.halted,
        halted_reason=state.halted_reason,
        depth=state.depth,
        on_failure=state.on_failure,
        head=CommandOut.of(state.head) if state.head else None,
        running=CommandOut.of(state.running) if state.running else None,
        halted_by=halt,
    )
