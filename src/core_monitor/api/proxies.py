"""Who the client is behind a reverse proxy.

``X-Forwarded-For`` and ``X-Forwarded-Proto`` are believed only from the addresses in
COREMON_TRUSTED_PROXIES; from anyone else they are ignored, so a client cannot choose the
address that login throttling counts and the audit trail records. The server itself never
rewrites the client from these headers (``coremon serve`` turns uvicorn's own handling off,
which would trust them from 127.0.0.1): this is the one place that does.
"""

from __future__ import annotations

from fastapi import FastAPI
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware


def trust_proxies(app: FastAPI, proxies: list[str]) -> None:
    """Outermost middleware (add it last): everything inside sees the real client."""
    if proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
