"""The queue across real processes: kill -9 recovery and one worker per database."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from core_monitor.domain.commands import CommandStatus
from core_monitor.store import commands as command_store
from core_monitor.store.db import Database
from core_monitor.store.migrate import upgrade
from core_monitor.store.tables import CommandRow
from tests.support.executors import JOURNAL_ENV, sleep_order
from tests.support.server import ServerProcess


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[list[ServerProcess]]:
    started: list[ServerProcess] = []
    yield started
    for server in started:
        server.stop()


def journal(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def enqueue_sleep(db: Database, seconds: float) -> str:
    with db.write() as s:
        command, _ = command_store.enqueue(
            s, stack_id=None, payload=sleep_order(seconds), requested_by="t"
        )
    return command.command_id


def wait_status(db: Database, cid: str, want: set[CommandStatus], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.read() as s:
            if command_store.get(s, cid).status in want:
                return
        time.sleep(0.1)
    with db.read() as s:
        raise AssertionError(f"{cid} still {command_store.get(s, cid).status}")


def test_kill9_mid_command_then_restart_reruns_it_to_done(
    database_url: str, tmp_path: Path, servers: list[ServerProcess]
) -> None:
    db = Database(database_url)
    upgrade(db)
    journal_path = tmp_path / "journal.jsonl"
    env = {JOURNAL_ENV: str(journal_path), "COREMON_LEASE_SECONDS": "2"}
    first = ServerProcess(database_url, tmp_path / "server1.log", **env).start()
    servers.append(first)
    long_cmd = enqueue_sleep(db, 4.0)
    after = enqueue_sleep(db, 0.1)
    wait_status(db, long_cmd, {CommandStatus.RUNNING}, 10)
    time.sleep(1.0)
    first.kill9()

    second = ServerProcess(database_url, tmp_path / "server2.log", **env).start()
    servers.append(second)
    wait_status(db, after, {CommandStatus.DONE}, 40)
    with db.read() as s:
        rerun = command_store.get(s, long_cmd)
        statuses = s.scalars(select(CommandRow.status)).all()
    assert rerun.status == CommandStatus.DONE
    assert rerun.attempts == 2
    assert sorted(statuses) == ["DONE", "DONE"]  # nothing lost, nothing duplicated
    events = journal(journal_path)
    starts = [e for e in events if e["event"] == "start" and e["command_id"] == long_cmd]
    ends = [e for e in events if e["event"] == "end" and e["command_id"] == long_cmd]
    assert [e["pid"] for e in starts] == [first.process.pid, second.process.pid]  # type: ignore[union-attr]
    assert len(ends) == 1  # completed exactly once
    db.dispose()


def test_two_serve_processes_never_run_two_commands_at_once(
    database_url: str, tmp_path: Path, servers: list[ServerProcess]
) -> None:
    db = Database(database_url)
    upgrade(db)
    journal_path = tmp_path / "journal.jsonl"
    env = {JOURNAL_ENV: str(journal_path), "COREMON_LEASE_SECONDS": "2"}
    for i in range(2):
        servers.append(ServerProcess(database_url, tmp_path / f"s{i}.log", **env).start())
    ids = [enqueue_sleep(db, 0.2) for _ in range(15)]
    # half-way, the lease holder is killed: the other takes over
    wait_status(db, ids[5], {CommandStatus.RUNNING, CommandStatus.DONE}, 30)
    holder_pid = journal(journal_path)[-1]["pid"]
    victim = next(s for s in servers if s.process and s.process.pid == holder_pid)
    victim.kill9()
    wait_status(db, ids[-1], {CommandStatus.DONE}, 60)
    events = journal(journal_path)
    intervals: dict[tuple[str, int], list[float]] = {}
    for e in events:
        intervals.setdefault((str(e["command_id"]), int(e["attempt"])), []).append(float(e["time"]))  # type: ignore[arg-type]
    spans = sorted((v[0], v[-1]) for v in intervals.values())
    for (_, end), (next_start, _) in itertools.pairwise(spans):
        assert next_start >= end, "two commands overlapped"
    finished = [e["command_id"] for e in events if e["event"] == "end"]
    assert sorted(set(finished)) == sorted(ids)
    assert len(finished) == len(ids)  # each completed once
    order = [e["seq"] for e in events if e["event"] == "end"]
    assert order == sorted(order)
    db.dispose()


def test_other_process_enqueue_is_noticed_within_one_second(
    tmp_path: Path, servers: list[ServerProcess]
) -> None:
    url = f"sqlite:///{tmp_path / 'coremon.db'}"
    db = Database(url)
    upgrade(db)
    servers.append(ServerProcess(url, tmp_path / "s.log").start())
    time.sleep(1.0)  # the worker holds the lease and idles
    for _ in range(3):
        cid = enqueue_sleep(db, 0)
        started = time.monotonic()
        wait_status(db, cid, {CommandStatus.RUNNING, CommandStatus.DONE}, 5)
        assert time.monotonic() - started < 1.0
    db.dispose()
