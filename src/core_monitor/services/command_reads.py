"""What the API reads about commands and the queue: lists, one command, its log lines, the
queue's head. The writes (enqueue, cancel, retry, dismiss) are CommandService's."""

from __future__ import annotations

from dataclasses import dataclass

from core_monitor.domain.auth import Identity
from core_monitor.domain.commands import (
    Command,
    CommandLogLine,
    CommandStatus,
    CommandType,
    OnFailure,
    QueueState,
)
from core_monitor.domain.halt import Halt, halt_of
from core_monitor.errors import NotFound
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

    def queue_for(self, identity: Identity) -> tuple[QueueState, Halt | None]:
        """The queue as ``identity`` may see it: commands of stacks it cannot see withheld
        (their existence does not leak), and what halts it with who may act."""
        state = self.queue()
        halt = self._halt(state, identity)

        def shown(command: Command | None) -> Command | None:
            if command is None or command.stack_id is None or identity.sees(command.stack_id):
                return command
            return None

        hidden = halt is not None and not halt.visible
        return state.model_copy(
            update={
                "head": shown(state.head),
                "running": shown(state.running),
                "halted_reason": None if hidden else state.halted_reason,
            }
        ), halt

    def _halt(self, state: QueueState, identity: Identity) -> Halt | None:
        if not state.halted or state.head is None:
            return None
        name = None
        if state.head.stack_id is not None:
            with self.db.read() as session:
                try:
                    stack_id = state.head.stack_id
                    name = stack_store.get_stack(session, stack_id, include_deleted=True).name
                except NotFound:
                    name = None
        return halt_of(state.head, name, identity)
