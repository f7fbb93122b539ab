"""The registry backed by the host records: a client per recorded host, built on first use,
rebuilt when its address changes, dropped (and subscribers told) on a change; the check
before a command fails at once, with why, on a host that does not answer."""

from __future__ import annotations

from pathlib import Path

import pytest

from core_monitor.domain.commands import FailureCause, HostFailure
from core_monitor.domain.hosts import EngineFacts, HostState
from core_monitor.errors import NotFound
from core_monitor.hosts.registry import LOCAL, HostId, HostRegistry
from core_monitor.store import hosts as host_store
from core_monitor.store.db import Database
from tests.support.helpers import make_settings


def _registry(db: Database, tmp_path: Path) -> HostRegistry:
    settings = make_settings(str(db.url), data_dir=tmp_path, docker_host="unix:///no/local.sock")
    return HostRegistry.from_settings(settings, db)


def _add(db: Database, host_id: str, address: str) -> None:
    with db.write() as session:
        host_store.insert(session, host_id, host_id, address, {}, None)


def test_every_recorded_host_gets_its_client_rebuilt_after_a_change(
    sqlite_db: Database, tmp_path: Path
) -> None:
    hosts = _registry(sqlite_db, tmp_path)
    assert hosts.ids == [LOCAL]  # not recorded yet: local from the settings still
    _add(sqlite_db, "h-b", "unix:///no/b.sock")
    assert hosts.ids == [HostId("h-b"), LOCAL]  # sorted
    first = hosts.get("h-b")
    assert first.address == "unix:///no/b.sock"
    assert hosts.get("h-b") is first  # built once
    assert hosts.get("h-b") is hosts.host("h-b").gateway
    with sqlite_db.write() as session:
        host_store.update(session, "h-b", address="unix:///no/b2.sock")
    rebuilt = hosts.get("h-b")
    assert rebuilt is not first and rebuilt.address == "unix:///no/b2.sock"
    with pytest.raises(NotFound):
        hosts.get("h-nowhere")


def test_a_change_drops_the_client_and_tells_the_subscribers(
    sqlite_db: Database, tmp_path: Path
) -> None:
    hosts = _registry(sqlite_db, tmp_path)
    _add(sqlite_db, "h-c", "unix:///no/c.sock")
    told: list[HostId] = []
    hosts.on_change(told.append)
    hosts.on_change(lambda host_id: 1 / 0)  # type: ignore[func-returns-value]
    before = hosts.get("h-c")
    hosts.changed("h-c")
    assert told == [HostId("h-c")]  # a failing subscriber does not stop the others
    assert hosts.get("h-c") is not before


def test_a_host_that_does_not_answer_fails_the_command_at_once_and_is_recorded(
    sqlite_db: Database, tmp_path: Path
) -> None:
    hosts = _registry(sqlite_db, tmp_path)
    _add(sqlite_db, "h-d", "unix:///no/d.sock")
    with pytest.raises(HostFailure) as failed:
        hosts.checked("h-d")
    assert failed.value.cause == FailureCause.HOST_UNREACHABLE
    said = str(failed.value)
    assert said.startswith("Docker engine unreachable at unix:///no/d.sock"), said
    assert said.endswith("(host h-d)"), said
    with sqlite_db.read() as session:
        assert host_store.get(session, "h-d").state == HostState.UNREACHABLE


def test_without_records_the_check_is_the_settings_host(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'db'}", docker_host="unix:///no/x.sock")
    hosts = HostRegistry.from_settings(settings)
    assert hosts.checked(LOCAL) is hosts.default()  # nothing recorded to check against


def test_the_engine_changed_sentence_names_both_engines_and_the_way_out(
    sqlite_db: Database,
) -> None:
    from core_monitor.hosts.registry import engine_changed

    _add(sqlite_db, "h-e", "tcp://10.0.0.9:2376")
    facts = EngineFacts(engine_id="ONE", name="n", version="v", os="o", cpus=1, memory=1)
    with sqlite_db.write() as session:
        record = host_store.record_probe(
            session, "h-e", facts, HostState.REACHABLE, None, trust=True
        )
    said = engine_changed(record, "TWO")
    assert said == (
        "host h-e: the engine at tcp://10.0.0.9:2376 is not the one trusted (was ONE, now "
        "TWO); an admin must confirm it (POST /api/v1/hosts/h-e/confirm)"
    )
