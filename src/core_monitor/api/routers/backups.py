"""Backups while the server runs (admin): make one, list them, download one."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse
from pydantic import BaseModel

from core_monitor.api.deps import BackupsDep
from core_monitor.api.security import ActorDep, allow
from core_monitor.domain.auth import Permission
from core_monitor.errors import NotFound

router = APIRouter(tags=["admin"])
ADMIN = [allow(Permission.ADMIN)]
NAME = r"^coremon-[0-9TZ]+\.tar$"


class BackupOut(BaseModel):
    name: str
    size: int
    created_at: datetime


class BackupCreated(BackupOut):
    sha256: str
    schema_revision: str
    rows: dict[str, int]
    files: int
    sealed: bool


@router.post(
    "/backups",
    status_code=201,
    response_model=BackupCreated,
    dependencies=ADMIN,
    summary="Back up the database and the artifact store now (the queue keeps running)",
)
async def create_backup(backups: BackupsDep, actor: ActorDep) -> BackupCreated:
    info = await run_in_threadpool(backups.create_in_data_dir, actor)
    return BackupCreated(
        name=info.path.name,
        size=info.size,
        created_at=datetime.fromisoformat(info.created_at),
        sha256=info.sha256,
        schema_revision=info.schema_revision,
        rows=info.rows,
        files=info.files,
        sealed=info.sealed,
    )


@router.get("/backups", response_model=list[BackupOut], dependencies=ADMIN, summary="Backups")
async def list_backups(backups: BackupsDep) -> list[BackupOut]:
    paths = await run_in_threadpool(backups.stored)
    return [
        BackupOut(
            name=p.name,
            size=(stat := p.stat()).st_size,
            created_at=datetime.fromtimestamp(stat.st_mtime, UTC),
        )
        for p in paths
    ]


@router.get(
    "/backups/{name}",
    dependencies=ADMIN,
    summary="Download a backup archive",
    response_class=FileResponse,
    responses={200: {"content": {"application/x-tar": {}}}, 404: {"description": "No such backup"}},
)
async def download_backup(
    name: Annotated[str, PathParam(pattern=NAME, max_length=100)], backups: BackupsDep
) -> FileResponse:
    path = backups.backup_dir / name
    if not re.match(NAME, name) or not path.is_file():
        raise NotFound(f"no backup {name!r}")
    return FileResponse(path, media_type="application/x-tar", filename=name)
