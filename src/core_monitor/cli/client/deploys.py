"""`coremon app deploy | history | rollback`: artifacts (a static site, a .war, an .ear)
deployed into a stack's middleware service (its ``x-coremon-deploy`` target), each deploy a
queued DEPLOY command (``--wait`` follows it to its end)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import typer

from core_monitor.cli.client.commands import enqueue
from core_monitor.cli.client.exits import CliError, ExitCode, handled
from core_monitor.cli.client.http import Api
from core_monitor.cli.client.output import (
    Format,
    OutputOpt,
    QuietOpt,
    ServerOpt,
    emit,
    note,
    table,
)
from core_monitor.cli.client.stacks import NameArg, all_pages, resolve
from core_monitor.cli.client.wait import DEFAULT_TIMEOUT, TimeoutOpt, WaitOpt, parse_duration

app = typer.Typer(
    help="Artifacts deployed into a stack's middleware services (nginx sites, Tomcat and "
    "WildFly applications)."
)
FIVE_MINUTES = parse_duration(DEFAULT_TIMEOUT)
ServiceArg = Annotated[
    str, typer.Argument(help="The service that declares x-coremon-deploy.", show_default=False)
]
SomeServiceArg = Annotated[
    str | None, typer.Argument(help="One service's (default: all).", show_default=False)
]
FileArg = Annotated[
    Path,
    typer.Argument(
        help="The artifact: .tar.gz/.tgz/.zip (a static site), .war or .ear.",
        exists=True,
        dir_okay=False,
        show_default=False,
    ),
]
PathOpt = Annotated[
    str | None,
    typer.Option(
        "--path",
        help="Context path (Tomcat, WildFly) or site name (nginx); default: from the file's "
        "name (app.war → /app), the `default` site for a static one.",
    ),
]
KindOpt = Annotated[
    str | None,
    typer.Option("--kind", help="static, war or ear (default: from the file's name)."),
]
CommentOpt = Annotated[str | None, typer.Option("--comment", "-m", help="Why this deploy.")]
CHUNK = 1 << 20


def sha256_of(file: Path) -> str:
    digest = hashlib.sha256()
    try:
        with file.open("rb") as stream:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
    except OSError as exc:
        raise CliError(ExitCode.USAGE, f"{file}: {exc}") from None
    return digest.hexdigest()


def artifact_on_server(api: Api, file: Path, kind: str | None) -> str:
    """The artifact's sha256, uploading it unless the server has that content already."""
    digest = sha256_of(file)
    if api.find(f"/artifacts/{digest}") is not None:
        note(f"artifact {file.name} ({digest[:12]}) is on the server already")
        return digest
    form = {"kind": kind} if kind else {}
    with file.open("rb") as stream:
        files = {"file": (file.name, stream, "application/octet-stream")}
        uploaded = api.post("/artifacts", data=form, files=files)
    note(f"artifact {file.name} ({digest[:12]}) uploaded, {uploaded['size']} bytes")
    return str(uploaded["sha256"])


def deployments_view(deployments: list[dict[str, Any]]) -> Any:
    return table(
        ("DEPLOYMENT", "SERVICE", "PATH", "ARTIFACT", "STATUS", "BY", "REQUESTED", "NOTE"),
        [
            (
                d["deployment_id"],
                d["service"],
                d["path"],
                f"{d['artifact_filename']} {d['artifact'][:12]}",
                f"{d['status']}{' *' if d['current'] else ''}",
                d["requested_by"],
                d["requested_at"],
                (d.get("message") or d.get("comment") or "")[:60],
            )
            for d in deployments
        ],
    )


