"""WRITE commands on a stack: each is persisted in the queue and answered 202."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool

from core_monitor.api.deps import (
    ActorDep,
    CommandsDep,
    DeploysDep,
    IdempotencyKey,
    VersionNumber,
)
from core_monitor.api.schemas import (
    ApplyRequest,
    CommandAccepted,
    DeleteRequest,
    DeployRequest,
    RollbackRequest,
)
from core_monitor.api.security import allow
from core_monitor.domain.auth import Permission
from core_monitor.domain.commands import (
    ApplyPayload,
    Command,
    CommandPayload,
    CommandType,
    DeletePayload,
    RollbackPayload,
    RuntimeActionPayload,
)
from core_monitor.services.deploys import DeployAsk

router = APIRouter(prefix="/stacks", tags=["commands"])
OPERATE = [allow(Permission.OPERATE, "stack")]
ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {"description": "Queued; follow the Location header"},
    404: {"description": "No such stack or version"},
    409: {
        "description": "Idempotency-Key reused for another request, no executor runs "
        "this command type on this server, a start/stop/restart with nothing to act on "
        "(a stack never applied, a service without containers in the applied version), "
        "an APPLY of another version while the stack is frozen (without force), or a "
        "version whose pinned images are gone (without allow_repin): refused, never queued"
    },
}


async def _enqueue(
    commands: CommandsDep,
    actor: ActorDep,
    response: Response,
    stack_id: str,
    payload: CommandPayload,
    key: str | None,
) -> CommandAccepted:
    command, _ = await run_in_threadpool(commands.enqueue, actor, stack_id, payload, key)
    return accepted(command, response)


def accepted(command: Command, response: Response) -> CommandAccepted:
    location = f"/api/v1/commands/{command.command_id}"
    response.headers["Location"] = location
    return CommandAccepted(
        command_id=command.command_id, seq=command.seq, status=command.status, location=location
    )


@router.post(
    "/{stack_id}/apply/{version}",
    status_code=202,
    response_model=CommandAccepted,
    responses=ACCEPTED,
    summary="Converge the host to a version",
    dependencies=OPERATE,
)
async def apply(
    stack_id: str,
    version: VersionNumber,
    commands: CommandsDep,
    actor: ActorDep,
    response: Response,
    body: ApplyRequest | None = None,
    idempotency_key: IdempotencyKey = None,
) -> CommandAccepted:
    options = body or ApplyRequest()
    payload = ApplyPayload(
        version=version,
        atomic=options.atomic,
        timeout=options.timeout_seconds(),
        allow_repin=options.allow_repin,
        force=options.force,
    )
    return await _enqueue(commands, actor, response, stack_id, payload, idempotency_key)


@router.post(
    "/{stack_id}/rollback/{version}",
    status_code=202,
    response_model=CommandAccepted,
    responses=ACCEPTED,
    summary="Converge back to an earlier version",
    dependencies=OPERATE,
)
async def rollback(
    stack_id: str,
    version: VersionNumber,
    commands: CommandsDep,
    actor: ActorDep,
    response: Response,
    body: RollbackRequest | None = None,
    idempotency_key: IdempotencyKey = None,
) -> CommandAccepted:
    options = body or RollbackRequest()
    payload = RollbackPayload(
        version=version, allow_repin=options.allow_repin, reason=options.reason
    )
    return await _enqueue(commands, actor, response, stack_id, payload, idempotency_key)


@router.post(
    "/{stack_id}/deploy",
    status_code=202,
    response_model=CommandAccepted,
    responses=ACCEPTED,
    summary="Deploy an artifact into a middleware service (preflight now, 4xx naming the "
    "field; a deployment row DEPLOYING with the command)",
    dependencies=OPERATE,
)
async def deploy(
    stack_id: str,
    body: DeployRequest,
    deploys: DeploysDep,
    actor: ActorDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> CommandAccepted:
    ask = DeployAsk(body.service, body.artifact, body.path, body.comment)
    command = await run_in_threadpool(deploys.request, actor, stack_id, ask, idempotency_key)
    return accepted(command, response)


@router.post(
    "/{stack_id}/delete",
    status_code=202,
    response_model=CommandAccepted,
    responses=ACCEPTED,
    summary="Remove the stack's containers and networks",
    dependencies=[allow(Permission.ADMIN, "stack")],
)
async def delete(
    stack_id: str,
    commands: CommandsDep,
    actor: ActorDep,
    response: Response,
    body: DeleteRequest | None = None,
    idempotency_key: IdempotencyKey = None,
) -> CommandAccepted:
    payload = DeletePayload(remove_volumes=(body or DeleteRequest()).remove_volumes)
    return await _enqueue(commands, actor, response, stack_id, payload, idempotency_key)


def _runtime_action(action: CommandType) -> None:
    verb = action.lower()

    async def whole_stack(
        stack_id: str,
        commands: CommandsDep,
        actor: ActorDep,
        response: Response,
        idempotency_key: IdempotencyKey = None,
    ) -> CommandAccepted:
        payload = RuntimeActionPayload(type=action)
        return await _enqueue(commands, actor, response, stack_id, payload, idempotency_key)

    async def one_service(
        stack_id: str,
        service: str,
        commands: CommandsDep,
        actor: ActorDep,
        response: Response,
        idempotency_key: IdempotencyKey = None,
    ) -> CommandAccepted:
        payload = RuntimeActionPayload(type=action, service=service)
        return await _enqueue(commands, actor, response, stack_id, payload, idempotency_key)

    router.add_api_route(
        f"/{{stack_id}}/{verb}",
        whole_stack,
        methods=["POST"],
        status_code=202,
        response_model=CommandAccepted,
        responses=ACCEPTED,
        summary=f"{verb.capitalize()} every service",
        name=f"{verb}_stack",
        dependencies=OPERATE,
    )
    router.add_api_route(
        f"/{{stack_id}}/services/{{service}}/{verb}",
        one_service,
        methods=["POST"],
        status_code=202,
        response_model=CommandAccepted,
        responses=ACCEPTED,
        summary=f"{verb.capitalize()} one service",
        name=f"{verb}_service",
        dependencies=OPERATE,
    )


for _action in (CommandType.START, CommandType.STOP, CommandType.RESTART):
    _runtime_action(_action)
