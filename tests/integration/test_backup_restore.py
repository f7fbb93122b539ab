"""Backups (issue 18): an archive restores every row and file, byte for byte, on SQLite and
PostgreSQL and from one to the other; a truncated, edited or foreign archive is refused and
nothing is written; a backup taken while commands are written restores to a consistent state."""

from __future__ import annotations

import io
import json
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from core_monitor.api.app import create_app
from core_monitor.cli.main import app as cli
from core_monitor.domain.commands import ApplyPayload
from core_monitor.runtime import Runtime
from core_monitor.services.backup_archive import BackupRefused
from core_monitor.services.backups import Backups
from core_monitor.store import audit, snapshot
from core_monitor.store import commands as command_store
from core_monitor.store.db import Database
from core_monitor.store.migrate import head_revision, upgrade
from core_monitor.store.tables import AuditRow, CommandRow
from core_monitor.vault import SecretBox
from tests.support.helpers import TEST_SECRET_KEY, login, make_settings

COMPOSE = (
    "services:\n  web:\n    image: coremon-test/busybox:latest\n"
    "    environment: ['TOKEN=${TOKEN}']\n"
)
BLOB = bytes(range(256)) * 40
ARTIFACT = b"PK\x03\x04 not really a war, but bytes all the same" * 100


def _populate(runtime: Runtime, data_dir: Path) -> None:
    """Something of every kind a server keeps, written through the API where it can be."""
    with TestClient(create_app(runtime, run_worker=False)) as client:
        login(client)
        files = {"conf/app.conf": "x = 1\n", "bin/blob": {"base64": _b64(BLOB)}}
        variables = {"TOKEN": {"value": "s3cr3t-token", "secret": True}}
        body = {"name": "backup-shop", "compose": COMPOSE, "files": files, "variables": variables}
        created = client.post("/api/v1/stacks", json=body)
        assert created.status_code == 201, created.text
        edit = {"compose": COMPOSE + "    labels: [v=2]\n", "parent_version": 1}
        assert client.post("/api/v1/stacks/backup-shop/versions", json=edit).status_code == 201
        user = {"username": "olga", "password": "a-long-enough-password-1", "role": "operator"}
        assert client.post("/api/v1/users", json=user).status_code == 201
        assert client.post("/api/v1/tokens", json={"name": "ci"}).status_code == 201
        assert client.post("/api/v1/stacks/backup-shop/apply/2").status_code == 202
    with runtime.db.write() as session:
        listed, _ = command_store.list_commands(
            session, stack_id=None, status=None, type=None, limit=1, offset=0
        )
        command_store.add_log(session, listed[0].command_id, "info", "a log line", 1, {"n": 1})
    artifact = data_dir / "artifacts" / "sha256" / "ab" / ("ab" + "0" * 62)
    artifact.parent.mkdir(parents=True)
    artifact.write_bytes(ARTIFACT)


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode()


def _tables(db: Database) -> dict[str, bytes]:
    return {t.name: t.lines for t in snapshot.dump(db)[1]}


@pytest.fixture
def source(database_url: str, tmp_path: Path) -> Iterator[tuple[Runtime, Path]]:
    data_dir = tmp_path / "source-data"
    runtime = Runtime.build(make_settings(database_url, data_dir=data_dir))
    _populate(runtime, data_dir)
    yield runtime, data_dir
    runtime.db.dispose()


