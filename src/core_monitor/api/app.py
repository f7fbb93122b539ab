"""The FastAPI application: routers, error mapping, body limits, worker life cycle."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from core_monitor import __version__
from core_monitor.api import problems
from core_monitor.api.hardening import JsonBodiesOnly, SecurityHeaders
from core_monitor.api.limits import BodySizeLimit
from core_monitor.api.masking import MaskedJSONResponse
from core_monitor.api.proxies import trust_proxies
from core_monitor.api.routers import (
    actions,
    admin,
    adopt,
    artifacts,
    auth,
    backups,
    bundles,
    commands,
    delivery,
    deployments,
    engine,
    health,
    hosts,
    monitor,
    policy,
    stacks,
)
from core_monitor.api.routers import catalog as catalog_routes
from core_monitor.api.routers import wizard as wizard_routes
from core_monitor.api.security import Authentication, declare_guards
from core_monitor.api.spa import SpaRoute
from core_monitor.runtime import Runtime
from core_monitor.services.archive import MAX_ARCHIVE_BYTES

API_PREFIX = "/api/v1"
UPLOAD_FORM_BYTES = 256 * 1024  # an upload's other form fields (variables) and multipart framing


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
        # every answer masks known secret values before it is encoded (streams mask theirs
        # where they make their events)
        default_response_class=MaskedJSONResponse,
    )
    app.state.runtime = runtime
    problems.install(app)
    # outermost last: the client's address (behind a trusted proxy), headers on every answer,
    # then CORS (answers preflights itself), the body cap, JSON-only bodies, 503 for a busy
    # database, and authentication right before the routes
    app.add_middleware(Authentication, auth=runtime.auth)
    app.add_middleware(problems.DatabaseBusy)
    app.add_middleware(JsonBodiesOnly)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=runtime.settings.max_body_bytes,
        upload_bytes=MAX_ARCHIVE_BYTES + UPLOAD_FORM_BYTES,
        artifact_bytes=runtime.settings.max_artifact_bytes + UPLOAD_FORM_BYTES,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=runtime.settings.cors_origin_list,
        allow_credentials=True,
        allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        allow_headers=["Authorization", "Content-Type", "X-CSRF-Token", "Idempotency-Key"],
    )
    app.add_middleware(SecurityHeaders)
    trust_proxies(app, runtime.settings.trusted_proxy_list)
    routers = (
        auth.router,
        adopt.router,
        stacks.router,
        bundles.router,
        bundles.compose_router,
        actions.router,
        commands.router,
        engine.router,
        monitor.router,
        admin.router,
        policy.router,
        backups.router,
        hosts.router,
        catalog_routes.router,
        wizard_routes.router,
        wizard_routes.stack_router,
        artifacts.router,
        deployments.router,
        delivery.router,
    )
    for router in routers:
        declare_guards(router, API_PREFIX)
        app.include_router(router, prefix=API_PREFIX)
    declare_guards(health.router, "")
    app.include_router(health.router)
    app.router.routes.append(SpaRoute())  # the web console; last, so the API wins
    return app
