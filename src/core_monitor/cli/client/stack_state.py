"""`coremon stack diff | status | logs | wait`: what a stack is, against what it should be.
``diff`` exits 1 when it finds a difference (like `argocd app diff`)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import httpx
import typer

from core_monitor.cli.client.exits import CliError, ExitCode, handled
from core_monitor.cli.client.http import Api
from core_monitor.cli.client.output import (
    Format,
    OutputOpt,
    ServerOpt,
    emit,
    fields,
    table,
)
from core_monitor.cli.client.stacks import NameArg, app, resolve
from core_monitor.cli.client.wait import (
    DEFAULT_TIMEOUT,
    TimeoutOpt,
    converged,
    events,
    healthy,
    parse_duration,
    poll_stack,
)

MAX_TAIL = 10_000
FOLLOW_READ_SECONDS = 3600.0


def diff_view(result: dict[str, Any]) -> Any:
    if result.get("live"):
        rows = [
            (d["kind"], d["target"], d.get("service"), d["difference"], d["reason"])
            for d in result["drift"]
        ]
        return table(
            ("STEP", "TARGET", "SERVICE", "DIFFERENCE", "REASON"),
            rows,
            title=f"{result['stack']}: {'drifted' if result['different'] else 'no drift'}",
        )
    if not result["different"]:
        return (
            f"{result['stack']}: v{result['from_version']} and v{result['to_version']} are the same"
        )
    if result["diff"] is None:
        return f"{result['stack']}: never applied (v{result['to_version']} would be new)"
    files = [f"{f['change']}: {f['path']}" for f in result["diff"].get("files", [])]
    return "\n".join([result["diff"]["unified"].rstrip("\n"), *files])


def _difference(api: Api, stack: dict[str, Any], a: int | None, b: int | None) -> dict[str, Any]:
    start, end = (stack["current_version"], a or stack["latest_version"]) if b is None else (a, b)
    result: dict[str, Any] = {
        "stack": stack["name"],
        "live": False,
        "from_version": start,
        "to_version": end,
    }
    if start is None:
        return result | {"different": True, "diff": None}
    found = api.get(f"/stacks/{stack['stack_id']}/versions/{start}/diff/{end}")
    parts = ("services", "networks", "volumes", "files")
    different = bool(found["unified"]) or any(found.get(p) for p in parts)
    return result | {"different": different, "diff": found}


@app.command("diff")
@handled
def diff(
    name: NameArg,
    a: Annotated[
        int | None,
        typer.Argument(
            min=1,
            show_default=False,
            help="Alone: compared with the applied version (default: the latest).",
        ),
    ] = None,
    b: Annotated[
        int | None, typer.Argument(min=1, show_default=False, help="With A: A is compared with B.")
    ] = None,
    live: Annotated[
        bool, typer.Option("--live", help="The drift of the host from the applied version.")
    ] = False,
    server: ServerOpt = None,
    output: OutputOpt = Format.TABLE,
) -> None:
    """What differs: the applied version and the latest (or A), A and B, or (--live) the host
    and the applied version. Exit 0: the same; 1: a difference.

    Example: coremon stack diff shop || echo "shop has changes to apply"
    """
    api = Api(server)
    stack = resolve(api, name)
    if live:
        drift = api.get(f"/stacks/{stack['stack_id']}/status")["drift"]
        result = {"stack": stack["name"], "live": True, "different": bool(drift), "drift": drift}
    else:
        result = _difference(api, stack, a, b)
    emit(result, output, diff_view)
    if result["different"]:
        raise typer.Exit(int(ExitCode.FAILED))


def status_view(status: dict[str, Any]) -> Any:
    head = fields(
        (k, status[k])
        for k in ("name", "status", "recorded_status", "current_version", "desired_version")
    )
    containers = table(
        ("SERVICE", "CONTAINER", "STATE", "HEALTH", "VERSION", "IMAGE"),
        [
            (c["service"], c["name"], c["state"], c.get("health"), c.get("version"), c.get("image"))
            for s in status["services"]
            for c in s["containers"]
        ],
    )
    drift = [f"drift: {d['target']} {d['difference']} ({d['reason']})" for d in status["drift"]]
    return [head, containers, *drift]


@app.command("status")
@handled
def status(name: NameArg, server: ServerOpt = None, output: OutputOpt = Format.TABLE) -> None:
    """Desired against actual: services, containers, health, drift.

    Example: coremon stack status shop -o json | jq -r .status
    """
    api = Api(server)
    emit(api.get(f"/stacks/{resolve(api, name)['stack_id']}/status"), output, status_view)


def _print_line(line: dict[str, Any], service: str | None) -> None:
    if service is None or line.get("service") == service:
        prefix = f"{line.get('service')}-{line.get('replica')}"
        typer.echo(f"{prefix} | {line.get('line', '')}", err=line.get("stream") == "stderr")


@app.command("logs")
@handled
def logs(
    name: NameArg,
    service: Annotated[
        str | None, typer.Argument(help="One service's (default: all).", show_default=False)
    ] = None,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing new lines.")
    ] = False,
    tail: Annotated[int, typer.Option(min=0, max=MAX_TAIL, help="Lines from the end.")] = 100,
    server: ServerOpt = None,
    output: OutputOpt = Format.TABLE,
) -> None:
    """The stack's container logs, each line tagged service-replica.

    Example: coremon stack logs shop web -f --tail 20
    """
    api = Api(server)
    path = f"/stacks/{resolve(api, name)['stack_id']}/logs"
    if follow:
        _follow(api, path, service, tail)
        return
    lines = [ln for ln in api.get(path, tail=tail) if service is None or ln["service"] == service]
    if output != Format.TABLE:
        emit(lines, output, lambda _: None)
        return
    for line in lines:
        _print_line(line, None)


def _follow(api: Api, path: str, service: str | None, tail: int) -> None:
    try:
        with api.stream(path, {"follow": 1, "tail": tail}, FOLLOW_READ_SECONDS) as response:
            for event in events(response.iter_lines()):
                if event is not None and event.name in ("stdout", "stderr"):
                    _print_line(json.loads(event.data), service)
    except httpx.TimeoutException:
        raise CliError(ExitCode.FAILED, "the log stream went quiet for an hour") from None


@app.command("wait")
@handled
def wait(
    name: NameArg,
    is_healthy: Annotated[
        bool, typer.Option("--healthy", help="Every container runs and passes its healthcheck.")
    ] = False,
    is_converged: Annotated[
        bool, typer.Option("--converged", help="The desired version is applied, no drift.")
    ] = False,
    timeout: TimeoutOpt = parse_duration(DEFAULT_TIMEOUT),
    server: ServerOpt = None,
    output: OutputOpt = Format.TABLE,
) -> None:
    """Wait until the stack is converged and/or healthy; exit 3 when --timeout runs out.

    Example: coremon stack wait shop --converged --healthy --timeout 5m
    """
    if not (is_healthy or is_converged):
        raise typer.BadParameter("say what to wait for", param_hint="--healthy / --converged")
    api = Api(server)
    stack_id = resolve(api, name)["stack_id"]

    def condition(state: dict[str, Any]) -> bool:
        return (not is_converged or converged(state)) and (not is_healthy or healthy(state))

    emit(poll_stack(api, stack_id, condition, timeout), output, status_view)
