"""`coremon command …`: the queue's commands (list, show, logs, cancel, retry, dismiss), and
what every enqueuing command shares: print the accepted command, or ``--wait`` for its end."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

import typer

from core_monitor.cli.client.exits import handled
from core_monitor.cli.client.http import Api
from core_monitor.cli.client.output import (
    Format,
    OutputOpt,
    QuietOpt,
    ServerOpt,
    emit,
    fields,
    note,
    table,
)
from core_monitor.cli.client.wait import (
    DEFAULT_TIMEOUT,
    TimeoutOpt,
    WaitOpt,
    command_outcome,
    follow_command,
    parse_duration,
)

app = typer.Typer(help="The queue's commands: list, follow, cancel, retry, dismiss.")
IdArg = Annotated[str, typer.Argument(help="The command's id.", show_default=False)]
PAGE = 500


def path_of(command_id: str) -> str:
    return f"/commands/{quote(command_id, safe='')}"


def command_view(command: dict[str, Any]) -> Any:
    if "type" not in command:  # accepted, not waited for
        return fields((k, command[k]) for k in ("command_id", "seq", "status"))
    keys = ("command_id", "seq", "type", "stack_id", "status", "attempts", "requested_by")
    return fields([*((k, command[k]) for k in keys), ("error", command.get("error"))])


def commands_view(commands: list[dict[str, Any]]) -> Any:
    columns = ("SEQ", "ID", "TYPE", "STACK", "STATUS", "BY", "CREATED", "ERROR")
    return table(
        columns,
        [
            (
                c["seq"],
                c["command_id"],
                c["type"],
                c["stack_id"],
                c["status"],
                c["requested_by"],
                c["created_at"],
                (c.get("error") or "")[:60],
            )
            for c in commands
        ],
    )


def enqueue(
    api: Api,
    path: str,
    fmt: Format,
    quiet: bool,
    wait: bool,
    timeout: float,
    body: dict[str, Any] | None = None,
) -> None:
    """POST a command; print it as accepted, or (``wait``) as it ended, exit 1 unless DONE."""
    accepted = api.post(path, json=body) if body is not None else api.post(path)
    note(f"command {accepted['command_id']} queued (#{accepted['seq']})")
    finish(api, accepted, fmt, quiet, wait, timeout)


def finish(
    api: Api, command: dict[str, Any], fmt: Format, quiet: bool, wait: bool, timeout: float
) -> None:
    final = follow_command(api, command["command_id"], timeout) if wait else command
    emit(final, fmt, command_view, quiet=quiet, ids=lambda c: [c["command_id"]])
    if wait:
        command_outcome(final)


@app.command("ls")
@handled
def list_commands(
    stack: Annotated[str | None, typer.Option(help="Only this stack's (name or id).")] = None,
    status: Annotated[str | None, typer.Option(help="PENDING, RUNNING, DONE, FAILED…")] = None,
    limit: Annotated[int, typer.Option(min=1, max=PAGE, help="How many, newest first.")] = 50,
    server: ServerOpt = None,
    output: OutputOpt = Format.TABLE,
    quiet: QuietOpt = False,
) -> None:
    """Commands, newest first.

    Example: coremon command ls --stack shop --status FAILED
    """
    api = Api(server)
    stack_id = api.get(f"/stacks/{quote(stack, safe='')}")["stack_id"] if stack else None
    page = api.get("/commands", stack_id=stack_id, status=status, limit=limit)
    emit(
        page["items"],
        output,
        commands_view,
        quiet=quiet,
        ids=lambda cs: [c["command_id"] for c in cs],
    )


@app.command("show")
@handled
def show(command_id: IdArg, server: ServerOpt = None, output: OutputOpt = Format.TABLE) -> None:
    """One command: its type, status, attempts and error."""
    emit(Api(server).get(path_of(command_id)), output, command_view)


@app.command("logs")
@handled
def logs(
    command_id: IdArg,
    follow: Annotated[bool, typer.Option("--follow", "-f", help="Until the command ends.")] = False,
    timeout: TimeoutOpt = parse_duration(DEFAULT_TIMEOUT),
    server: ServerOpt = None,
    output: OutputOpt = Format.TABLE,
) -> None:
    """A command's log lines (-f: follow them until it ends)."""
    api = Api(server)
    if follow:
        follow_command(api, command_id, timeout)
        return
    lines = api.get(f"{path_of(command_id)}/logs")
    if output != Format.TABLE:
        emit(lines, output, lambda _: None)
        return
    for line in lines:
        typer.echo(f"{line['time']} {line['level'].lower():<7} {line['message']}")


@app.command("cancel")
@handled
def cancel(command_id: IdArg, server: ServerOpt = None, output: OutputOpt = Format.TABLE) -> None:
    """Cancel a PENDING or RUNNING command (a RUNNING one stops at its next step)."""
    emit(Api(server).post(f"{path_of(command_id)}/cancel"), output, command_view)


@app.command("retry")
@handled
def retry(
    command_id: IdArg,
    wait: WaitOpt = False,
    timeout: TimeoutOpt = parse_duration(DEFAULT_TIMEOUT),
    server: ServerOpt = None,
    output: OutputOpt = Format.TABLE,
    quiet: QuietOpt = False,
) -> None:
    """Run a FAILED command again (it keeps its place at the head of the queue)."""
    api = Api(server)
    finish(api, api.post(f"{path_of(command_id)}/retry"), output, quiet, wait, timeout)


@app.command("dismiss")
@handled
def dismiss(
    command_id: IdArg,
    reason: Annotated[str, typer.Option(help="Why it is set aside (kept in the audit log).")],
    server: ServerOpt = None,
    output: OutputOpt = Format.TABLE,
) -> None:
    """Set a FAILED command aside, so the queue goes on."""
    body = {"reason": reason}
    emit(Api(server).post(f"{path_of(command_id)}/dismiss", json=body), output, command_view)
