"""`coremon wizard render | catalog`: a selection of catalog components and their answers
(a YAML or JSON file, as the API takes them) resolved into a compose file, or made a stack.
A selection that breaks a rule is exit 4, one line per violation with its path."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from core_monitor.cli.client.commands import enqueue
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
from core_monitor.cli.client.wait import DEFAULT_TIMEOUT, TimeoutOpt, WaitOpt, parse_duration

app = typer.Typer(help="The wizard: a stack from catalog components and a few answers.")
FIVE_MINUTES = parse_duration(DEFAULT_TIMEOUT)
ANSWER_KEYS = ("selection", "answers", "comment")
MAX_ANSWERS_BYTES = 1 << 20
AnswersOpt = Annotated[
    Path,
    typer.Option(
        "--answers",
        "-a",
        help="YAML or JSON: selection (a list of {component, version}), answers "
        "({component: {parameter: value}}), comment.",
        exists=True,
        dir_okay=False,
        show_default=False,
    ),
]


def read_answers(file: Path) -> dict[str, Any]:
    """The file's selection, answers and comment (a mapping, nothing else in it)."""
    try:
        if file.stat().st_size > MAX_ANSWERS_BYTES:
            raise CliError(ExitCode.USAGE, f"{file}: larger than {MAX_ANSWERS_BYTES} bytes")
        loaded = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CliError(ExitCode.USAGE, f"{file}: {str(exc).splitlines()[0]}") from None
    if not isinstance(loaded, dict) or "selection" not in loaded:
        raise CliError(ExitCode.USAGE, f"{file}: a mapping with selection (and answers) expected")
    unknown = sorted(str(k) for k in loaded if k not in ANSWER_KEYS)
    if unknown:
        raise CliError(
            ExitCode.USAGE, f"{file}: unknown keys {', '.join(unknown)} (expected {ANSWER_KEYS})"
        )
    return loaded


def violation_lines(violations: list[dict[str, Any]]) -> list[str]:
    """One line each: where (the answer's path, else the selection's components), what, how
    to fix it."""
    lines = []
    for v in violations:
        where = v.get("field") or f"selection ({', '.join(v['components'])})"
        fix = f"; fix: {v['fix']}" if v.get("fix") else ""
        lines.append(f"{where}: {v['message']} [{v['rule']}]{fix}")
    return lines


def render_view(result: dict[str, Any]) -> Any:
    """For people: the compose file on stdout (so `> compose.yaml` keeps it), what was
    chosen and the variables on stderr."""
    for c in result["components"]:
        why = f" ({c['added_because']})" if c.get("added_because") else ""
        note(f"component {c['component']} {c['version']}{why}")
    for v in result["variables"]:
        shown = "(secret)" if v["secret"] else ("(generated)" if v["value"] is None else v["value"])
        note(f"variable {v['name']} = {shown}")
    for s in result["suggestions"]:
        note(f"suggestion: {s['message']}")
    return result["compose"].rstrip("\n")


def created_view(created: dict[str, Any]) -> Any:
    return fields((k, created[k]) for k in ("stack", "stack_id", "version"))


@app.command("render")
@handled
def render(
    answers: AnswersOpt,
    create: Annotated[
        str | None, typer.Option("--create", help="Create a stack of this name (its v1).")
    ] = None,
    apply: Annotated[
        bool, typer.Option("--apply", help="With --create: apply v1 (queued).")
    ] = False,
    wait: WaitOpt = False,
    timeout: TimeoutOpt = FIVE_MINUTES,
    server: ServerOpt = None,
    output: OutputOpt = Format.TABLE,
    quiet: QuietOpt = False,
) -> None:
    """Resolve a selection: print the compose file (exit 4 with the violations, if any), or
    --create the stack from it (and --apply it; --wait implies --apply and follows it).

    Examples:
      coremon wizard render --answers shop.yaml > compose.yaml
      coremon wizard render --answers shop.yaml --create shop --wait --timeout 10m
    """
    asked = read_answers(answers)
    api = Api(server)
    if create is None:
        if apply or wait:
            raise typer.BadParameter("needs --create NAME", param_hint="--apply / --wait")
        _resolve(api, asked, output)
        return
    body = {"name": create, **asked}
    made = api.post("/wizard/stacks", json=body)
    created = {"stack": create, "stack_id": made["stack_id"], "version": made["version"]}
    note(f"stack {create} created at v{made['version']} by the wizard")
    if not (apply or wait):
        emit(created, output, created_view, quiet=quiet, ids=lambda c: [c["stack"]])
        return
    path = f"/stacks/{made['stack_id']}/apply/{made['version']}"
    enqueue(api, path, output, quiet, wait, timeout)


def _resolve(api: Api, asked: dict[str, Any], output: Format) -> None:
    body = {k: asked[k] for k in ("selection", "answers") if k in asked}
    result: dict[str, Any] = api.post("/wizard/resolve", json=body)
    refusal = CliError(ExitCode.REFUSED, *violation_lines(result["violations"]))
    if result["violations"] and output == Format.TABLE:
        raise refusal  # no compose on stdout: `> compose.yaml` must not keep a broken one
    emit(result, output, render_view)
    if result["violations"]:
        raise refusal  # after the data: -o json shows the violations as data too


def catalog_view(listed: dict[str, Any]) -> Any:
    return table(
        ("COMPONENT", "CATEGORY", "DEFAULT", "VERSIONS", "TITLE"),
        [
            (c["id"], c["category"], c["default_version"], ",".join(c["versions"]), c["title"])
            for c in listed["items"]
        ],
        title=listed["catalog_digest"],
    )


@app.command("catalog")
@handled
def catalog(
    text: Annotated[
        str | None, typer.Argument(help="Only components whose id, title or text has it.")
    ] = None,
    category: Annotated[str | None, typer.Option(help="Only this category's.")] = None,
    server: ServerOpt = None,
    output: OutputOpt = Format.TABLE,
    quiet: QuietOpt = False,
) -> None:
    """The catalog's components, their versions (newest first) and default.

    Example: coremon wizard catalog database
    """
    listed = Api(server).get("/catalog", text=text, category=category)
    emit(listed, output, catalog_view, quiet=quiet, ids=lambda c: [i["id"] for i in c["items"]])
