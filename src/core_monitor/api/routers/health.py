"""Liveness and readiness (open, for probes) and metrics (a viewer's token)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response

from core_monitor.api.deps import HealthDep, MonitorDep
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
def readyz(health: HealthDep) -> dict[str, str] | JSONResponse:
    found = health.readiness()
    body = {"status": "ok", "database": found.database, "engine": found.engine}
    if not found.ready:
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
async def metrics(monitor: MonitorDep) -> Response:
    payload = await run_in_threadpool(monitor.render_metrics)
    return Response(payload, media_type=CONTENT_TYPE)
