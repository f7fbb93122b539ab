"""`coremon`: serve the API and worker, run the worker alone, migrate the database."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from core_monitor.cli.backup import restore as restore_backup
from core_monitor.cli.client.app import mount as mount_client
from core_monitor.cli.client.backups import app as backup_group
from core_monitor.domain.auth import Role
from core_monitor.errors import ConfigurationError
from core_monitor.settings import Settings, load_settings


def _environment_help() -> str:
    lines = ["Configuration (environment variables):\n\n"]
    for name, field in Settings.model_fields.items():
        default = field.default
        lines.append(f"COREMON_{name.upper()}  {field.description or ''} [default: {default}]\n\n")
    return "".join(lines)


app = typer.Typer(no_args_is_help=True)


def _version(value: bool) -> None:
    if value:
        from core_monitor import __version__

        typer.echo(f"coremon {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    show_version: Annotated[
        bool | None,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = None,
) -> None:
    """Core Monitor: a self-hosted Docker stack orchestrator.

    Client commands (stack, command, queue, app, wizard, host, backup, login) talk to a
    server's REST API: --server or COREMON_URL, and COREMON_TOKEN or `coremon login`. Exit
    codes: 0 success, 1 failed (or `diff` found a difference), 2 usage/configuration/
    authentication, 3 timeout, 4 refused.
    """


def _settings(**overrides: Any) -> Settings:
    try:
        return load_settings(**{k: v for k, v in overrides.items() if v is not None})
    except ConfigurationError as exc:
        typer.echo(f"coremon: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command(epilog=_environment_help())
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (COREMON_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (COREMON_PORT).")] = None,
    worker: Annotated[
        bool | None, typer.Option("--worker/--no-worker", help="Run the queue worker too.")
    ] = None,
) -> None:
    """Migrate the database, then serve the REST API (and the queue worker)."""
    # Settings first: a bad one stops in a fraction of a second, before the app is imported.
    settings = _settings(host=host, port=port, worker=worker)

    import uvicorn

    from core_monitor.api.app import create_app
    from core_monitor.log import configure_logging, get_logger
    from core_monitor.runtime import Runtime

    configure_logging(settings)
    try:
        runtime = Runtime.build(settings)
    except ConfigurationError as exc:
        typer.echo(f"coremon: {exc}", err=True)
        raise typer.Exit(2) from None
    except Exception as exc:
        typer.echo(f"coremon: cannot open the database: {exc}", err=True)
        raise typer.Exit(2) from None
    get_logger("core_monitor").info(
        "starting",
        host=settings.host,
        port=settings.port,
        worker=settings.worker,
        database=runtime.db.engine.url.render_as_string(hide_password=True),
    )
    uvicorn.run(
        create_app(runtime),
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=False,
        # forwarded headers are believed from COREMON_TRUSTED_PROXIES only (api/proxies.py);
        # uvicorn's default would believe any client connecting from 127.0.0.1
        proxy_headers=False,
    )


@app.command(name="worker", epilog=_environment_help())
def run_worker() -> None:
    """Run only the queue worker (another process serves the API)."""
    import signal
    import threading

    settings = _settings()

    from core_monitor.log import configure_logging
    from core_monitor.runtime import Runtime

    configure_logging(settings)
    runtime = Runtime.build(settings)
    runtime.start_worker()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    runtime.close()


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (serve does this on start)."""
    from core_monitor.store.db import Database
    from core_monitor.store.migrate import upgrade

    settings = _settings()
    upgrade(Database(settings.resolved_database_url))
    typer.echo("database is up to date")


users = typer.Typer(help="Local users (run on the Core Monitor host).", no_args_is_help=True)
app.add_typer(users, name="user")
# `backup restore` is local (it needs an empty database); the rest of the group is the API's
backup_group.command("restore")(restore_backup)


def _user_service() -> tuple[Any, Any]:
    import getpass

    from core_monitor.domain.actor import Actor
    from core_monitor.services.users import UserService
    from core_monitor.store.db import Database
    from core_monitor.store.migrate import upgrade

    db = Database(_settings().resolved_database_url)
    upgrade(db)
    return UserService(db), Actor(name=f"cli:{getpass.getuser()}", source="cli")


def _password(from_stdin: bool, prompt: str) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt(prompt, hide_input=True, confirmation_prompt=True))


def _run(action: Any) -> None:
    from core_monitor.errors import InvalidInput

    try:
        action()
    except InvalidInput as exc:
        typer.echo(f"coremon: {exc}", err=True)
        raise typer.Exit(1) from None


@users.command("add")
def user_add(
    username: str,
    role: Annotated[Role, typer.Option(help="Global role.")] = Role.VIEWER,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a local user."""
    service, actor = _user_service()
    password = _password(password_stdin, "Password")
    _run(lambda: service.create(actor, username, password, role, {}))
    typer.echo(f"user {username} created ({role.value})")


@users.command("passwd")
def user_passwd(
    username: str,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Set a user's password (their open sessions end)."""
    service, actor = _user_service()
    password = _password(password_stdin, "New password")
    _run(lambda: service.update(actor, username, password=password))
    typer.echo(f"password of {username} changed")


@users.command("disable")
def user_disable(username: str) -> None:
    """Disable a user: every session and token of theirs stops working at once."""
    service, actor = _user_service()
    _run(lambda: service.update(actor, username, enabled=False))
    typer.echo(f"user {username} disabled")


@users.command("enable")
def user_enable(username: str) -> None:
    """Enable a disabled user again."""
    service, actor = _user_service()
    _run(lambda: service.update(actor, username, enabled=True))
    typer.echo(f"user {username} enabled")


@users.command("list")
def user_list() -> None:
    """Users, their global role and whether they are enabled."""
    service, _ = _user_service()
    found, _ = service.list_users(1000, 0)
    for user in found:
        state = "enabled" if user.enabled else "disabled"
        typer.echo(f"{user.username}\t{user.role or '-'}\t{state}\t{user.source}")


@app.command()
def openapi() -> None:
    """Print the REST API's OpenAPI schema as JSON (the web console's client is made from it)."""
    import contextlib
    import json
    import tempfile
    from pathlib import Path

    from core_monitor.api.app import create_app
    from core_monitor.runtime import Runtime

    # The schema depends on the code only: a throw-away database, and nothing is started.
    # Whatever the start-up logs (e.g. the first admin's password) goes to stderr, so that
    # stdout is the schema alone.
    with (
        tempfile.TemporaryDirectory(prefix="coremon-openapi-") as tmp,
        contextlib.redirect_stdout(sys.stderr),
    ):
        settings = _settings(database_url=f"sqlite:///{Path(tmp) / 'schema.db'}")
        runtime = Runtime.build(settings)
        try:
            schema = create_app(runtime, run_worker=False).openapi()
        finally:
            runtime.close()
    typer.echo(json.dumps(schema, indent=2, sort_keys=True))


mount_client(app)


def main() -> None:  # pragma: no cover
    sys.exit(app())
