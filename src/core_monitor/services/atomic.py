"""The atomic APPLY: run the plan, hold the gate, or converge back to the previous version.

Its progress lives in the command's own log, one line per phase, each committed at once:
``atomic=start`` (with the version it reverts to) before anything is done, ``atomic=reverting``
(with why) once the gate failed. A re-run of the command after a crash or a kill -9 reads
them back (level-triggered, like every command): after ``reverting`` it finishes the revert
and never retries the forward apply; before, it re-plans the forward apply as usual. The
revert itself is a convergence to the previous version (its pins and configuration; named
volumes are never touched by a convergence), so it is idempotent too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from core_monitor.domain.delivery import GateState, GateVerdict, gate, one_shot_services
from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.engine.state import DesiredState
from core_monitor.queue.executors import ExecutionContext
from core_monitor.store import commands as command_store
from core_monitor.store.db import Database

POLL_SECONDS = 0.5
START, REVERTING = "start", "reverting"


@dataclass(frozen=True)
class Progress:
    """What earlier attempts of this command recorded."""

    previous: int | None  # the version to revert to (None: none was applied)
    started: bool
    reverting_why: str | None  # set once the gate failed


def progress(db: Database, command_id: str) -> Progress:
    with db.read() as session:
        lines = command_store.logs_after(session, command_id, 0, limit=100_000)
    started, previous, why = False, None, None
    for line in lines:
        phase = line.fields.get("atomic")
        if phase == START and not started:
            started, previous = True, _int(line.fields.get("previous"))
        elif phase == REVERTING:
            why = str(line.fields.get("why", "the gate failed"))
    return Progress(previous=previous, started=started, reverting_why=why)


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) else None


def hold_gate(
    gateway: DockerGateway,
    ctx: ExecutionContext,
    desired: DesiredState,
    timeout: float,
    clock: Callable[[], float] = time.monotonic,
) -> GateVerdict:
    """Observe until every service passes the gate, one fails it, or ``timeout`` runs out
    (then the verdict names the first service still waiting, as FAILED)."""
    deadline = clock() + timeout
    one_shots = one_shot_services({n: s.depends_on for n, s in desired.services.items()})
    while True:
        ctx.checkpoint()
        found = gateway.containers(desired.project)
        verdict = gate(desired.services, found, one_shots=one_shots)
        if verdict.state != GateState.WAITING:
            return verdict
        if clock() >= deadline:
            why = f"not ready within {timeout:g}s: {verdict.why}"
            return GateVerdict(GateState.FAILED, verdict.service, why, verdict.container)
        time.sleep(POLL_SECONDS)


def failure_text(gateway: DockerGateway, verdict: GateVerdict) -> str:
    """Which service failed and why, with its last health output when it has one."""
    text = f"service {verdict.service!r} {verdict.why}"
    output = last_health_output(gateway, verdict.container) if verdict.container else None
    return f"{text} (last health check: {output})" if output else text


def last_health_output(gateway: DockerGateway, container: str) -> str | None:
    found = gateway.inspect_container(container) or {}
    logs = ((found.get("State") or {}).get("Health") or {}).get("Log") or []
    if not logs:
        return None
    last = logs[-1]
    return f"exit {last.get('ExitCode')}: {str(last.get('Output', '')).strip()[:300]}"
