"""`coremon stack …` definitions: list, show, create, edit, history, diff. (Running them —
plan, apply, status, logs… — is stack_actions.py, on the same command group.)"""

from __future__ import annotations

import io
import os
import sys
import tarfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import typer

from core_monitor.cli.client.exits import CliError, ExitCode, handled
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

app = typer.Typer(help="Stacks: versioned compose definitions, applied through the queue.")
NameArg = Annotated[str, typer.Argument(help="The stack's name.", show_default=False)]
FileOpt = Annotated[
    Path | None,
    typer.Option("--file", "-f", help="The compose file ('-': standard input).", dir_okay=False),
]
DirOpt = Annotated[
    Path | None,
    typer.Option(
        "--dir",
        help="The project directory its files come from (sent as a bundle).",
        exists=True,
        file_okay=False,
    ),
]
VarOpt = Annotated[list[str] | None, typer.Option("--var", help="K=V, repeatable.")]
SecretOpt = Annotated[
    list[str] | None,
    typer.Option("--secret", help="K=V, or K to read it from the environment; repeatable."),
]
CommentOpt = Annotated[str, typer.Option("--comment", "-m", help="Why this version.")]
COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
PAGE = 500


def stack_path(name: str) -> str:
    return f"/stacks/{quote(name, safe='')}"


def resolve(api: Api, name: str) -> dict[str, Any]:
    """The stack by name (or id), as the API has it."""
    stack: dict[str, Any] = api.get(stack_path(name))
    return stack


def all_pages(api: Api, path: str, /, **params: Any) -> list[Any]:
    """Every item of a paged list (``params`` may hold a query parameter named path)."""
    items: list[Any] = []
    while True:
        page = api.get(path, limit=PAGE, offset=len(items), **params)
        items += page["items"]
        if not page["items"] or len(items) >= page["total"]:
            return items


def variables(plain: list[str] | None, secret: list[str] | None) -> dict[str, Any] | None:
    """``--var`` and ``--secret`` as the API's variables; None when neither is given (an
    edit then keeps the parent version's)."""
    if plain is None and secret is None:
        return None
    out: dict[str, Any] = {}
    for item in plain or []:
        key, value = _pair(item, "--var")
        out[key] = value
    for item in secret or []:
        key, value = _pair(item, "--secret")
        out[key] = {"value": value, "secret": True}
    return out


def _pair(item: str, option: str) -> tuple[str, str]:
    key, sep, value = item.partition("=")
    if not sep and option == "--secret" and key in os.environ:
        return key, os.environ[key]  # kept out of the process list and the shell history
    if not sep or not key:
        raise typer.BadParameter(f"{item!r}: expected K=V", param_hint=option)
    return key, value


def compose_text(file: Path | None) -> str:
    if file is None:
        raise typer.BadParameter("give the compose file", param_hint="--file")
    if str(file) == "-":
        return sys.stdin.read()
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(ExitCode.USAGE, f"{file}: {exc}") from None


