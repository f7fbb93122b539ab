"""The local half of `coremon backup`: `create --local` and `restore`, run on the Core Monitor
host against its database and data directory (the settings `serve` uses). The server need not
stop for `create`; `restore` needs an empty database, so it never goes through the API. (The
client half, over the API: cli/client/backups.py, which mounts `restore` in its group.)"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from core_monitor.cli.client.exits import CliError, ExitCode

if TYPE_CHECKING:
    from core_monitor.services.backups import Backups


def _backups() -> Backups:
    from core_monitor.cli.main import _settings
    from core_monitor.services.backups import Backups
    from core_monitor.store.db import Database
    from core_monitor.vault import SecretBox

    settings = _settings()
    return Backups(
        Database(settings.resolved_database_url), settings.data_dir, SecretBox.of(settings)
    )


def local_backup(output: Path | None) -> dict[str, Any]:
    """One archive: the database (one consistent snapshot), the artifact store, a manifest
    with the sha256 of each part; described as the API describes a backup, plus its path."""
    from datetime import UTC, datetime

    from core_monitor.errors import CoreMonitorError

    target = output or Path(f"coremon-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.tar")
    try:
        info = _backups().create(target)
    except CoreMonitorError as exc:
        raise CliError(ExitCode.USAGE, str(exc)) from None
    return {
        "name": info.path.name,
        "path": str(info.path),
        "size": info.size,
        "created_at": info.created_at,
        "sha256": info.sha256,
        "schema_revision": info.schema_revision,
        "rows": info.rows,
        "files": info.files,
        "sealed": info.sealed,
    }


def restore(
    archive: Annotated[Path, typer.Argument(help="An archive made by `coremon backup create`.")],
) -> None:
    """Restore into an empty database and data directory (on the Core Monitor host, with
    the settings `serve` uses; never over the API): migrate to the archive's schema, load,
    check counts and hashes, then migrate to the newest schema. A truncated, edited or
    foreign archive is refused and nothing is written.

    Example: coremon backup restore coremon-20260101T000000Z.tar
    """
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
