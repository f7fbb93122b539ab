"""Tomcat's manager text API and naming rules, as pure functions.

The manager answers every command with HTTP 200 and a first line ``OK - …`` or
``FAIL - …``: a WAR whose context fails to start is ``200`` + ``FAIL - Deployed application
at context path [/app] but context failed to start`` (measured, Tomcat 10.1), so the body
decides, not the status. ``list`` answers ``OK - Listed applications…`` then one
``path:state:sessions:docBase`` line per application.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

OK = "OK - "  # the first line of every answer that succeeded
CONTEXT_PATH = re.compile(r"/|(/[A-Za-z0-9._~-]+)+")


@dataclass(frozen=True)
class ManagerAnswer:
    status: int  # HTTP
    ok: bool
    message: str  # the manager's first line (or why there is none)
    body: str = ""


def parse_answer(status: int, body: str) -> ManagerAnswer:
    first = body.strip().splitlines()[0].strip() if body.strip() else ""
    if status in (401, 403):
        refused = f"the manager refused the credentials (HTTP {status})"
        return ManagerAnswer(status, False, refused, body)
    if status != 200:
        return ManagerAnswer(
            status, False, f"the manager answered HTTP {status}: {first[:200]}", body
        )
    return ManagerAnswer(status, first.startswith(OK), first or "an empty answer", body)


def parse_list(body: str) -> dict[str, str]:
    """``list``'s applications: context path → state (running, stopped)."""
    apps: dict[str, str] = {}
    for line in body.strip().splitlines()[1:]:
        parts = line.strip().split(":", 3)
        if len(parts) == 4 and parts[0].startswith("/"):
            apps[parts[0]] = parts[1]
    return apps


def context_path_problem(path: str) -> str | None:
    """Why ``path`` is not a context path we deploy to (None: it is one)."""
    if not CONTEXT_PATH.fullmatch(path):
        return f"context path {path!r}: '/' or /segments of letters, digits, . _ ~ -"
    if any(part in {".", ".."} for part in path.split("/")):
        return f"context path {path!r}: no . or .. segments"
    return None


def war_name(path: str) -> str:
    """Tomcat's base name for a context path: ``/`` → ROOT, ``/app`` → app, ``/a/b`` → a#b."""
    return "ROOT" if path == "/" else path.strip("/").replace("/", "#")
