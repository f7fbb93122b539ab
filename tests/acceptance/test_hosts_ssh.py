"""Docker hosts over SSH (issue 18), against a real OpenSSH server started by the test on
127.0.0.1: its own config, host key and authorized keys; the remote end runs
`docker system dial-stdio` and so reaches this machine's engine.

The host record's private key is stored encrypted and never returned (only its
fingerprint); the server's host key is pinned on first use (or given up front) and another
key later refuses the host until an admin confirms it. Nothing of the server's own ~/.ssh is
used. Two host records may lead to one engine (here `local` and the SSH host): that is
allowed, and the engine id shows it.
"""

from __future__ import annotations

import sqlite3
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import docker
import pytest
from fastapi.testclient import TestClient

from core_monitor.api.app import create_app
from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.engine.docker.ssh import SshAccess
from core_monitor.engine.errors import EngineUnreachable
from core_monitor.runtime import Runtime
from tests.support.docker_probe import require_docker
from tests.support.helpers import login, make_settings
from tests.support.sshd import Sshd, keygen, start_sshd

pytestmark = [pytest.mark.docker, pytest.mark.slow]
IMAGE = "coremon-test/busybox:latest"


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    require_docker()
    server = start_sshd(Path(tmp_path_factory.mktemp("ssh-hosts")) / "sshd")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def client_key(sshd: Sshd) -> str:
    """A key the server accepts for root (the server's authorized_keys is the test's)."""
    text = keygen(sshd.directory / "client_key")
    sshd.authorize((sshd.directory / "client_key.pub").read_text())
    return text


@pytest.fixture
def gateway(sshd: Sshd, client_key: str, tmp_path: Path) -> Iterator[DockerGateway]:
    """A client of the SSH engine with the authorized key and the pinned host key."""
    key = tmp_path / "key"
    key.write_text(client_key)
    key.chmod(0o600)
    access = SshAccess(key, sshd.host_key_line())
    client = DockerGateway(f"ssh://root@127.0.0.1:{sshd.port}", timeout=30, ssh=access)
    yield client
    client.close()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def client(data_dir: Path) -> Iterator[TestClient]:
    settings = make_settings(f"sqlite:///{data_dir / 'c.db'}", data_dir=data_dir)
    with TestClient(create_app(Runtime.build(settings), run_worker=False)) as test_client:
        login(test_client)
        yield test_client


def _fingerprint(public_key_file: Path) -> str:
    shown = subprocess.run(
        ["ssh-keygen", "-lf", str(public_key_file)], capture_output=True, text=True, check=True
    )
    return shown.stdout.split()[1]


def _add(client: TestClient, name: str, port: int, **ssh: str) -> dict[str, Any]:
    created = client.post(
        "/api/v1/hosts",
        json={"name": name, "address": f"ssh://root@127.0.0.1:{port}", "ssh": ssh},
    )
    assert created.status_code == 201, created.text
    assert "PRIVATE KEY" not in created.text
    body: dict[str, Any] = created.json()
    return body


