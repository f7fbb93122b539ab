"""`coremon queue`: the queue's head, depth, and why it is halted."""

from __future__ import annotations

from typing import Any

from core_monitor.cli.client.exits import handled
from core_monitor.cli.client.http import Api
from core_monitor.cli.client.output import Format, OutputOpt, ServerOpt, emit, fields


def queue_view(state: dict[str, Any]) -> Any:
    def brief(command: dict[str, Any] | None) -> str | None:
        if command is None:
            return None
        return f"#{command['seq']} {command['type']} {command['command_id']} ({command['status']})"

    halted_by = state.get("halted_by") or {}
    return fields(
        [
            ("halted", state["halted"]),
            ("reason", state.get("halted_reason")),
            ("halted by", halted_by.get("command_id")),
            ("depth", state["depth"]),
            ("on failure", state["on_failure"]),
            ("running", brief(state.get("running"))),
            ("head", brief(state.get("head"))),
        ]
    )


@handled
def queue(server: ServerOpt = None, output: OutputOpt = Format.TABLE) -> None:
    """The queue: how many commands wait, which runs, and why it is halted.

    Example: coremon queue -o json | jq .halted
    """
    emit(Api(server).get("/queue"), output, queue_view)
