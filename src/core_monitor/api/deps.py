"""Dependencies shared by routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Query, Request

from core_monitor.api.runtime import Runtime
from core_monitor.services.stacks import Actor


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_actor(
    request: Request,
    x_coremon_user: Annotated[str | None, Header(max_length=200)] = None,
) -> Actor:
    # Until authentication lands (security issue) callers name themselves; default anonymous.
    source = request.client.host if request.client else None
    return Actor(name=x_coremon_user or "anonymous", source=source)


class Paging:
    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
ActorDep = Annotated[Actor, Depends(get_actor)]
PagingDep = Annotated[Paging, Depends(Paging)]
IdempotencyKey = Annotated[str | None, Header(max_length=200)]
