"""Command events name their stack, even a stack its own DELETE has just soft-deleted."""

from __future__ import annotations

import time

from core_monitor.domain.commands import CommandStatus, DeletePayload
from core_monitor.engine.gateway import DockerGateway
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
    monitor = MonitorService(db, settings, DockerGateway(settings.docker_host))
    with db.write() as s:
        stack, _ = stack_store.create_stack(s, "shop", new_version())
        command, _ = command_store.enqueue(
            s, stack_id=stack.stack_id, payload=DeletePayload(), requested_by="alice"
        )
    monitor.on_command("started", command, {})
    with db.write() as s:  # what the DELETE executor does before the command finishes
        stack_store.soft_delete(s, stack.stack_id)
    time.sleep(0.3)
    monitor._managed_names(refresh=True)  # the names of live stacks no longer list it
    monitor.on_command("finished", command, {"status": CommandStatus.DONE})

    seen = monitor.buffered_events(None, "shop")
    finished = [e for e in seen if e["action"] == "finished"]
    assert len(finished) == 1, seen
    assert finished[0]["stack"] == "shop"
    assert finished[0]["stack_id"] == stack.stack_id
    assert finished[0]["type"] == "DELETE"
