"""Test executors, loaded into real server processes through COREMON_EXECUTOR_MODULES.

They stand in for the Docker engine (next issue) so the queue machinery can be tested for
real across processes. Each appends what it did to a journal file, so tests can check that
commands ran in order, never overlapped, and completed once.
"""

from __future__ import annotations

import json
import os
import time

from core_monitor.domain.commands import CommandType, DeployPayload
from core_monitor.queue.executors import ExecutionContext, ExecutorRegistry

JOURNAL_ENV = "COREMON_TEST_JOURNAL"


def _journal(event: str, context: ExecutionContext) -> None:
    path = os.environ.get(JOURNAL_ENV)
    if not path:
        return
    record = {
        "event": event,
        "command_id": context.command.command_id,
        "seq": context.command.seq,
        "attempt": context.command.attempts,
        "pid": os.getpid(),
        "time": time.time(),
    }
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


SLEEPER = "sleeper"


def sleep_order(seconds: float) -> DeployPayload:
    """A DEPLOY the stand-in runs by sleeping: its artifact names how long."""
    return DeployPayload(
        service=SLEEPER, artifact=f"sleep:{seconds:g}", path="/", deployment_id=SLEEPER
    )


def sleep_executor(context: ExecutionContext) -> None:
    """Sleeps the seconds its DEPLOY names in small steps, checking for cancellation
    between them."""
    _journal("start", context)
    seconds = float(context.command.payload_as(DeployPayload).artifact.removeprefix("sleep:"))
    steps = max(1, int(seconds / 0.1))
    context.log(f"sleeping {seconds:g} s in {steps} steps")
    for _ in range(steps):
        time.sleep(seconds / steps)
        context.checkpoint()
    context.log("slept")
    _journal("end", context)


def register(registry: ExecutorRegistry) -> None:
    """DEPLOY, the one type the engine leaves to a plug-in, is this stand-in's."""
    registry.register(CommandType.DEPLOY, sleep_executor)
