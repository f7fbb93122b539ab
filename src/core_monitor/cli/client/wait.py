"""Waiting, for ``--wait`` and ``stack wait``: a command followed through its server-sent
log stream (its lines to stderr as they come) until it ends; a stack's status polled until it
is converged or healthy. Running out of ``--timeout`` is exit 3."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Annotated, Any

import httpx
import typer

from core_monitor.cli.client.exits import CliError, ExitCode
from core_monitor.cli.client.http import Api

DEFAULT_TIMEOUT = "5m"
STREAM_READ_SECONDS = 20.0  # the server speaks (a keep-alive) every 15 s
POLL_SECONDS = 1.0
_PART = re.compile(r"(\d+(?:\.\d+)?)(h|m|s)")
_UNIT = {"h": 3600.0, "m": 60.0, "s": 1.0}


def parse_duration(given: str | float) -> float:
    """Seconds from ``90``, ``30s``, ``5m``, ``1h`` or Helm's ``5m0s``."""
    text = str(given).strip()
    try:
        seconds = float(text)
    except ValueError:
        parts = _PART.findall(text)
        if not parts or "".join(n + u for n, u in parts) != text:
            raise typer.BadParameter(f"{text!r}: a duration like 90, 30s, 5m or 1h") from None
        seconds = sum(float(n) * _UNIT[u] for n, u in parts)
    if seconds <= 0:
        raise typer.BadParameter(f"{text!r}: must be more than zero")
    return seconds


TimeoutOpt = Annotated[
    float,
    typer.Option(
        "--timeout",
        parser=parse_duration,
        metavar="DURATION",
        show_default=DEFAULT_TIMEOUT,
        help="How long to wait: 90, 30s, 5m, 1h.",
    ),
]
WaitOpt = Annotated[
    bool,
    typer.Option("--wait", help="Follow the command (its log to stderr) until it ends."),
]


@dataclass(frozen=True)
class Event:
    name: str
    data: str
    id: str | None


def events(lines: Iterable[str]) -> Iterator[Event | None]:
    """Server-sent events; ``None`` for a keep-alive comment (the caller's chance to look at
    the clock on a quiet stream)."""
    name, event_id = "message", None
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield Event(name, "\n".join(data), event_id)
            name, data, event_id = "message", [], None
        elif line.startswith(":"):
            yield None
        else:
            key, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if key == "event":
                name = value
            elif key == "data":
                data.append(value)
            elif key == "id":
                event_id = value


def timed_out(what: str, seconds: float) -> CliError:
    return CliError(ExitCode.TIMEOUT, f"timed out after {seconds:g} s waiting for {what}")


def print_log(data: str) -> None:
    line = json.loads(data)
    typer.echo(f"  {str(line.get('level', '')).lower():<7} {line.get('message', '')}", err=True)


def follow_command(api: Api, command_id: str, seconds: float) -> dict[str, Any]:
    """The command as it ended (its log lines printed to stderr on the way)."""
    deadline = time.monotonic() + seconds
    after = 0
    ended = False
    while not ended:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise timed_out(f"command {command_id}", seconds)
        try:
            ended, after = _read(api, command_id, after, deadline)
        except httpx.TimeoutException:
            raise timed_out(f"command {command_id}", seconds) from None
        if deadline < time.monotonic() and not ended:
            raise timed_out(f"command {command_id}", seconds)
    command: dict[str, Any] = api.get(f"/commands/{command_id}")
    return command


def _read(api: Api, command_id: str, after: int, deadline: float) -> tuple[bool, int]:
    """One stream's worth: whether the command ended, and the last line seen. A stream the
    server closes (its duration limit) is opened again after that line."""
    read = min(STREAM_READ_SECONDS, max(0.1, deadline - time.monotonic()))
    params = {"follow": 1, "after": after}
    with api.stream(f"/commands/{command_id}/logs", params, read) as response:
        for event in events(response.iter_lines()):
            if event is not None and event.name == "log":
                print_log(event.data)
                after = int(event.id or after)
            elif event is not None and event.name == "end":
                stream_ended(event.data)
                return True, after
            if time.monotonic() > deadline:
                return False, after
    return False, after


def stream_ended(data: str) -> None:
    """The stream's end: the command's (it names the status), or the credential's."""
    try:
        end = json.loads(data)
    except ValueError:
        end = {}
    if not isinstance(end, dict) or "status" not in end:
        reason = end.get("reason") if isinstance(end, dict) else None
        raise CliError(ExitCode.USAGE, f"the server ended the stream: {reason or data[:200]}")


def command_outcome(command: dict[str, Any]) -> None:
    """Exit 1 unless the command succeeded."""
    if command.get("status") != "DONE":
        error = command.get("error") or ""
        raise CliError(
            ExitCode.FAILED, f"command {command['command_id']} {command['status']} {error}".strip()
        )


def converged(status: dict[str, Any]) -> bool:
    """The applied version is the desired one, and nothing differs from it."""
    current = status.get("current_version")
    return current is not None and current == status.get("desired_version") and not status["drift"]


def healthy(status: dict[str, Any]) -> bool:
    """Every container runs, and none is unhealthy or still starting its healthcheck."""
    containers = [c for s in status["services"] for c in s["containers"]]
    return (
        status["status"] == "RUNNING"
        and bool(containers)
        and all(
            c["state"] == "running" and c.get("health") in (None, "healthy") for c in containers
        )
    )


def poll_stack(
    api: Api, stack_id: str, condition: Callable[[dict[str, Any]], bool], seconds: float
) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        status: dict[str, Any] = api.get(f"/stacks/{stack_id}/status")
        if condition(status):
            return status
        if time.monotonic() + POLL_SECONDS > deadline:
            raise timed_out(f"stack {status['name']} ({status['status']})", seconds)
        time.sleep(POLL_SECONDS)
