"""The command feed tells this process of commands other processes changed, once each."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from core_monitor.domain.commands import ApplyPayload, Command, CommandStatus
from core_monitor.monitor.command_feed import CommandFeed, EventLedger
from core_monitor.store import commands as command_store
from core_monitor.store.clock import utcnow
from core_monitor.store.db import Database
from core_monitor.store.tables import CommandRow


def test_the_feed_tells_what_another_process_did_and_the_ledger_tells_it_once(
    db: Database,
) -> None:
    ledger = EventLedger()
    told: list[tuple[str, str, str]] = []

    def listener(event: str, command: Command, fields: dict[str, Any]) -> None:
        if ledger.first(event, command):
            told.append((event, command.command_id, fields["status"]))

    feed = CommandFeed(db, listener, poll_seconds=60)
    feed.start()  # its watermark: now (history is not replayed)
    feed.stop()
    with db.write() as session:  # "another process" enqueues, then runs it
        command, _ = command_store.enqueue(
            session, stack_id=None, payload=ApplyPayload(version=1), requested_by="other"
        )
    feed.poll_once()
    _set(db, command.command_id, CommandStatus.RUNNING, attempts=1)
    feed.poll_once()
    feed.poll_once()  # nothing new: nothing told twice
    _set(db, command.command_id, CommandStatus.DONE, attempts=1)
    feed.poll_once()
    # this process's own worker telling "finished" too: the ledger lets it through once
    with db.read() as session:
        listener("finished", command_store.get(session, command.command_id), {"status": "DONE"})
    assert told == [
        ("queued", command.command_id, "PENDING"),
        ("started", command.command_id, "RUNNING"),
        ("finished", command.command_id, "DONE"),
    ]


def _set(db: Database, command_id: str, status: CommandStatus, attempts: int) -> None:
    with db.write() as session:
        session.execute(
            update(CommandRow)
            .where(CommandRow.command_id == command_id)
            .values(status=str(status), attempts=attempts, updated_at=utcnow())
        )
