"""The command feed tells this process of commands other processes changed, once each, and
leaves to this process what it told itself."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import update

from core_monitor.domain.commands import ApplyPayload, Command, CommandStatus
from core_monitor.monitor.command_feed import SETTLE, CommandFeed, ToldHere
from core_monitor.store import commands as command_store
from core_monitor.store.clock import utcnow
from core_monitor.store.db import Database
from core_monitor.store.tables import CommandRow


def test_the_feed_tells_what_another_process_did_once_and_not_what_this_one_told(
    db: Database,
) -> None:
    told: list[tuple[str, str, str]] = []

    def listener(event: str, command: Command, fields: dict[str, Any]) -> None:
        told.append((event, command.command_id, fields["status"]))

    here = ToldHere()
    feed = CommandFeed(db, listener, here, poll_seconds=60)
    feed.start()  # its watermark: now (history is not replayed)
    feed.stop()

    def later() -> None:  # the feed tells a change once it has settled
        feed.poll_once(now=utcnow() + SETTLE + timedelta(seconds=0.1))

    with db.write() as session:  # "another process" enqueues, then runs it
        command, _ = command_store.enqueue(
            session, stack_id=None, payload=ApplyPayload(version=1), requested_by="other"
        )
    feed.poll_once()  # too fresh: not yet
    assert told == []
    later()
    _set(db, command.command_id, CommandStatus.RUNNING, attempts=1)
    later()
    later()  # nothing new: nothing told twice
    _set(db, command.command_id, CommandStatus.FAILED, attempts=1)
    later()
    # a retry that fails again (the same attempt count): told again
    _set(db, command.command_id, CommandStatus.FAILED, attempts=1)
    later()
    assert told == [
        ("queued", command.command_id, "PENDING"),
        ("started", command.command_id, "RUNNING"),
        ("finished", command.command_id, "FAILED"),
        ("finished", command.command_id, "FAILED"),
    ]
    # what this process told itself (its own worker) the feed leaves alone
    told.clear()
    _set(db, command.command_id, CommandStatus.DONE, attempts=2)
    here.record("finished", command.command_id)
    later()
    assert told == []


def _set(db: Database, command_id: str, status: CommandStatus, attempts: int) -> None:
    with db.write() as session:
        session.execute(
            update(CommandRow)
            .where(CommandRow.command_id == command_id)
            .values(status=str(status), attempts=attempts, updated_at=utcnow())
        )