def test_an_ssh_host_is_reached_with_its_own_key_and_pinned_host_key(
    client: TestClient, sshd: Sshd, client_key: str, data_dir: Path
) -> None:
    host = _add(client, "sshhost-main", sshd.port, private_key=client_key)
    assert host["state"] == "reachable", host
    assert host["ssh"] is True and host["tls"] is False
    assert host["ssh_key_fingerprint"] == _fingerprint(sshd.directory / "client_key.pub")
    pinned = _fingerprint(Path(f"{sshd.host_key}.pub"))
    assert host["ssh_host_key_fingerprint"] == pinned
    # the same engine as `local`, through another door: allowed, and the engine id says so
    local_id = docker.from_env().info()["ID"]
    assert host["engine_id"] == local_id
    assert host["facts"]["cpus"] >= 1 and host["facts"]["version"]
    by_name = {h["name"]: h for h in client.get("/api/v1/hosts").json()}
    assert by_name["local"]["engine_id"] == by_name["sshhost-main"]["engine_id"]
    assert "PRIVATE KEY" not in client.get("/api/v1/hosts/sshhost-main").text

    key_file = data_dir / ".hosts" / host["host_id"] / "ssh_key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(data_dir / "c.db") as db:
        stored = db.execute("select ssh_key from hosts where name = 'sshhost-main'").fetchone()[0]
    assert stored and "PRIVATE KEY" not in stored and client_key.strip() not in stored

    # the server's identity changes: nothing is sent there until an admin confirms it
    sshd.new_host_key()
    new = _fingerprint(Path(f"{sshd.host_key}.pub"))
    changed = client.get("/api/v1/hosts/sshhost-main", params={"refresh": True}).json()
    assert changed["state"] == "host_key_changed", changed
    assert new in changed["problem"] and pinned in changed["problem"]
    assert changed["ssh_host_key_fingerprint"] == pinned
    wrong = client.post("/api/v1/hosts/sshhost-main/confirm-host-key", json={"fingerprint": pinned})
    assert wrong.status_code == 422, wrong.text
    assert wrong.json()["errors"][0]["path"] == "fingerprint" and new in wrong.text
    still = client.get("/api/v1/hosts/sshhost-main", params={"refresh": True}).json()
    assert still["state"] == "host_key_changed"
    confirmed = client.post(
        "/api/v1/hosts/sshhost-main/confirm-host-key", json={"fingerprint": new}
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["state"] == "reachable"
    assert confirmed.json()["ssh_host_key_fingerprint"] == new
    actions = [e["action"] for e in client.get("/api/v1/audit").json()["items"]]
    assert "host.confirm_host_key" in actions
    not_ssh = client.post("/api/v1/hosts/local/confirm-host-key", json={"fingerprint": new})
    assert not_ssh.status_code == 422 and not_ssh.json()["errors"][0]["path"] == "fingerprint"

    assert client.delete("/api/v1/hosts/sshhost-main").status_code == 204
    assert not key_file.exists()  # a removed host leaves no key on disk


def test_a_host_key_given_up_front_is_the_only_one_trusted(
    client: TestClient, sshd: Sshd, client_key: str
) -> None:
    right = _add(
        client,
        "sshhost-known",
        sshd.port,
        private_key=client_key,
        known_host_key=f"[127.0.0.1]:{sshd.port} {sshd.host_key_line()}",
    )
    assert right["state"] == "reachable", right
    other = sshd.directory / "other_host_key"
    keygen(other)
    impostor = _add(
        client,
        "sshhost-impostor",
        sshd.port,
        private_key=client_key,
        known_host_key=Path(f"{other}.pub").read_text(),
    )
    assert impostor["state"] == "host_key_changed", impostor
    assert impostor["ssh_host_key_fingerprint"] == _fingerprint(Path(f"{other}.pub"))


def test_an_ssh_host_says_why_it_is_unreachable(
    client: TestClient, sshd: Sshd, client_key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The server's own ~/.ssh offers a key the sshd accepts and knows the host: none of it
    # may be used (docker-py's own adapter would take the IdentityFile of ~/.ssh/config).
    home = tmp_path / "home"
    (home / ".ssh").mkdir(parents=True)
    (home / ".ssh" / "id_ed25519").write_text(client_key)
    (home / ".ssh" / "id_ed25519").chmod(0o600)
    (home / ".ssh" / "config").write_text(
        f"Host 127.0.0.1\n  IdentityFile {home / '.ssh' / 'id_ed25519'}\n"
    )
    (home / ".ssh" / "known_hosts").write_text(f"[127.0.0.1]:{sshd.port} {sshd.host_key_line()}\n")
    monkeypatch.setenv("HOME", str(home))
    stranger = keygen(tmp_path / "stranger")
    refused = _add(client, "sshhost-stranger", sshd.port, private_key=stranger)
    assert refused["state"] == "unreachable", refused
    assert "SSH login refused" in refused["problem"] and "authorized_keys" in refused["problem"]
    assert refused["ssh_host_key_fingerprint"] is None  # nothing pinned from a failed probe
    # the right key, given later: reachable, and the host key is pinned then
    fixed = client.patch(
        "/api/v1/hosts/sshhost-stranger", json={"ssh": {"private_key": client_key}}
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["state"] == "reachable", fixed.json()
    assert fixed.json()["ssh_host_key_fingerprint"] == _fingerprint(Path(f"{sshd.host_key}.pub"))
    no_key = client.patch("/api/v1/hosts/sshhost-stranger", json={"drop_ssh": True})
    assert no_key.status_code == 422 and no_key.json()["errors"][0]["path"] == "ssh"

    # a remote without the docker CLI (its sessions' PATH holds none)
    bare = _add(client, "sshhost-bare", sshd.bare_port, private_key=client_key)
    assert bare["state"] == "unreachable", bare
    assert "docker system dial-stdio" in bare["problem"], bare["problem"]

    local = client.get("/api/v1/hosts/local", params={"refresh": True}).json()
    assert local["state"] == "reachable"


def test_ssh_host_input_is_checked_before_anything_is_stored(
    client: TestClient, sshd: Sshd, client_key: str, tmp_path: Path
) -> None:
    address = f"ssh://root@127.0.0.1:{sshd.port}"
    locked = tmp_path / "locked"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "a passphrase", "-f", str(locked)], check=True
    )
    refusals: dict[str, dict[str, Any]] = {
        "ssh": {"address": address},
        "ssh.private_key": {"address": address, "ssh": {"private_key": "not a key"}},
        "address": {"address": "ssh://127.0.0.1", "ssh": {"private_key": client_key}},
        "ssh.known_host_key": {
            "address": address,
            "ssh": {"private_key": client_key, "known_host_key": "ssh-ed25519 !!"},
        },
    }
    for field, body in refusals.items():
        refused = client.post("/api/v1/hosts", json={"name": "sshhost-refused", **body})
        assert refused.status_code == 422, refused.text
        assert field in {e["path"] for e in refused.json()["errors"]}, refused.text
    passphrase = client.post(
        "/api/v1/hosts",
        json={
            "name": "sshhost-locked",
            "address": address,
            "ssh": {"private_key": locked.read_text()},
        },
    )
    assert passphrase.status_code == 422 and "passphrase" in passphrase.text
    assert [h["name"] for h in client.get("/api/v1/hosts").json()] == ["local"]


ASKS: list[Callable[[Any], Any]] = [
    lambda api: api.info(),
    lambda api: api.version(),
    lambda api: api.containers(all=True),
    lambda api: api.images(),
    lambda api: api.networks(),
    lambda api: api.volumes(),
]


def test_concurrent_requests_share_a_bounded_number_of_ssh_sessions(gateway: DockerGateway) -> None:
    """sshd allows 10 sessions per connection (MaxSessions); each request is one, whatever
    it asks."""
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda n: gateway.call("ask", ASKS[n % len(ASKS)]), range(48)))
    assert {a["ID"] for a in answers[:: len(ASKS)]} == {docker.from_env().info()["ID"]}


