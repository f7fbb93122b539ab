"""Docker hosts: every user reads them; admins register, change, remove and confirm them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from core_monitor.api.deps import HostsDep
from core_monitor.api.schemas import StrictInput
from core_monitor.api.security import ActorDep, allow
from core_monitor.domain.auth import Permission
from core_monitor.domain.hosts import EngineFacts, Host, HostState
from core_monitor.hosts.clients import TlsPem
from core_monitor.hosts.ssh_login import SshLogin
from core_monitor.services.hosts import HostChange

router = APIRouter(tags=["hosts"])
ADMIN = [allow(Permission.ADMIN)]
ANY = [allow(Permission.READ, "any")]
HostRef = Annotated[str, PathParam(max_length=100, description="Host id or name")]
Refresh = Annotated[
    bool, Query(description="Ask the engine(s) now rather than answer the last probe")
]
NAME = r"^[a-z0-9][a-z0-9_.-]{0,62}$"
PEM = Field(min_length=1, max_length=20_000)


class DockerHostTls(StrictInput):
    ca: str = PEM
    cert: str = PEM
    key: str = PEM

    def pem(self) -> TlsPem:
        return TlsPem(self.ca, self.cert, self.key)


class DockerHostSsh(StrictInput):
    private_key: str = Field(
        min_length=1,
        max_length=20_000,
        description="An unencrypted private key (OpenSSH or PEM) authorized on the remote",
    )
    known_host_key: str | None = Field(
        None,
        min_length=1,
        max_length=20_000,
        description="The server's public host key (a .pub or ssh-keyscan line); without it "
        "the first key the server shows is pinned",
    )

    def login(self) -> SshLogin:
        return SshLogin(self.private_key, self.known_host_key)


class DockerHostIn(StrictInput):
    name: str = Field(pattern=NAME, examples=["build-01"])
    address: str = Field(min_length=1, max_length=500, examples=["tcp://10.0.0.5:2376"])
    labels: dict[str, str] = Field(default_factory=dict, max_length=50)
    tls: DockerHostTls | None = Field(
        None, description="PEM: the engine's CA, this client's cert and key"
    )
    ssh: DockerHostSsh | None = Field(None, description="For ssh:// addresses: the login key")


class DockerHostPatch(StrictInput):
    name: str | None = Field(None, pattern=NAME)
    address: str | None = Field(None, min_length=1, max_length=500)
    labels: dict[str, str] | None = Field(None, max_length=50)
    tls: DockerHostTls | None = None
    drop_tls: bool = False
    ssh: DockerHostSsh | None = None
    drop_ssh: bool = False


class EngineConfirmation(StrictInput):
    engine_id: str = Field(min_length=1, max_length=200)


class HostKeyConfirmation(StrictInput):
    fingerprint: str = Field(
        min_length=1,
        max_length=200,
        examples=["SHA256:m2Q0x1VJ2u5C0wQx0lF1Lq3H7ZqkY0c9m4n0r8T5a1E"],
    )


class DockerHostOut(BaseModel):
    host_id: str
    name: str
    address: str
    labels: dict[str, str]
    tls: bool
    ssh: bool
    ssh_key_fingerprint: str | None
    ssh_host_key_fingerprint: str | None
    engine_id: str | None
    facts: EngineFacts | None
    state: HostState
    problem: str | None
    last_seen: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, host: Host) -> DockerHostOut:
        return cls(**host.model_dump())


@router.get("/hosts", response_model=list[DockerHostOut], dependencies=ANY, summary="Docker hosts")
async def list_hosts(hosts: HostsDep, refresh: Refresh = False) -> list[DockerHostOut]:
    return [
        DockerHostOut.of(h) for h in await run_in_threadpool(lambda: hosts.list(refresh=refresh))
    ]


@router.get(
    "/hosts/{host}", response_model=DockerHostOut, dependencies=ANY, summary="A Docker host"
)
async def get_host(host: HostRef, hosts: HostsDep, refresh: Refresh = False) -> DockerHostOut:
    return DockerHostOut.of(await run_in_threadpool(hosts.probe if refresh else hosts.get, host))


@router.post(
    "/hosts",
    status_code=201,
    response_model=DockerHostOut,
    dependencies=ADMIN,
    summary="Add a host",
)
async def create_host(body: DockerHostIn, hosts: HostsDep, actor: ActorDep) -> DockerHostOut:
    tls = body.tls.pem() if body.tls else None
    ssh = body.ssh.login() if body.ssh else None
    created = await run_in_threadpool(
        hosts.create, actor, body.name, body.address, body.labels, tls, ssh
    )
    return DockerHostOut.of(created)


@router.patch(
    "/hosts/{host}", response_model=DockerHostOut, dependencies=ADMIN, summary="Change a host"
)
async def change_host(
    host: HostRef, body: DockerHostPatch, hosts: HostsDep, actor: ActorDep
) -> DockerHostOut:
    change = HostChange(
        body.name,
        body.address,
        body.labels,
        body.tls.pem() if body.tls else None,
        body.drop_tls,
        body.ssh.login() if body.ssh else None,
        body.drop_ssh,
    )
    return DockerHostOut.of(await run_in_threadpool(hosts.change, actor, host, change))


@router.delete("/hosts/{host}", status_code=204, dependencies=ADMIN, summary="Remove a host")
async def delete_host(host: HostRef, hosts: HostsDep, actor: ActorDep) -> Response:
    await run_in_threadpool(hosts.delete, actor, host)
    return Response(status_code=204)


@router.post(
    "/hosts/{host}/confirm",
    response_model=DockerHostOut,
    dependencies=ADMIN,
    summary="Trust the engine now found at a host's address",
)
async def confirm_host(
    host: HostRef, body: EngineConfirmation, hosts: HostsDep, actor: ActorDep
) -> DockerHostOut:
    return DockerHostOut.of(await run_in_threadpool(hosts.confirm, actor, host, body.engine_id))


@router.post(
    "/hosts/{host}/confirm-host-key",
    response_model=DockerHostOut,
    dependencies=ADMIN,
    summary="Trust the SSH host key an SSH host's server shows now",
)
async def confirm_host_key(
    host: HostRef, body: HostKeyConfirmation, hosts: HostsDep, actor: ActorDep
) -> DockerHostOut:
    return DockerHostOut.of(
        await run_in_threadpool(hosts.confirm_host_key, actor, host, body.fingerprint)
    )
