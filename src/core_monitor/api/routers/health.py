"""Liveness and readiness (open, for probes) and metrics (a viewer's token)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text

from core_monitor.api.deps import RuntimeDep
from core_monitor.api.security import allow
from core_monitor.domain.auth import Permission
from core_monitor.monitor.metrics import CONTENT_TYPE

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process answers")
async def healthz() -> dict[str, str]:
    # on the event loop itself, not in the thread pool: it answers while the loop does, even
    # with every pool thread busy on a slow engine or database
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="The database and the Docker engine answer",
    response_model=None,
    responses={503: {"description": "Not ready; the body says why"}},
)
def readyz(runtime: RuntimeDep) -> dict[str, str] | JSONResponse:
    body = {"status": "ok", "database": "ok", "engine": "ok"}
    try:
        with runtime.db.read() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:
        body["database"] = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    try:
        runtime.convergence.gateway.ping()
    except Exception as exc:
        body["engine"] = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
    if body["database"] != "ok" or body["engine"] != "ok":
        body["status"] = "unavailable"
        return JSONResponse(body, status_code=503)
    return body


@router.get(
    "/metrics",
    summary="Prometheus metrics (scrape with a viewer API token)",
    dependencies=[allow(Permission.READ)],
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE: {}}}},
)
async def metrics(runtime: RuntimeDep) -> Response:
    payload = await run_in_threadpool(runtime.monitor.metrics.render)
    return Response(payload, media_type=CONTENT_TYPE)
