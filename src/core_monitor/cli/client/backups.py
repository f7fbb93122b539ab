"""`coremon backup create | ls | download | restore`: backups made by the server while it
runs (admin, over the API: kept in its data directory, listed, downloaded), or made here with
``--local`` against the host's own database; `restore` is always local (it needs an empty
database: cli/backup.py), mounted in this group by cli/main.py."""

from __future__ import annotations

from pathlib import Path
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

app = typer.Typer(
    help="Backups: made by the server (admin, over the API) or --local, listed, downloaded; "
    "restored on the Core Monitor host (`backup restore`)."
)


def backup_view(made: dict[str, Any]) -> Any:
    keys = ("name", "path", "size", "sha256", "schema_revision", "files", "sealed", "created_at")
    rows = sum(made["rows"].values())
    return fields([*((k, made[k]) for k in keys if k in made), ("rows", rows)])


def backups_view(found: list[dict[str, Any]]) -> Any:
    return table(
        ("NAME", "SIZE", "CREATED"), [(b["name"], b["size"], b["created_at"]) for b in found]
    )


@app.command("create")
@handled
def create(
    local: Annotated[
        bool,
        typer.Option(
            "--local",
            help="Here, against this host's database and data directory (the settings "
            "`serve` uses), not over the API.",
        ),
    ] = False,
    file: Annotated[
        Path | None,
        typer.Option("--file", "-f", dir_okay=False, help="With --local: the archive to write."),
    ] = None,
    server: ServerOpt = None,
    output: OutputOpt = Format.TABLE,
    quiet: QuietOpt = False,
) -> None:
    """Back up the database and the artifact store while the server runs: by the server
    (admin token; kept in its data directory: `backup ls`, `backup download`), or --local.

    Examples:
      coremon backup create -o json | jq -r .name
      coremon backup create --local --file /backups/coremon.tar   # on the Core Monitor host
    """
    if local:
        from core_monitor.cli.backup import local_backup

        made = local_backup(file)
    elif file is not None:
        raise typer.BadParameter(
            "needs --local (else: `coremon backup download`)", param_hint="--file"
        )
    else:
        made = Api(server).post("/backups")
    sealed = "" if made["sealed"] else " (not sealed: no COREMON_SECRET_KEY)"
    note(f"backup {made['name']}: {made['size']} bytes, sha256 {made['sha256']}{sealed}")
    emit(made, output, backup_view, quiet=quiet, ids=lambda b: [b["name"]])


@app.command("ls")
@handled
def list_backups(
    server: ServerOpt = None, output: OutputOpt = Format.TABLE, quiet: QuietOpt = False
) -> None:
    """The backups the server keeps (admin).

    Example: coremon backup ls -q | tail -1
    """
    found = Api(server).get("/backups")
    emit(found, output, backups_view, quiet=quiet, ids=lambda bs: [b["name"] for b in bs])


@app.command("download")
@handled
def download(
    name: Annotated[
        str, typer.Argument(help="The backup's name (`backup ls`).", show_default=False)
    ],
    file: Annotated[
        Path | None, typer.Option("--file", "-f", dir_okay=False, help="Default: ./NAME.")
    ] = None,
    server: ServerOpt = None,
) -> None:
    """Copy a backup the server keeps to this machine (admin).

    Example: coremon backup download "$(coremon backup ls -q | tail -1)" -f latest.tar
    """
    target = file or Path(name)
    size = Api(server).download(f"/backups/{quote(name, safe='')}", target)
    note(f"{target}: {size} bytes")
