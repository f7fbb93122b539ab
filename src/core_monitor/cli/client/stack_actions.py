"""`coremon stack plan | apply | rollback | start | stop | restart | delete`: what changes
the host, each a queued command (``--wait`` follows it to its end)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

import typer

from core_monitor.cli.client.commands import enqueue
from core_monitor.cli.client.exits import CliError, ExitCode, handled
from core_monitor.cli.client.http import Api
from core_monitor.cli.client.output import Format, OutputOpt, QuietOpt, ServerOpt, emit, table
from core_monitor.cli.client.stacks import NameArg, app, resolve
from core_monitor.cli.client.wait import DEFAULT_TIMEOUT, TimeoutOpt, WaitOpt, parse_duration

VersionArg = Annotated[
    int | None, typer.Argument(min=1, help="The version (default: the latest).", show_default=False)
]
ServiceArg = Annotated[
    str | None, typer.Argument(help="One service (default: all).", show_default=False)
]
FIVE_MINUTES = parse_duration(DEFAULT_TIMEOUT)
WAIT_EXAMPLE = "coremon stack {verb} shop{extra} --wait --timeout 5m -o json"


def plan_view(plan: dict[str, Any]) -> Any:
    if not plan["steps"]:
        return table(("NOTHING TO DO",), [], title=f"{plan['stack']} v{plan['version']}")
    return table(
        ("STEP", "TARGET", "SERVICE", "REASON"),
        [(s["kind"], s["target"], s.get("service"), s["reason"]) for s in plan["steps"]],
        title=f"{plan['stack']} v{plan['version']}: {len(plan['steps'])} steps",
    )


@app.command("plan")
@handled
def plan(
    name: NameArg,
    version: VersionArg = None,
    server: ServerOpt = None,
    output: OutputOpt = Format.TABLE,
) -> None:
    """What `apply` of a version would do now (changes nothing).

    Example: coremon stack plan shop 4 -o json | jq '.steps | length'
    """
    api = Api(server)
    stack = resolve(api, name)
    number = version or stack["latest_version"]
    emit(api.get(f"/stacks/{stack['stack_id']}/plan/{number}"), output, plan_view)


def _versioned(verb: str, name: str, version: int | None, server: str | None) -> tuple[Api, str]:
    api = Api(server)
    stack = resolve(api, name)
    number = version or _default_version(verb, stack)
    return api, f"/stacks/{stack['stack_id']}/{verb}/{number}"


def _default_version(verb: str, stack: dict[str, Any]) -> int:
    if verb == "apply":
        return int(stack["latest_version"])
    current = stack["current_version"]
    if current is None or current <= 1:
        raise CliError(ExitCode.USAGE, f"stack {stack['name']}: no version before the applied one")
    return int(current) - 1


@app.command("apply", epilog="Example: " + WAIT_EXAMPLE.format(verb="apply", extra=" 4"))
@handled
def apply(
    name: NameArg,
    version: VersionArg = None,
    wait: WaitOpt = False,
    timeout: TimeoutOpt = FIVE_MINUTES,
    server: ServerOpt = None,
    output: OutputOpt = Format.TABLE,
    quiet: QuietOpt = False,
) -> None:
    """Converge the host to a version (default: the latest).

    With --wait: exit 0 when it is DONE, 1 when it failed, 3 when --timeout runs out.
    """
    api, path = _versioned("apply", name, version, server)
    enqueue(api, path, output, quiet, wait, timeout)


@app.command("rollback", epilog="Example: " + WAIT_EXAMPLE.format(verb="rollback", extra=""))
@handled
def rollback(
    name: NameArg,
    version: Annotated[
        int | None,
        typer.Argument(min=1, help="Default: the one before the applied one.", show_default=False),
    ] = None,
    wait: WaitOpt = False,
    timeout: TimeoutOpt = FIVE_MINUTES,
    server: ServerOpt = None,
    output: OutputOpt = Format.TABLE,
    quiet: QuietOpt = False,
) -> None:
    """Converge back to an earlier version (default: the one numbered before the applied)."""
    api, path = _versioned("rollback", name, version, server)
    enqueue(api, path, output, quiet, wait, timeout)


def _runtime(verb: str) -> None:
    def action(
        name: NameArg,
        service: ServiceArg = None,
        wait: WaitOpt = False,
        timeout: TimeoutOpt = FIVE_MINUTES,
        server: ServerOpt = None,
        output: OutputOpt = Format.TABLE,
        quiet: QuietOpt = False,
    ) -> None:
        api = Api(server)
        stack_id = resolve(api, name)["stack_id"]
        where = f"/services/{quote(service, safe='')}" if service else ""
        enqueue(api, f"/stacks/{stack_id}{where}/{verb}", output, quiet, wait, timeout)

    action.__doc__ = f"{verb.capitalize()} the stack's containers (or one service's)."
    example = WAIT_EXAMPLE.format(verb=verb, extra=" web")
    app.command(verb, epilog=f"Example: {example}")(handled(action))


for _verb in ("start", "stop", "restart"):
    _runtime(_verb)


@app.command("delete", epilog="Example: coremon stack delete shop --volumes --wait")
@handled
def delete(
    name: NameArg,
    volumes: Annotated[
        bool, typer.Option("--volumes", help="Remove its named volumes too.")
    ] = False,
    wait: WaitOpt = False,
    timeout: TimeoutOpt = FIVE_MINUTES,
    server: ServerOpt = None,
    output: OutputOpt = Format.TABLE,
    quiet: QuietOpt = False,
) -> None:
    """Remove the stack's containers and networks (and volumes with --volumes)."""
    api = Api(server)
    stack_id = resolve(api, name)["stack_id"]
    body = {"remove_volumes": volumes}
    enqueue(api, f"/stacks/{stack_id}/delete", output, quiet, wait, timeout, body)
