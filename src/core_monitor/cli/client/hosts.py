"""`coremon host ls | add | confirm`: the Docker hosts a server drives. Adding one over TCP
takes the engine's CA and this client's certificate and key (files read here, sent once,
stored encrypted by the server); `confirm` trusts the engine now found at a host's address
(after the server saw another engine there: state engine_changed)."""

from __future__ import annotations

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

app = typer.Typer(help="Docker hosts: list, add (admin), confirm a changed engine (admin).")
HostArg = Annotated[str, typer.Argument(help="The host's name (or id).", show_default=False)]
MAX_PEM_BYTES = 20_000  # the server's bound on each PEM


def pem_option(flag: str, what: str) -> object:
    return typer.Option(flag, help=f"{what} (a PEM file).", exists=True, dir_okay=False)


def host_path(name: str) -> str:
    return f"/hosts/{quote(name, safe='')}"


def hosts_view(hosts: list[dict[str, Any]]) -> Any:
    return table(
        ("NAME", "STATE", "ADDRESS", "TLS", "ENGINE", "VERSION", "LABELS", "PROBLEM"),
        [
            (
                h["name"],
                h["state"],
                h["address"],
                "yes" if h["tls"] else "no",
                (h.get("facts") or {}).get("name"),
                (h.get("facts") or {}).get("version"),
                ",".join(f"{k}={v}" for k, v in sorted(h["labels"].items())),
                (h.get("problem") or "")[:80],
            )
            for h in hosts
        ],
    )


def host_view(host: dict[str, Any]) -> Any:
    facts = host.get("facts") or {}
    keys = ("name", "host_id", "state", "address", "tls", "engine_id", "problem", "last_seen")
    return fields(
        [
            *((k, host.get(k)) for k in keys),
            ("engine", f"{facts.get('name')} {facts.get('version')}" if facts else None),
            ("labels", ",".join(f"{k}={v}" for k, v in sorted(host["labels"].items()))),
        ]
    )


@app.command("ls")
@handled
def list_hosts(
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Ask every engine now (else: the last probe).")
    ] = False,
    server: ServerOpt = None,
    output: OutputOpt = Format.TABLE,
    quiet: QuietOpt = False,
) -> None:
    """The hosts, their state (reachable, unreachable, engine_changed) and engine.

    Example: coremon host ls -o json | jq -r '.[] | select(.state != "reachable") | .name'
    """
    found = Api(server).get("/hosts", refresh=refresh or None)
    emit(found, output, hosts_view, quiet=quiet, ids=lambda hs: [h["name"] for h in hs])


def labels(given: list[str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in given or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"{item!r}: expected K=V", param_hint="--label")
        out[key] = value
    return out


def tls_body(ca: Path | None, cert: Path | None, key: Path | None) -> dict[str, str] | None:
    given = {"ca": ca, "cert": cert, "key": key}
    if not any(given.values()):
        return None
    if not all(given.values()):
        raise typer.BadParameter(
            "give all three or none", param_hint="--tlscacert/--tlscert/--tlskey"
        )
    return {part: _pem(path) for part, path in given.items() if path is not None}


def _pem(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_PEM_BYTES:
            raise CliError(ExitCode.USAGE, f"{path}: larger than {MAX_PEM_BYTES} bytes")
        return path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise CliError(ExitCode.USAGE, f"{path}: {exc}") from None


@app.command("add")
@handled
def add(
    name: Annotated[str, typer.Argument(help="A name: a-z, 0-9, _ . -", show_default=False)],
    address: Annotated[
        str, typer.Argument(help="unix:///path or tcp://host:port", show_default=False)
    ],
    tlscacert: Annotated[Path | None, pem_option("--tlscacert", "The engine's CA")] = None,
    tlscert: Annotated[Path | None, pem_option("--tlscert", "This client's cert")] = None,
    tlskey: Annotated[Path | None, pem_option("--tlskey", "This client's key")] = None,
    label: Annotated[list[str] | None, typer.Option("--label", help="K=V, repeatable.")] = None,
    server: ServerOpt = None,
    output: OutputOpt = Format.TABLE,
    quiet: QuietOpt = False,
) -> None:
    """Add a host (admin): the server probes it at once and trusts the engine it finds.

    Example: coremon host add build-01 tcp://10.0.0.5:2376 --tlscacert ca.pem \\
      --tlscert cert.pem --tlskey key.pem --label zone=b
    """
    body = {
        "name": name,
        "address": address,
        "labels": labels(label),
        "tls": tls_body(tlscacert, tlscert, tlskey),
    }
    created = Api(server).post("/hosts", json=body)
    note(f"host {created['name']} added: {created['state']}")
    emit(created, output, host_view, quiet=quiet, ids=lambda h: [h["name"]])


@app.command("confirm")
@handled
def confirm(
    name: HostArg,
    engine_id: Annotated[
        str | None,
        typer.Option("--engine-id", help="The engine to trust (default: the one found now)."),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask.")] = False,
    server: ServerOpt = None,
    output: OutputOpt = Format.TABLE,
) -> None:
    """Trust the engine now at a host's address (admin), after the server found another
    engine than the one it trusted there (engine_changed). The server refuses (exit 4) when
    the engine found is not the one confirmed.

    Example: coremon host confirm build-01 --engine-id 3f2a…  (or --yes: the one found now)
    """
    api = Api(server)
    engine = engine_id or _engine_found(api, name, yes)
    confirmed = api.post(f"{host_path(name)}/confirm", json={"engine_id": engine})
    note(f"host {confirmed['name']}: engine {confirmed['engine_id']} trusted")
    emit(confirmed, output, host_view)


def _engine_found(api: Api, name: str, yes: bool) -> str:
    host = api.get(host_path(name), refresh=True)
    facts = host.get("facts")
    if facts is None:
        raise CliError(ExitCode.FAILED, f"host {host['name']} is unreachable: {host['problem']}")
    found = str(facts["engine_id"])
    note(f"host {host['name']} at {host['address']}: engine {found} (trusted: {host['engine_id']})")
    if not yes and not _asked("Trust this engine?"):
        raise CliError(ExitCode.USAGE, "not confirmed (give --yes or --engine-id)")
    return found


def _asked(question: str) -> bool:
    try:
        return bool(typer.confirm(question, default=False, err=True))
    except typer.Abort:  # no terminal: standard input ended
        return False
