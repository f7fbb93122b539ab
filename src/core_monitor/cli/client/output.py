"""What the client commands print on stdout: a rich table for people (the default), the
documented JSON or YAML shapes for scripts (``-o json|yaml``: keys sorted, the API's own
objects unless the README says otherwise), or ids alone (``--quiet``). Progress and errors go
to stderr, so stdout stays parseable."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from enum import StrEnum
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.table import Table
from rich.text import Text


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"
    YAML = "yaml"


OutputOpt = Annotated[
    Format, typer.Option("--output", "-o", help="table (for people), json or yaml (for scripts).")
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print ids (or names) only.")]
ServerOpt = Annotated[
    str | None,
    typer.Option("--server", envvar="COREMON_URL", help="Server URL (default: the login's)."),
]
TABLE_WIDTH = 160


def console(err: bool = False) -> Console:
    """Made when printing: the runner of a test swaps sys.stdout for each invocation."""
    stream = sys.stderr if err else sys.stdout
    return Console(file=stream, highlight=False, soft_wrap=False, width=TABLE_WIDTH)


def dump(data: Any, fmt: Format) -> str:
    if fmt == Format.YAML:
        return yaml.safe_dump(data, sort_keys=True, allow_unicode=True, default_flow_style=False)
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def plain(value: Any) -> Text:
    """A cell as text, never as rich markup: a compose file's ``[sleep, '1']`` stays."""
    return Text("-" if value is None else str(value))


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]], title: str | None = None) -> Table:
    grid = Table(*columns, title=title, title_justify="left", header_style="bold")
    for row in rows:
        grid.add_row(*(plain(cell) for cell in row))
    return grid


def fields(pairs: Iterable[tuple[str, Any]]) -> Table:
    """One object as a two-column table: field, value."""
    grid = Table(show_header=False, box=None, padding=(0, 2))
    for key, value in pairs:
        grid.add_row(Text(key, style="bold"), plain(value))
    return grid


def emit(
    data: Any,
    fmt: Format,
    view: Callable[[Any], Any],
    *,
    quiet: bool = False,
    ids: Callable[[Any], Iterable[str]] | None = None,
) -> None:
    """``view`` renders ``data`` for people (a table, or several); ``ids`` what --quiet
    prints."""
    if quiet and ids is not None:
        for one in ids(data):
            typer.echo(one)
        return
    if fmt != Format.TABLE:
        typer.echo(dump(data, fmt), nl=False)
        return
    rendered = view(data)
    out = console()
    for part in rendered if isinstance(rendered, list) else [rendered]:
        if isinstance(part, str):
            typer.echo(part)
        else:
            out.print(part)


def note(message: str) -> None:
    """A line for people on stderr (never in the parseable output)."""
    typer.echo(message, err=True)
