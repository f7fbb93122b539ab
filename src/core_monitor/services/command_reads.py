"""What the API reads about commands and the queue: lists, one command, its log lines, the
queue's head. The writes (enqueue, cancel, retry, dismiss) are CommandService's."""

from __future__ import annotations

from dataclasses import dataclass

from core_monitor.domain.commands import (
    Command,
    CommandLogLine,
    CommandStatus,
    CommandType,
    OnFailure,
    QueueState,
)
from core_monitor.store import commands as command_store
from core_monitor.store import queue as queue_store
from core_monitor.store import stacks as stack_store
from core_monitor.store.db import Database


@dataclass(frozen=True)
class CommandQuery:
    stack: str | None  # id or name, deleted stacks included
    status: CommandStatus | None
    type: CommandType | None
    limit: int
    offset: int
    only: frozenset[str] | None  # the stack ids the caller may see (None: all)


class CommandReads:
    def __init__(self, db: Database, reads: Database, *, on_failure: OnFailure) -> None:
        self.db = db
        self.reads = reads  # the read side's pool: following streams poll it
        self.on_failure = on_failure

    def find(self, query: CommandQuery) -> tuple[list[Command], int]:
        with self.db.read() as session:
            stack_id = query.stack
            if stack_id:
                stack_id = stack_store.get_stack(session, stack_id, include_deleted=True).stack_id
            return command_store.list_commands(
                session,
                stack_id=stack_id,
                status=query.status,
                type=query.type,
                limit=query.limit,
                offset=query.offset,
                only=query.only,
            )

    def get(self, command_id: str) -> Command:
        with self.db.read() as session:
            return command_store.get(session, command_id)

    def logs_after(
        self, command_id: str, after_id: int
    ) -> tuple[list[CommandLogLine], CommandStatus]:
        """The lines after ``after_id`` and the command's status, read together."""
        with self.reads.read() as session:
            status = command_store.get(session, command_id).status
            return command_store.logs_after(session, command_id, after_id), status

    def queue(self) -> QueueState:
        with self.db.read() as session:
            return queue_store.state(session, on_failure=self.on_failure)
