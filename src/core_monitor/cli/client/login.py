"""`coremon login` / `logout`: a refresh token kept for one server (config.py), so later
commands need no password and no COREMON_TOKEN."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from core_monitor.cli.client import config
from core_monitor.cli.client.exits import CliError, ExitCode, handled
from core_monitor.cli.client.http import (
    API,
    Credential,
    client_for,
    problem_lines,
    send,
    server_url,
    stored,
)
from core_monitor.cli.client.output import ServerOpt, note


@handled
def login(
    server: ServerOpt = None,
    username: Annotated[
        str | None, typer.Option("--username", "-u", help="Prompted if absent.")
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Log in to a server and keep a refresh token in ~/.config/coremon/ (mode 0600); later
    commands refresh the access token silently.

    Example: coremon login --server https://coremon.example.com -u alice
    """
    url = server_url(server, None)
    name = username or str(typer.prompt("Username"))
    secret = (
        sys.stdin.readline().rstrip("\n")
        if password_stdin
        else str(typer.prompt("Password", hide_input=True))
    )
    client, owned = client_for(url)
    try:
        grant = {"username": name, "password": secret}
        response = send(client, "POST", f"{API}/auth/token", data=grant)
    finally:
        if owned:
            client.close()
    if response.is_error:
        raise CliError(ExitCode.USAGE, *problem_lines(response))
    config.save(stored(url, name, response.json()))
    note(f"logged in to {url} as {name} ({config.credentials_path()})")


@handled
def logout() -> None:
    """End the stored login on its server, and forget it."""
    stored_login = config.load()
    if stored_login is None:
        note("not logged in")
        return
    client, owned = client_for(stored_login.server)
    try:
        headers = Credential(None, stored_login).header(client)
        send(client, "POST", f"{API}/auth/logout", headers=headers)
    except CliError:
        pass  # expired or revoked already: forgetting it is all that is left to do
    finally:
        if owned:
            client.close()
    config.forget()
    note("logged out")
