"""`coremon backup create | restore`: run on the Core Monitor host, against its database and
data directory (the settings `serve` uses). The server need not stop for `create`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from core_monitor.services.backups import Backups

backup_app = typer.Typer(
    help="Back up and restore everything Core Monitor keeps (run on its host).",
    no_args_is_help=True,
)


def _backups() -> Backups:
    from core_monitor.cli.main import _settings
    from core_monitor.services.backups import Backups
    from core_monitor.store.db import Database
    from core_monitor.vault import SecretBox

    settings = _settings()
    return Backups(
        Database(settings.resolved_database_url), settings.data_dir, SecretBox.of(settings)
    )


@backup_app.command()
def create(
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Archive file (default: ./coremon-<time>.tar)."),
    ] = None,
) -> None:
    """One archive: the database (one consistent snapshot), the artifact store, a manifest
    with the sha256 of each part. Secrets stay encrypted; COREMON_SECRET_KEY is not in it."""
    from datetime import UTC, datetime

    from core_monitor.errors import CoreMonitorError

    target = output or Path(f"coremon-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.tar")
    try:
        info = _backups().create(target)
    except CoreMonitorError as exc:
        typer.echo(f"coremon: {exc}", err=True)
        raise typer.Exit(2) from None
    rows = sum(info.rows.values())
    unsealed = "" if info.sealed else " (not sealed: no COREMON_SECRET_KEY)"
    typer.echo(
        f"{info.path}: {info.size} bytes, sha256 {info.sha256}, schema {info.schema_revision}, "
        f"{rows} rows, {info.files} files{unsealed}"
    )


@backup_app.command()
def restore(
    archive: Annotated[Path, typer.Argument(help="An archive made by `coremon backup create`.")],
) -> None:
    """Restore into an empty database and data directory: migrate to the archive's schema,
    load, check counts and hashes, then migrate to the newest schema. A truncated, edited or
    foreign archive is refused and nothing is written."""
    from core_monitor.errors import CoreMonitorError

    if not archive.is_file():
        typer.echo(f"coremon: {archive}: no such file", err=True)
        raise typer.Exit(2)
    try:
        report = _backups().restore(archive)
    except CoreMonitorError as exc:
        typer.echo(f"coremon: refused: {exc}", err=True)
        raise typer.Exit(1) from None
    rows = sum(report.rows.values())
    typer.echo(
        f"restored {rows} rows and {report.files} files (schema {report.schema_revision}, "
        f"now {report.migrated_to}){'' if report.sealed else '; the archive was not sealed'}"
    )
