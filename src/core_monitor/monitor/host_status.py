"""Every Docker host at a glance: reachable or why not, its engine's facts, and how many of
its stacks are in each status (what ``GET /status/hosts`` and the dashboard show)."""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import BaseModel

from core_monitor.engine.errors import EngineUnreachable
from core_monitor.engine.model import ObservedContainer
from core_monitor.hosts.registry import HostId
from core_monitor.monitor.host import HostFacts
from core_monitor.monitor.status import StackStatusOut
from core_monitor.monitor.watch import HostWatch
from core_monitor.store import hosts as host_store
from core_monitor.store.db import Database


class HostStatus(BaseModel):
    host_id: str
    name: str
    address: str
    reachable: bool
    reason: str | None = None  # why it is not reachable
    event_stream_connected: bool
    facts: HostFacts | None = None  # None: the engine does not answer
    stacks: dict[str, int]  # overall status → how many of its stacks


def host_statuses(
    db: Database,
    watches: list[HostWatch],
    rows: dict[HostId, dict[str, list[ObservedContainer]] | EngineUnreachable],
    statuses: list[StackStatusOut],
) -> list[HostStatus]:
    with db.read() as session:
        names = {h.host_id: h.name for h in host_store.list_hosts(session)}
    out = []
    for watch in watches:
        found = rows.get(watch.host_id)
        problem = str(found) if isinstance(found, EngineUnreachable) else None
        facts = None
        if problem is None:
            try:
                facts = watch.facts()
            except EngineUnreachable as exc:
                problem = str(exc)
        counts = _counts(s for s in statuses if s.host_id == watch.host_id)
        out.append(
            HostStatus(
                host_id=watch.host_id,
                name=names.get(watch.host_id, watch.host_id),
                address=watch.address,
                reachable=problem is None,
                reason=problem,
                event_stream_connected=watch.connected,
                facts=facts,
                stacks=counts,
            )
        )
    return out


def _counts(statuses: Iterable[StackStatusOut]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in statuses:
        counts[str(status.status)] = counts.get(str(status.status), 0) + 1
    return counts