@app.command("deploy")
@handled
def deploy(
    stack: NameArg,
    service: ServiceArg,
    file: FileArg,
    path: PathOpt = None,
    kind: KindOpt = None,
    comment: CommentOpt = None,
    wait: WaitOpt = False,
    timeout: TimeoutOpt = FIVE_MINUTES,
    server: ServerOpt = None,
    output: OutputOpt = Format.TABLE,
    quiet: QuietOpt = False,
) -> None:
    """Upload an artifact (unless the server has that content already) and deploy it.

    With --wait: exit 0 when it serves, 1 when the deploy failed (the target keeps, or is
    given back, what it served), 3 when --timeout runs out.

    Example: coremon app deploy shop web site.tar.gz --wait -m "spring sale"
    """
    api = Api(server)
    stack_id = resolve(api, stack)["stack_id"]
    digest = artifact_on_server(api, file, kind)
    body = {"service": service, "artifact": digest, "path": path, "comment": comment}
    enqueue(api, f"/stacks/{stack_id}/deploy", output, quiet, wait, timeout, body)


@app.command("history")
@handled
def history(
    stack: NameArg,
    service: SomeServiceArg = None,
    path: Annotated[str | None, typer.Option("--path", help="One path's.")] = None,
    server: ServerOpt = None,
    output: OutputOpt = Format.TABLE,
    quiet: QuietOpt = False,
) -> None:
    """The stack's deployments, newest first; `*` marks what each target serves.

    Example: coremon app history shop web -o json | jq -r '.[] | select(.current) | .artifact'
    """
    api = Api(server)
    stack_id = resolve(api, stack)["stack_id"]
    found = all_pages(api, f"/stacks/{stack_id}/deployments", service=service, path=path)
    emit(
        found,
        output,
        deployments_view,
        quiet=quiet,
        ids=lambda ds: [d["deployment_id"] for d in ds],
    )


def previous_deployment(
    api: Api, stack: dict[str, Any], service: str | None, path: str | None
) -> str:
    """The deployment the target's current one replaced: what a rollback puts back."""
    where = f"/stacks/{stack['stack_id']}/deployments"
    current = [d for d in all_pages(api, where, service=service, path=path) if d["current"]]
    named = f"stack {stack['name']}" + (f" service {service}" if service else "")
    if not current:
        raise CliError(ExitCode.USAGE, f"{named}: nothing deployed{f' at {path}' if path else ''}")
    if len(current) > 1:
        targets = ", ".join(sorted(f"{d['service']} {d['path']}" for d in current))
        raise CliError(
            ExitCode.USAGE, f"{named}: several targets ({targets}): give SERVICE and --path"
        )
    (serving,) = current
    if serving["previous"] is None:
        raise CliError(
            ExitCode.USAGE,
            f"{named}: {serving['deployment_id']} is the first deployment at "
            f"{serving['service']} {serving['path']}: nothing before it",
        )
    return str(serving["previous"])


@app.command("rollback")
@handled
def rollback(
    stack: NameArg,
    service: Annotated[
        str | None,
        typer.Argument(
            help="The target's service (needed when the stack serves several).",
            show_default=False,
        ),
    ] = None,
    path: Annotated[str | None, typer.Option("--path", help="The target's path.")] = None,
    to: Annotated[
        str | None,
        typer.Option("--to", help="The deployment to put back (its id, from `app history`)."),
    ] = None,
    comment: CommentOpt = None,
    wait: WaitOpt = False,
    timeout: TimeoutOpt = FIVE_MINUTES,
    server: ServerOpt = None,
    output: OutputOpt = Format.TABLE,
    quiet: QuietOpt = False,
) -> None:
    """Deploy an earlier artifact again: --to a deployment, or (default) the one the
    target's current deployment replaced. A rollback is a deployment too: rolling back
    twice puts the newer artifact back.

    Example: coremon app rollback shop web --wait
    """
    api = Api(server)
    found = resolve(api, stack)
    deployment = to or previous_deployment(api, found, service, path)
    where = f"/stacks/{found['stack_id']}/deployments/{quote(deployment, safe='')}/redeploy"
    body = {"comment": comment} if comment else {}
    enqueue(api, where, output, quiet, wait, timeout, body)