def bundle(directory: Path, compose: Path | None) -> bytes:
    """The project directory as .tar.gz, its compose file (``compose``, else the one at its
    root) at the archive's root as compose.yaml."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in sorted(directory.rglob("*")):
            relative = path.relative_to(directory)
            if not path.is_file() or ".git" in relative.parts:
                continue
            if compose is not None and relative.as_posix() in COMPOSE_NAMES:
                continue  # the -f file stands in for it
            if compose is not None and path.resolve() == compose.resolve():
                continue
            tar.add(path, arcname=relative.as_posix(), recursive=False)
        if compose is not None:
            data = compose_text(compose).encode()
            info = tarfile.TarInfo("compose.yaml")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def stacks_view(stacks: list[dict[str, Any]]) -> Any:
    return table(
        ("NAME", "STATUS", "APPLIED", "LATEST", "UPDATED"),
        [
            (s["name"], s["status"], s["current_version"], s["latest_version"], s["updated_at"])
            for s in stacks
        ],
    )


def stack_view(stack: dict[str, Any]) -> Any:
    keys = ("name", "stack_id", "status", "current_version", "desired_version", "latest_version")
    return fields([*((k, stack.get(k)) for k in keys), ("updated_at", stack.get("updated_at"))])


def version_view(saved: dict[str, Any]) -> Any:
    return fields((k, saved[k]) for k in ("stack", "stack_id", "version"))


def history_view(versions: list[dict[str, Any]]) -> Any:
    return table(
        ("VERSION", "PARENT", "APPLIED", "AUTHOR", "CREATED", "SERVICES", "COMMENT"),
        [
            (
                v["version"],
                v["parent_version"],
                "*" if v.get("applied") else "",
                v["author"],
                v["created_at"],
                ",".join(v["services"]),
                v["comment"],
            )
            for v in versions
        ],
    )


@app.command("ls")
@handled
def list_stacks(
    server: ServerOpt = None, output: OutputOpt = Format.TABLE, quiet: QuietOpt = False
) -> None:
    """The stacks you may see.

    Example: coremon stack ls -o json | jq -r '.[].name'
    """
    found = all_pages(Api(server), "/stacks")
    emit(found, output, stacks_view, quiet=quiet, ids=lambda ss: [s["name"] for s in ss])


@app.command("show")
@handled
def show(name: NameArg, server: ServerOpt = None, output: OutputOpt = Format.TABLE) -> None:
    """One stack: its status and its applied, desired and latest versions."""
    emit(resolve(Api(server), name), output, stack_view)


@app.command("create")
@handled
def create(
    name: NameArg,
    file: FileOpt = None,
    directory: DirOpt = None,
    var: VarOpt = None,
    secret: SecretOpt = None,
    comment: CommentOpt = "",
    server: ServerOpt = None,
    output: OutputOpt = Format.TABLE,
    quiet: QuietOpt = False,
) -> None:
    """Create a stack (its version 1) from a compose file, or a project directory.

    Examples:
      coremon stack create shop -f compose.yaml --var TAG=1 --secret DB_PASSWORD
      coremon stack create shop --dir ./shop
    """
    api = Api(server)
    values = variables(var, secret) or {}
    if directory is not None:
        form = {"name": name, "variables": _json(values), "comment": comment}
        archive = {"archive": ("bundle.tar.gz", bundle(directory, file), "application/gzip")}
        created = api.post("/stacks/upload", data=form, files=archive)
    else:
        body = {
            "name": name,
            "compose": compose_text(file),
            "variables": values,
            "comment": comment,
        }
        created = api.post("/stacks", json=body)
    saved = {
        "stack": created["name"],
        "stack_id": created["stack_id"],
        "version": created["version"],
    }
    note(f"stack {name} created at v{created['version']}")
    emit(saved, output, version_view, quiet=quiet, ids=lambda s: [str(s["version"])])


@app.command("edit")
@handled
def edit(
    name: NameArg,
    file: FileOpt = None,
    directory: DirOpt = None,
    var: VarOpt = None,
    secret: SecretOpt = None,
    parent: Annotated[
        int | None, typer.Option(min=1, help="Refuse (exit 4) if the latest is not this one.")
    ] = None,
    comment: CommentOpt = "",
    server: ServerOpt = None,
    output: OutputOpt = Format.TABLE,
    quiet: QuietOpt = False,
) -> None:
    """Save a new version (the variables and files of its parent unless given again).

    Example: coremon stack edit shop -f compose.yaml --parent 3 -m "nginx 1.27"
    """
    api = Api(server)
    stack = resolve(api, name)
    values = variables(var, secret)
    path = f"/stacks/{stack['stack_id']}/versions"
    if directory is not None:
        form: dict[str, Any] = {"comment": comment}
        form |= {"variables": _json(values)} if values is not None else {}
        form |= {"parent_version": str(parent)} if parent is not None else {}
        archive = {"archive": ("bundle.tar.gz", bundle(directory, file), "application/gzip")}
        version = api.post(f"{path}/upload", data=form, files=archive)
    else:
        body = {
            "compose": compose_text(file),
            "variables": values,
            "comment": comment,
            "parent_version": parent,
        }
        version = api.post(path, json=body)
    saved = {"stack": stack["name"], "stack_id": stack["stack_id"], "version": version["version"]}
    note(f"stack {stack['name']}: v{version['version']} saved")
    emit(saved, output, version_view, quiet=quiet, ids=lambda s: [str(s["version"])])


def _json(values: dict[str, Any]) -> str:
    import json

    return json.dumps(values)


@app.command("history")
@handled
def history(
    name: NameArg,
    server: ServerOpt = None,
    output: OutputOpt = Format.TABLE,
    quiet: QuietOpt = False,
) -> None:
    """The stack's versions, newest first; `applied` marks the one running.

    Example: coremon stack history shop
    """
    api = Api(server)
    stack = resolve(api, name)
    versions = all_pages(api, f"/stacks/{stack['stack_id']}/versions")
    for version in versions:
        version["applied"] = version["version"] == stack["current_version"]
    emit(
        versions, output, history_view, quiet=quiet, ids=lambda vs: [str(v["version"]) for v in vs]
    )