def test_a_dropped_ssh_connection_is_opened_again(gateway: DockerGateway, sshd: Sshd) -> None:
    engine_id = gateway.call("info", lambda api: api.info())["ID"]
    sshd.drop_connections()
    deadline = time.monotonic() + 10
    while True:
        try:
            again = gateway.call("info", lambda api: api.info())["ID"]
            break
        except EngineUnreachable:  # the request in flight when the connection dropped
            assert time.monotonic() < deadline, "the SSH connection was not opened again"
            time.sleep(0.2)
    assert again == engine_id


def test_an_ssh_engines_event_stream_flows_and_another_thread_can_end_it(
    gateway: DockerGateway,
) -> None:
    name = f"sshhost-events-{uuid.uuid4().hex[:8]}"
    seen: list[str] = []
    stream = gateway.events()

    def follow() -> None:
        for event in stream:
            seen.append(event.get("Actor", {}).get("Attributes", {}).get("name", ""))

    reader = threading.Thread(target=follow, daemon=True)
    reader.start()
    docker.from_env().containers.create(IMAGE, ["true"], name=name).remove()
    deadline = time.monotonic() + 10
    while name not in seen and time.monotonic() < deadline:
        time.sleep(0.05)
    assert name in seen
    stream.close()  # what the monitor does when it stops or reconnects
    reader.join(5)
    assert not reader.is_alive(), "closing the stream did not end the read"


def test_a_followed_log_over_ssh_flows_and_another_thread_can_end_it(
    gateway: DockerGateway,
) -> None:
    engine = docker.from_env()
    container = engine.containers.run(
        IMAGE,
        ["sh", "-c", "echo over-ssh; sleep 60"],
        name=f"sshhost-logs-{uuid.uuid4().hex[:8]}",
        detach=True,
    )
    try:
        logs = gateway.container_logs(
            container.id, tail=10, since=None, timestamps=False, follow=True, tty=False
        )
        first = next(logs.frames)
        assert first[0] == b"over-ssh\n"
        rest: list[object] = []
        reader = threading.Thread(target=lambda: rest.extend(logs.frames), daemon=True)
        reader.start()
        logs.abort()
        reader.join(5)
        assert not reader.is_alive(), "aborting the follow did not end the read"
        logs.close()
    finally:
        container.remove(force=True)


def test_a_client_without_a_pinned_host_key_trusts_none(
    sshd: Sshd, client_key: str, tmp_path: Path
) -> None:
    """Only a probe pins a first key; any other client with nothing pinned refuses them all."""
    key = tmp_path / "key"
    key.write_text(client_key)
    key.chmod(0o600)
    unpinned = DockerGateway(
        f"ssh://root@127.0.0.1:{sshd.port}", timeout=10, ssh=SshAccess(key, None)
    )
    try:
        with pytest.raises(EngineUnreachable, match="no host key is pinned"):
            unpinned.info()
    finally:
        unpinned.close()
