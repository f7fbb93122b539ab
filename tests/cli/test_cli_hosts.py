"""`coremon host ls | add | confirm` against the real app and the real engine: hosts in
their documented JSON, a host added at the local engine's socket (probed: reachable), one
added over TCP with its TLS files read and sent (nothing answers there: unreachable), the
refusals (exit 4 with the path), and a host whose engine changed confirmed."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from core_monitor.store import hosts as host_store
from tests.cli.conftest import Cli, check_golden
from tests.support.server import free_port

pytestmark = pytest.mark.docker

# what the machine decides: the engine, its facts, when it was seen, where a test put it
HOST_VOLATILE = ("address", "engine_id", "facts", "last_seen", "problem", "host_id")


@pytest.fixture
def idle(make_cli: Callable[..., Cli]) -> Cli:
    return make_cli(False)


def tls_files(directory: Path) -> list[str]:
    """--tlscacert, --tlscert, --tlskey: a self-signed certificate (as CA and client) and its
    key, real PEM the server parses."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "coremon-cli-test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    (directory / "ca.pem").write_bytes(pem)
    (directory / "cert.pem").write_bytes(pem)
    (directory / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return [
        *("--tlscacert", str(directory / "ca.pem")),
        *("--tlscert", str(directory / "cert.pem")),
        *("--tlskey", str(directory / "key.pem")),
    ]


def test_hosts_listed_and_added(idle: Cli, tmp_path: Path) -> None:
    listed = idle.json("host", "ls")
    check_golden("host_ls", listed, idle.stack, *HOST_VOLATILE)
    (local,) = listed
    name = idle.stack  # unique per test: clitest-<hex>
    added = idle.json("host", "add", name, local["address"], "--label", "zone=b")
    assert added["state"] == "reachable" and added["labels"] == {"zone": "b"}
    assert added["engine_id"] == local["engine_id"] and added["tls"] is False
    far = idle.json(
        "host", "add", f"{name}-tls", f"tcp://127.0.0.1:{free_port()}", *tls_files(tmp_path)
    )
    check_golden("host_add", far, idle.stack, *HOST_VOLATILE)
    assert far["tls"] is True and far["state"] == "unreachable"
    names = idle("host", "ls", "-q").stdout.split()
    assert set(names) == {"local", name, f"{name}-tls"}
    table = idle("host", "ls", "--refresh")
    assert table.exit_code == 0 and "zone=b" in table.stdout and "unreachable" in table.stdout


def test_refusals_and_usage_errors(idle: Cli, tmp_path: Path) -> None:
    plain = idle("host", "add", idle.stack, f"tcp://127.0.0.1:{free_port()}")
    assert plain.exit_code == 4, plain.stderr
    assert plain.stderr.startswith("coremon: tls: "), plain.stderr  # plain TCP: refused
    bad_key = tmp_path / "bad"
    bad_key.mkdir()
    flags = tls_files(bad_key)
    (bad_key / "key.pem").write_text("not a key")
    refused = idle("host", "add", idle.stack, f"tcp://127.0.0.1:{free_port()}", *flags)
    assert refused.exit_code == 4 and "coremon: tls.key: " in refused.stderr, refused.stderr
    partial = idle("host", "add", idle.stack, "tcp://127.0.0.1:1", *flags[:2])
    assert partial.exit_code == 2, partial.stderr
    assert idle("host", "add", idle.stack, "unix:///x", "--label", "nolabel").exit_code == 2
    assert idle("host", "ls", COREMON_TOKEN="cm_not-a-token").exit_code == 2
    assert idle("host", "confirm", "no-such-host", "--yes").exit_code == 2  # 404
    assert idle.json("host", "ls")[0]["name"] == "local"  # nothing was added
    response = idle.client.post(
        "/api/v1/tokens", json={"name": "op", "role": "operator", "expires_in_days": 1}
    )
    operator = response.json()["token"]
    not_admin = idle("host", "add", idle.stack, "unix:///x", COREMON_TOKEN=operator)
    assert not_admin.exit_code == 4, not_admin.stderr  # 403: an admin's


def test_a_changed_engine_is_confirmed(idle: Cli) -> None:
    (local,) = idle.json("host", "ls")
    name = idle.stack
    added = idle.json("host", "add", name, local["address"])
    # as if another machine answered at that address: the server trusted another engine
    with idle.runtime.db.write() as session:
        host_store.update(session, added["host_id"], engine_id="OLD:ENGINE:ID")
    changed = {h["name"]: h for h in idle.json("host", "ls", "--refresh")}[name]
    assert changed["state"] == "engine_changed", changed
    asked = idle("host", "confirm", name, input="n\n")
    assert asked.exit_code == 2 and local["engine_id"] in asked.stderr, asked.stderr
    assert idle("host", "confirm", name, input="").exit_code == 2  # no terminal, no --yes
    wrong = idle("host", "confirm", name, "--engine-id", "NOT:THE:ONE")
    assert wrong.exit_code == 4 and wrong.stderr.startswith("coremon: engine_id: "), wrong.stderr
    confirmed = idle("host", "confirm", name, "--yes", "-o", "json")
    assert confirmed.exit_code == 0, confirmed.stderr
    host = json.loads(confirmed.stdout)
    assert host["state"] == "reachable" and host["engine_id"] == local["engine_id"]
    again = idle("host", "confirm", name, "--engine-id", local["engine_id"])
    assert again.exit_code == 0 and "trusted" in again.stderr
