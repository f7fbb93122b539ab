"""WildFly's management HTTP API (as far as the driver reads it) and deployment names, as
pure functions.

The driver deploys through the deployment scanner's directory (see ``wildfly.py``: it is on
the volume, the API's deployments are not) and asks ``POST /management`` one JSON
operation, ``read-attribute`` of a deployment's ``status`` (``OK``, ``FAILED``,
``STOPPED``). A failure is ``{"outcome": "failed", "failure-description": …}`` where the
description is a string, or for a composite an object naming the failed steps. Not yet
verified against a real WildFly server: only against the answers recorded in the tests
(shapes from WildFly's documentation).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from core_monitor.domain.deploy import ArtifactKind

CONTEXT_PATH = re.compile(r"/|/[A-Za-z0-9._~-]+")


@dataclass(frozen=True)
class Outcome:
    ok: bool
    result: Any  # the operation's result (None when it failed)
    message: str  # the failure's description, flattened (or "success")


def deployment_name(path: str, kind: ArtifactKind) -> str:
    """The deployment (and runtime) name whose context root is ``path``: ``/`` → ROOT.war."""
    suffix = "ear" if kind is ArtifactKind.EAR else "war"
    return f"{'ROOT' if path == '/' else path.strip('/')}.{suffix}"


def context_path_problem(path: str) -> str | None:
    if not CONTEXT_PATH.fullmatch(path) or path in {"/.", "/.."}:
        return f"context path {path!r}: '/' or one /segment of letters, digits, . _ ~ -"
    return None


def parse_outcome(status: int, body: str) -> Outcome:
    """A management answer (any status: WildFly answers 500 with the JSON of a failure)."""
    if status in (401, 403):
        return Outcome(False, None, f"the management API refused the credentials (HTTP {status})")
    try:
        answer = json.loads(body)
    except ValueError:
        return Outcome(False, None, f"the management API answered HTTP {status}: {body[:200]}")
    if not isinstance(answer, dict) or answer.get("outcome") != "success":
        description = answer.get("failure-description") if isinstance(answer, dict) else answer
        return Outcome(False, None, _flatten(description) or f"HTTP {status}, no description")
    return Outcome(True, answer.get("result"), "success")


def read_status(name: str) -> dict[str, Any]:
    """Reads a deployment's ``status``: OK, FAILED, STOPPED (fails: no such deployment)."""
    return {"operation": "read-attribute", "address": [{"deployment": name}], "name": "status"}


def _flatten(description: Any) -> str:
    if isinstance(description, dict):
        return "; ".join(f"{key} {_flatten(value)}".strip() for key, value in description.items())
    if isinstance(description, list):
        return "; ".join(_flatten(item) for item in description)
    return "" if description is None else str(description)
