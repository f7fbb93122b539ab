"""Dependencies shared by routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Query, Request

from core_monitor.api.runtime import Runtime
from core_monitor.api.security import ActorDep, IdentityDep

__all__ = [
    "ActorDep",
    "IdempotencyKey",
    "IdentityDep",
    "PagingDep",
    "RowId",
    "RuntimeDep",
    "VersionNumber",
]


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


class Paging:
    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
VersionNumber = Annotated[int, Path(ge=1, le=2**31 - 1, description="Version number")]
RowId = Annotated[int, Path(ge=1, le=2**62)]
PagingDep = Annotated[Paging, Depends(Paging)]
IdempotencyKey = Annotated[str | None, Header(max_length=200)]
