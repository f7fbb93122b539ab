"""A stack as an APPLY leaves it, without an engine: for tests of what needs a running stack."""

from __future__ import annotations

from core_monitor.domain.stack import StackStatus
from core_monitor.store import stacks as stack_store
from core_monitor.store.db import Database


def pretend_applied(db: Database, stack_ref: str, version: int = 1) -> None:
    """``version`` recorded as applied, each of its services with one container."""
    with db.write() as session:
        stack = stack_store.get_stack(session, stack_ref)
        services = stack_store.get_version(session, stack.stack_id, version).definition["services"]
        containers = {
            f"{stack.name}-{name}-1": {"id": f"id-{name}", "service": name, "number": 1}
            for name in services
        }
        mapping = {"containers": containers, "networks": {}, "volumes": []}
        stack_store.record_runtime(session, stack.stack_id, version, "RUNNING", mapping)
        stack_store.set_status(
            session,
            stack.stack_id,
            StackStatus.RUNNING,
            desired_version=version,
            current_version=version,
        )
