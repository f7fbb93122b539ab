"""The FastAPI application: routers, error mapping, body limits, worker life cycle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from core_monitor import __version__
from core_monitor.api import problems
from core_monitor.api.limits import BodySizeLimit
from core_monitor.api.routers import actions, commands, engine, health, monitor, stacks
from core_monitor.api.runtime import Runtime
from core_monitor.api.spa import SpaRoute

API_PREFIX = "/api/v1"


def create_app(runtime: Runtime, *, run_worker: bool | None = None) -> FastAPI:
    start_worker = runtime.settings.worker if run_worker is None else run_worker

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runtime.monitor.start()
        if start_worker:
            runtime.start_worker()
        try:
            yield
        finally:
            runtime.close()

    app = FastAPI(
        title="Core Monitor",
        version=__version__,
        summary="Versioned Docker stacks, an ordered command queue, idempotent convergence.",
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    problems.install(app)
    app.add_middleware(BodySizeLimit, max_bytes=runtime.settings.max_body_bytes)
    for router in (stacks.router, actions.router, commands.router, engine.router, monitor.router):
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(health.router)
    app.router.routes.append(SpaRoute())  # the web console; last, so the API wins
    return app
