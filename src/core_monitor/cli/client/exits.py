"""The exit codes of the client commands, documented in the README: the one place they are
decided, so a pipeline can branch on them."""

from __future__ import annotations

import functools
from collections.abc import Callable
from enum import IntEnum
from typing import ParamSpec

import typer

P = ParamSpec("P")


class ExitCode(IntEnum):
    OK = 0
    FAILED = 1  # the command ran and failed; `diff` found a difference
    USAGE = 2  # usage, configuration or authentication error
    TIMEOUT = 3  # `--wait` / `stack wait` ran out of time
    REFUSED = 4  # the server refused: validation, policy, conflict (with the paths)


class CliError(Exception):
    """Ends the command with ``code``, each line printed to stderr."""

    def __init__(self, code: ExitCode, *lines: str) -> None:
        super().__init__("; ".join(lines))
        self.code = code
        self.lines = lines


def exit_for_status(status: int) -> ExitCode:
    """An HTTP error status as the exit code a script sees."""
    if status in (400, 401, 404, 405):
        return ExitCode.USAGE  # no such stack or command, a bad or missing credential
    if status < 500:
        return ExitCode.REFUSED  # 403, 409, 413, 422, 429: the server said no, and why
    return ExitCode.FAILED


def handled(function: Callable[P, None]) -> Callable[P, None]:
    """A client command whose CliError ends it with its lines on stderr and its exit code
    (Typer reads the wrapped signature for the options)."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            function(*args, **kwargs)
        except CliError as exc:
            for line in exc.lines:
                typer.echo(f"coremon: {line}", err=True)
            raise typer.Exit(int(exc.code)) from None

    return run