def _restore_target(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Backups:
    data_dir = tmp_path / f"target-{kind}"
    url = (
        f"sqlite:///{data_dir / 'coremon.db'}"
        if kind == "sqlite"
        else str(request.getfixturevalue("another_postgres_url"))
    )
    return Backups(Database(url), data_dir, SecretBox(TEST_SECRET_KEY))


@pytest.mark.parametrize("target", ["sqlite", "postgresql"])
def test_round_trip_restores_every_row_and_file(
    source: tuple[Runtime, Path], target: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    runtime, data_dir = source
    archive = tmp_path / "b.tar"
    info = runtime.backups.create(archive)
    assert info.sealed and info.files == 1
    assert info.rows["stacks"] == 1 and info.rows["stack_versions"] == 2
    assert info.rows["stack_version_files"] == 4 and info.rows["command_logs"] >= 1

    restored = _restore_target(target, tmp_path, request)
    report = restored.restore(archive)

    assert report.rows == info.rows
    assert report.migrated_to == head_revision(restored._db)
    # every table, row for row and byte for byte (YAML, files, hashes, secrets as stored)
    assert _tables(restored._db) == _tables(runtime.db)
    copied = restored._data_dir / "artifacts" / "sha256" / "ab" / ("ab" + "0" * 62)
    assert copied.read_bytes() == ARTIFACT
    # the restored server works: it serves the stack, decrypts its secret, accepts writes
    settings = make_settings(restored._db.url, data_dir=restored._data_dir)
    with TestClient(create_app(Runtime.build(settings), run_worker=False)) as client:
        login(client)
        shop = client.get("/api/v1/stacks/backup-shop/versions/1/files/bin/blob")
        assert shop.content == BLOB
        assert client.post("/api/v1/stacks/backup-shop/apply/1").status_code == 202


def _member(archive: Path, name: str) -> bytes:
    with tarfile.open(archive) as tar:
        member = tar.extractfile(name)
        assert member is not None
        return member.read()


def _rewrite(archive: Path, out: Path, change: dict[str, bytes | None]) -> None:
    """A copy of the archive with some members replaced (or dropped: None)."""
    with tarfile.open(archive) as src, tarfile.open(out, "w") as dst:
        for member in src:
            data = src.extractfile(member).read()  # type: ignore[union-attr]
            if member.name in change:
                replaced = change[member.name]
                if replaced is None:
                    continue
                data = replaced
            member.size = len(data)
            dst.addfile(member, io.BytesIO(data))


@pytest.fixture
def sqlite_source(tmp_path: Path) -> Iterator[tuple[Runtime, Path]]:
    data_dir = tmp_path / "src"
    runtime = Runtime.build(make_settings(f"sqlite:///{data_dir / 'c.db'}", data_dir=data_dir))
    _populate(runtime, data_dir)
    yield runtime, data_dir
    runtime.db.dispose()


def _fresh(tmp_path: Path, name: str, key: str | None = TEST_SECRET_KEY) -> Backups:
    data_dir = tmp_path / name
    return Backups(Database(f"sqlite:///{data_dir / 'c.db'}"), data_dir, SecretBox(key))


def _nothing_written(target: Backups) -> None:
    revision = snapshot.schema_revision(target._db)
    assert revision is None or not any(snapshot.counts(target._db).values())
    assert not (target._data_dir / "artifacts").exists() or not any(
        (target._data_dir / "artifacts").rglob("*.*")
    )


def test_a_tampered_truncated_or_foreign_archive_is_refused(
    sqlite_source: tuple[Runtime, Path], tmp_path: Path
) -> None:
    runtime, _ = sqlite_source
    archive = tmp_path / "good.tar"
    runtime.backups.create(archive)
    stacks, manifest = (
        _member(archive, "db/stacks.jsonl"),
        json.loads(_member(archive, "manifest.json")),
    )

    edited = tmp_path / "edited.tar"
    _rewrite(archive, edited, {"db/stacks.jsonl": stacks.replace(b"backup-shop", b"shoq")})
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    manifest["parts"]["db/stacks.jsonl"]["rows"] = 7
    forged = tmp_path / "forged.tar"
    _rewrite(archive, forged, {"manifest.json": json.dumps(manifest).encode()})
    dropped = tmp_path / "dropped.tar"
    _rewrite(archive, dropped, {"db/audit_log.jsonl": None})

    cases = {
        edited: "db/stacks.jsonl: its content does not match",
        truncated: "truncated or corrupt",
        forged: "seal does not match",
        dropped: "parts missing from the archive: db/audit_log.jsonl",
    }
    for i, (bad, reason) in enumerate(cases.items()):
        target = _fresh(tmp_path, f"t{i}")
        with pytest.raises(BackupRefused, match=reason):
            target.restore(bad)
        _nothing_written(target)
    # without the key the sealed archive is refused (its secrets could not be read)
    keyless = _fresh(tmp_path, "keyless", key=None)
    with pytest.raises(BackupRefused, match="set the same key"):
        keyless.restore(archive)


def test_restore_refuses_a_database_or_directory_in_use(
    sqlite_source: tuple[Runtime, Path], tmp_path: Path
) -> None:
    runtime, data_dir = sqlite_source
    archive = tmp_path / "b.tar"
    runtime.backups.create(archive)
    with pytest.raises(BackupRefused, match="not empty"):
        Backups(runtime.db, tmp_path / "elsewhere", SecretBox(TEST_SECRET_KEY)).restore(archive)
    used_dir = _fresh(tmp_path, "used")
    (used_dir._data_dir / "artifacts").mkdir(parents=True)
    (used_dir._data_dir / "artifacts" / "x").write_bytes(b"x")
    with pytest.raises(BackupRefused, match="artifacts is not empty"):
        used_dir.restore(archive)


def test_a_backup_taken_while_commands_are_written_is_consistent(
    sqlite_source: tuple[Runtime, Path], tmp_path: Path
) -> None:
    """Each write adds a command and its audit entry in one transaction: a snapshot holds
    both or neither, so the restored counts match."""
    runtime, _ = sqlite_source
    stack_id = runtime.stacks.get("backup-shop").stack_id
    stop = threading.Event()
    written = [0]

    def write() -> None:
        while not stop.is_set():
            with runtime.db.write() as session:
                command_store.enqueue(
                    session,
                    stack_id=stack_id,
                    payload=ApplyPayload(version=1),
                    requested_by="writer",
                )
                audit.record(session, actor="writer", action="pair", target="x")
            written[0] += 1

    thread = threading.Thread(target=write)
    thread.start()
    try:
        archives = []
        for i in range(3):
            archives.append(tmp_path / f"b{i}.tar")
            runtime.backups.create(archives[-1])
    finally:
        stop.set()
        thread.join()
    assert written[0] > 3
    for i, archive in enumerate(archives):
        target = _fresh(tmp_path, f"r{i}")
        target.restore(archive)
        with target._db.read() as session:
            commands = session.scalar(
                select(func.count())
                .select_from(CommandRow)
                .where(CommandRow.requested_by == "writer")
            )
            pairs = session.scalar(
                select(func.count()).select_from(AuditRow).where(AuditRow.action == "pair")
            )
        assert commands == pairs


def test_the_cli_backs_up_and_restores(sqlite_source: tuple[Runtime, Path], tmp_path: Path) -> None:
    runtime, data_dir = sqlite_source
    runner = CliRunner()
    env = {
        "COREMON_DATA_DIR": str(data_dir),
        "COREMON_DATABASE_URL": runtime.db.url,
        "COREMON_SECRET_KEY": TEST_SECRET_KEY,
    }
    archive = tmp_path / "cli.tar"
    made = runner.invoke(cli, ["backup", "create", "--local", "--file", str(archive)], env=env)
    assert made.exit_code == 0, made.output
    assert "sha256" in made.output
    target_dir = tmp_path / "cli-target"
    env_target = {**env, "COREMON_DATA_DIR": str(target_dir), "COREMON_DATABASE_URL": ""}
    env_target.pop("COREMON_DATABASE_URL")
    done = runner.invoke(cli, ["backup", "restore", str(archive)], env=env_target)
    assert done.exit_code == 0, done.output
    again = runner.invoke(cli, ["backup", "restore", str(archive)], env=env_target)
    assert again.exit_code == 1 and "not empty" in again.output
    restored = Database(f"sqlite:///{target_dir / 'coremon.db'}")
    upgrade(restored)
    assert _tables(restored) == _tables(runtime.db)


def test_the_api_makes_a_backup_while_serving(sqlite_source: tuple[Runtime, Path]) -> None:
    runtime, data_dir = sqlite_source
    with TestClient(create_app(runtime, run_worker=False)) as client:
        assert client.post("/api/v1/backups").status_code == 401
        login(client)
        made = client.post("/api/v1/backups")
        assert made.status_code == 201, made.text
        body = made.json()
        assert body["rows"]["stacks"] == 1 and body["sealed"] is True
        listed = client.get("/api/v1/backups").json()
        assert [b["name"] for b in listed] == [body["name"]]
        download = client.get(f"/api/v1/backups/{body['name']}")
        assert download.status_code == 200
        assert download.content == (data_dir / "backups" / body["name"]).read_bytes()
        assert client.get("/api/v1/backups/coremon-1.tar").status_code == 404
        assert client.get("/api/v1/backups/..%2Fc.db").status_code in (404, 422)
        entries = client.get("/api/v1/audit", params={"action": "backup.create"}).json()
        assert entries["total"] == 1
