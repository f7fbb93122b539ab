"""Executors: one callable per command type. The engine (and later deploy) register theirs.

Each reads its payload typed: ``ctx.command.payload_as(ApplyPayload)``.

Plug-ins: ``COREMON_EXECUTOR_MODULES=pkg.mod,other.mod`` imports each module and calls its
``register(registry)``, so new executors need no change to the worker.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Protocol

from core_monitor.domain.commands import Command, CommandType
from core_monitor.errors import ConfigurationError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

OutcomeWrite = Callable[["Session"], None]
"""A write that lands in the transaction recording the command's outcome."""


class ExecutionContext(Protocol):
    """What an executor may do besides its own work."""

    @property
    def command(self) -> Command: ...

    def log(self, message: str, level: str = "info", **fields: object) -> None:
        """Record one step of the command (a CommandLog line), committed at once."""

    def log_later(self, message: str, level: str = "info", **fields: object) -> None:
        """A line nobody needs to see before the outcome: committed with the next ``log``
        or with the outcome, whichever comes first."""

    def commit_with_outcome(self, write: OutcomeWrite) -> None:
        """Run ``write`` in the transaction that records the command's outcome, after the
        executor returned: both land or neither does. Dropped if the executor raises."""

    def checkpoint(self) -> None:
        """Call between steps: raises CommandCancelled, LeaseLost or a timeout error."""

    def check_lease(self) -> None:
        """Call right before each write outside the database (engine calls): raises
        LeaseLost unless this worker surely still holds the queue lease."""


Executor = Callable[[ExecutionContext], None]


class ExecutorRegistry:
    """Who runs each command type. A type without an executor is refused when enqueued."""

    def __init__(self) -> None:
        self._executors: dict[CommandType, Executor] = {}

    def register(self, command_type: CommandType, executor: Executor) -> None:
        # a plug-in may name the type as a string: it must still be a known one
        self._executors[CommandType(command_type)] = executor

    def get(self, command_type: CommandType) -> Executor | None:
        return self._executors.get(command_type)

    def types(self) -> frozenset[CommandType]:
        return frozenset(self._executors)


def load_plugins(registry: ExecutorRegistry, modules: Iterable[str]) -> None:
    for name in modules:
        try:
            module = importlib.import_module(name)
            module.register(registry)
        except (ImportError, AttributeError, ValueError) as exc:
            raise ConfigurationError(f"executor plug-in {name!r} cannot load: {exc}") from None
