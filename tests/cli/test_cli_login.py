"""`coremon login`: a refresh token kept in $XDG_CONFIG_HOME/coremon (0600), the access token
refreshed silently when it ends or is refused, `logout` ending and forgetting it."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable

import pytest

from core_monitor.cli.client.http import Api, Transport
from tests.cli.conftest import BASE, Cli
from tests.support.server import TEST_ADMIN_PASSWORD

pytestmark = pytest.mark.docker


def test_login_stores_a_private_refresh_token_used_silently(
    make_cli: Callable[[bool], Cli],
) -> None:
    cli = make_cli(False)
    env = {"COREMON_TOKEN": None, "COREMON_URL": None}
    wrong = cli("login", "--server", BASE, "-u", "admin", "--password-stdin", input="nope\n", **env)
    assert wrong.exit_code == 2 and "coremon:" in wrong.stderr
    logged = cli(
        "login",
        "--server",
        BASE,
        "-u",
        "admin",
        "--password-stdin",
        input=TEST_ADMIN_PASSWORD + "\n",
        **env,
    )
    assert logged.exit_code == 0, logged.stderr
    stored = cli.home / "coremon" / "credentials.json"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    assert cli("stack", "ls", **env).exit_code == 0  # the login's server and token

    first = json.loads(stored.read_text())
    stored.write_text(json.dumps({**first, "expires_at": 0}))  # the access token has ended
    assert cli("queue", **env).exit_code == 0
    second = json.loads(stored.read_text())
    assert second["refresh_token"] != first["refresh_token"]  # refreshed, and rotated
    assert second["expires_at"] > 0

    stored.write_text(json.dumps({**second, "access_token": "refused"}))  # revoked, say
    assert cli("queue", **env).exit_code == 0
    assert json.loads(stored.read_text())["access_token"] != "refused"

    elsewhere = cli("stack", "ls", "--server", "http://other.example", **env)
    assert elsewhere.exit_code == 2
    assert f"logged in to {BASE}, not http://other.example" in elsewhere.stderr

    assert cli("logout").exit_code == 0
    assert not stored.exists()
    assert cli("stack", "ls", **env).exit_code == 2


def test_an_unreadable_login_file_is_a_usage_error(make_cli: Callable[[bool], Cli]) -> None:
    cli = make_cli(False)
    path = cli.home / "coremon" / "credentials.json"
    path.parent.mkdir(parents=True)
    path.write_text("{not json")
    result = cli("stack", "ls", COREMON_TOKEN=None)
    assert result.exit_code == 2 and "run `coremon login`" in result.stderr


def test_two_commands_refreshing_at_once_keep_the_login(make_cli: Callable[[bool], Cli]) -> None:
    """The second sees the first's refresh instead of presenting the rotated token again
    (which the server takes for a stolen token, ending the whole login)."""
    cli = make_cli(False)
    env = {"COREMON_TOKEN": None, "COREMON_URL": None}
    logged = cli(
        "login",
        "--server",
        BASE,
        "-u",
        "admin",
        "--password-stdin",
        input=TEST_ADMIN_PASSWORD + "\n",
        **env,
    )
    assert logged.exit_code == 0
    stored = cli.home / "coremon" / "credentials.json"
    stored.write_text(json.dumps({**json.loads(stored.read_text()), "expires_at": 0}))
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("COREMON_TOKEN", raising=False)
        patch.setenv("XDG_CONFIG_HOME", str(cli.home))
        patch.setattr(Transport, "factory", lambda _url: cli.client)
        first, second = Api(), Api()  # both read the ended access token
        first.get("/queue")
        second.get("/queue")
    assert cli("queue", **env).exit_code == 0  # the login still holds
