"""Command events name their stack, even a stack its own DELETE has just soft-deleted."""

from __future__ import annotations

import time

from core_monitor.domain.commands import ApplyPayload, CommandStatus, DeletePayload
from core_monitor.domain.plan import Cause, ContainerStep, Plan, StepKind
from core_monitor.hosts.registry import HostRegistry
from core_monitor.monitor.service import MonitorService
from core_monitor.store import commands as command_store
from core_monitor.store import stacks as stack_store
from core_monitor.store.db import Database
from tests.integration.test_store_versions import new_version
from tests.support.helpers import make_settings


def test_a_finished_delete_names_its_stack_after_the_names_were_refreshed(
    db: Database, database_url: str
) -> None:
    settings = make_settings(database_url)
    monitor = MonitorService(db, settings, HostRegistry.from_settings(settings))
    with db.write() as s:
        stack, _ = stack_store.create_stack(s, "shop", new_version())
        command, _ = command_store.enqueue(
            s, stack_id=stack.stack_id, payload=DeletePayload(), requested_by="alice"
        )
    monitor.on_command("started", command, {})
    with db.write() as s:  # what the DELETE executor does before the command finishes
        stack_store.soft_delete(s, stack.stack_id)
    time.sleep(0.3)
    monitor.names.all(refresh=True)  # the names of live stacks no longer list it
    monitor.on_command("finished", command, {"status": CommandStatus.DONE})

    seen = monitor.buffered_events(None, "shop")
    finished = [e for e in seen if e["action"] == "finished"]
    assert len(finished) == 1, seen
    assert finished[0]["stack"] == "shop"
    assert finished[0]["stack_id"] == stack.stack_id
    assert finished[0]["type"] == "DELETE"


def test_applied_steps_are_counted_from_the_plan_not_from_log_lines(
    db: Database, database_url: str
) -> None:
    settings = make_settings(database_url)
    monitor = MonitorService(db, settings, HostRegistry.from_settings(settings))
    with db.write() as s:
        stack, _ = stack_store.create_stack(s, "shop", new_version())
        command, _ = command_store.enqueue(
            s, stack_id=stack.stack_id, payload=ApplyPayload(version=1), requested_by="al"
        )
    step = {"service": "web", "cause": Cause.MISSING, "reason": "said anyhow", "layer": 0}
    plan = Plan(
        stack="shop",
        version=1,
        steps=[
            ContainerStep(kind=StepKind.CREATE_CONTAINER, target="shop-web-1", number=1, **step),
            ContainerStep(kind=StepKind.CREATE_CONTAINER, target="shop-web-2", number=2, **step),
        ],
    )
    monitor.on_command("started", command, {})
    monitor.on_plan(command.command_id, plan)  # no command log line says it
    monitor.on_command("finished", command, {"status": CommandStatus.DONE})
    assert 'coremon_apply_steps_total{kind="create_container"} 2.0' in (
        monitor.metrics.render().decode()
    )
