"""A stack's live status on its own host: what runs there (the host's cache) against the
applied version, its drift, and what the stack's commands left (failed, stopped on purpose)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from core_monitor.domain.health import assess
from core_monitor.domain.stack import Stack, StackStatus
from core_monitor.engine.adopted import substitute
from core_monitor.engine.errors import EngineUnreachable
from core_monitor.engine.model import ObservedContainer
from core_monitor.errors import NotFound
from core_monitor.log import get_logger
from core_monitor.monitor import drift as drift_rules
from core_monitor.monitor.cache import EngineCache
from core_monitor.monitor.status import (
    DriftItem,
    StackStatusOut,
    aggregate,
    container_status,
    unknown,
)
from core_monitor.monitor.watch import HostWatch
from core_monitor.services.desired import DesiredVersions
from core_monitor.store import adopted as adopted_store
from core_monitor.store import commands as command_store
from core_monitor.store import stacks as stack_store
from core_monitor.store import stopped as stopped_store
from core_monitor.store.db import Database

if TYPE_CHECKING:
    from core_monitor.deploy.drift import Mismatch

log = get_logger("core_monitor.monitor")


@dataclass(frozen=True)
class Marks:
    """What the stacks' commands left that the status rule reads: the stacks whose last
    command failed, and each stack's services stopped on purpose."""

    failed: set[str]
    stopped: dict[str, frozenset[str]]

    @classmethod
    def read(cls, session: Any, stack_ids: list[str]) -> Marks:
        return cls(
            command_store.failed_stacks(session, stack_ids),
            stopped_store.stopped_services(session, stack_ids),
        )


class StackJudge:
    def __init__(self, db: Database, versions: DesiredVersions) -> None:
        self.db = db
        self.versions = versions
        self.fingerprint: Callable[[str], str] = versions.box.fingerprint
        self._lock = threading.Lock()
        self._stopped_by_hand: set[str] = set()  # container names, seen stopped as events
        self._deployment_drift: dict[str, list[DriftItem]] = {}  # stack_id → items

    def by_hand(self, name: str, stopped: bool) -> None:
        with self._lock:
            if stopped:
                self._stopped_by_hand.add(name)
            else:
                self._stopped_by_hand.discard(name)

    def deployment_drift(self, stack_id: str, found: list[Mismatch]) -> None:
        """What the last check of the stack's deploy targets found, as drift."""
        items = [
            DriftItem(
                kind="deployment",
                target=f"{m.service} {m.path}",
                service=m.service,
                difference="deployment",
                reason=f"serves {m.served or 'nothing'}, recorded current {m.recorded}",
                drifted=True,
            )
            for m in found
        ]
        with self._lock:
            self._deployment_drift[stack_id] = items

    def on_host(
        self,
        stack: Stack,
        watch: HostWatch,
        grouped: dict[str, list[ObservedContainer]] | None,
        marks: Marks,
    ) -> StackStatusOut:
        """``grouped``: the host's containers by project, read once for many stacks (None:
        read them now)."""
        try:
            rows = (watch.by_project() if grouped is None else grouped).get(stack.name, [])
            # not bounded as a whole (it reads the database too): the host has just answered
            return self.status(stack, watch.cache, rows, marks)
        except EngineUnreachable as exc:
            return unknown(stack, str(exc), datetime.now(UTC))

    def status(
        self, stack: Stack, cache: EngineCache, found: list[ObservedContainer], marks: Marks
    ) -> StackStatusOut:
        now = datetime.now(UTC)
        containers = [
            container_status(c, cache.inspect(c.id), now, self.fingerprint) for c in found
        ]
        desired = None
        drift: list[DriftItem] = []
        if stack.current_version is not None:
            desired = self.versions.get(stack.stack_id, stack.current_version).state
            drift = self._drift(stack, cache, found, desired, marks)
        with self._lock:
            drift = [*drift, *self._deployment_drift.get(stack.stack_id, [])]
        judged = aggregate(
            stack_id=stack.stack_id,
            name=stack.name,
            recorded=stack.status,
            desired_version=stack.desired_version,
            current_version=stack.current_version,
            desired=desired,
            containers=containers,
            drift=drift,
            now=now,
            failed=stack.stack_id in marks.failed,
            stopped=marks.stopped.get(stack.stack_id, frozenset()),
        )
        return judged.model_copy(update={"host_id": stack.host_id})

    def _drift(
        self,
        stack: Stack,
        cache: EngineCache,
        found: list[ObservedContainer],
        desired: Any,
        marks: Marks,
    ) -> list[DriftItem]:
        compared, differing = self._adopted(stack.stack_id, found)
        observed = drift_rules.observed_state(
            compared,
            _present(cache, "network", desired.networks),
            _present(cache, "volume", desired.volumes),
            {s.image: cache.image_id(s.image) for s in desired.services.values()},
            self.versions.previous_configs(stack.stack_id, {c.version for c in found if c.version}),
            {
                s.image: cache.build_digest(s.image)
                for s in desired.services.values()
                if s.build_digest
            },
            adopted_differences=differing,
        )
        with self._lock:
            by_hand = set(self._stopped_by_hand)
        on_purpose = marks.stopped.get(stack.stack_id, frozenset())
        return drift_rules.detect(
            desired,
            observed,
            stopped=bool(desired.services) and set(desired.services) <= on_purpose,
            stopped_by_hand=by_hand,
            stopped_services=on_purpose,
        )

    def _adopted(
        self, stack_id: str, found: list[ObservedContainer]
    ) -> tuple[list[ObservedContainer], dict[str, list[str]]]:
        """Compose's containers an adoption verified, read as the observer reads them."""
        if all(c.version for c in found):
            return found, {}
        with self.db.read() as session:
            records = adopted_store.adopted(session, stack_id)
        return substitute(found, records)

    def again(
        self, stack_id: str, rows_of: Callable[[Stack], dict[str, list[ObservedContainer]]]
    ) -> None:
        """A dismissed failure gives the stack back its status from what runs (issue 14): the
        recorded status, which the stack list shows, is judged again by the health rule."""
        with self.db.read() as session:
            try:
                stack = stack_store.get_stack(session, stack_id)
            except NotFound:  # deleted meanwhile
                return
            stopped = stopped_store.stopped_services(session, [stack_id]).get(stack_id)
        if stack.current_version is None:
            status = StackStatus.NEW
        else:
            wanted = self.versions.get(stack_id, stack.current_version).state.services
            try:
                found = rows_of(stack).get(stack.name, [])
            except EngineUnreachable:  # its host does not answer: judged by its next command
                log.warning("stack's host unreachable; status kept", stack_id=stack_id)
                return
            status = StackStatus(assess(wanted, found, stopped=stopped or frozenset()).stack)
        with self.db.write() as session:
            stack_store.replace_status(session, stack_id, StackStatus.FAILED, status)


def _present(cache: EngineCache, kind: str, wanted: dict[str, tuple[str, bool]]) -> set[str]:
    if not wanted:
        return set()
    ours = cache.networks() if kind == "network" else cache.volumes()
    present = {name for name, _ in wanted.values() if name in ours}
    present |= {
        name for name, external in wanted.values() if external and cache.external_exists(kind, name)
    }
    return present
