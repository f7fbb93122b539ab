"""Monitoring per Docker host, with stand-in engines: each host's reads are bounded and fail
alone, a container is found on its own stack's host only, engine events carry their host,
and the metrics say which host each series is about."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

import pytest

from core_monitor.engine import labels as lbl
from core_monitor.engine.errors import EngineUnreachable
from core_monitor.engine.model import ObservedContainer
from core_monitor.errors import NotFound
from core_monitor.hosts.registry import LOCAL, Host, HostId, HostRegistry
from core_monitor.monitor.activity import Activity
from core_monitor.monitor.events import EventHub
from core_monitor.monitor.metrics import MonitorMetrics, Snapshot
from core_monitor.monitor.names import Managed
from core_monitor.monitor.reads import ContainerReads
from core_monitor.monitor.watch import HostWatch
from core_monitor.monitor.watches import HostWatches

FAR = HostId("far")


def row(project: str, name: str, cid: str) -> ObservedContainer:
    return ObservedContainer(
        id=cid,
        name=name,
        service="app",
        number=1,
        state="running",
        health=None,
        exit_code=None,
        image_id="sha256:x",
        config_hash="h",
        labels={lbl.COMPOSE_PROJECT: project, lbl.COMPOSE_SERVICE: "app"},
        names=(name,),
    )


class StandIn:
    """An engine's reads: its containers, or a hang (an engine that does not answer)."""

    def __init__(self, address: str, rows: list[ObservedContainer], hang: float = 0.0) -> None:
        self.address = address
        self.tls = None
        self.rows = rows
        self.hang = hang
        self.calls = 0

    def list_all_containers(self) -> list[ObservedContainer]:
        self.calls += 1
        if self.hang:
            time.sleep(self.hang)
        return self.rows

    def close(self) -> None:
        pass


@dataclass
class FakeHost:
    id: HostId
    gateway: Any

    @property
    def address(self) -> str:
        return str(self.gateway.address)

    def events_gateway(self) -> Any:
        raise AssertionError("not started in these tests")


@dataclass
class Names:
    known: dict[str, Managed] = field(default_factory=dict)

    def all(self, refresh: bool = False) -> dict[str, Managed]:
        return self.known

    def of(self, ref: str | None) -> Managed | None:
        return self.known.get(ref or "")


def test_a_host_that_does_not_answer_fails_alone_within_the_bound_then_at_once() -> None:
    slow = HostWatch(FakeHost(FAR, StandIn("tcp://10.9.9.9:2376", [], hang=3.0)), 0.3)
    quick = HostWatch(FakeHost(LOCAL, StandIn("unix:///l.sock", [row("a", "a-app-1", "c1")])))
    started = time.monotonic()
    with pytest.raises(EngineUnreachable, match=r"unreachable at tcp://10\.9\.9\.9:2376"):
        slow.by_project()
    assert time.monotonic() - started < 1.5
    again = time.monotonic()
    with pytest.raises(EngineUnreachable):
        slow.by_project()  # known down: not asked again for RETRY_SECONDS
    assert time.monotonic() - again < 0.1
    assert slow.gateway.calls == 1
    assert slow.problem is not None and quick.problem is None
    assert list(quick.by_project()) == ["a"]


def test_watches_follow_the_registry_changes() -> None:
    gateways = {LOCAL: StandIn("unix:///l.sock", []), FAR: StandIn("tcp://10.0.0.2:2376", [])}
    registry = HostRegistry({h: Host(h, g) for h, g in gateways.items()})  # type: ignore[arg-type]
    watches = HostWatches(registry, lambda *_: None, lambda *_: None)
    first = watches.get(FAR)
    assert [w.host_id for w in watches.all()] == [FAR, LOCAL]
    assert watches.get(FAR) is first  # kept while its host is the same
    registry._fixed[FAR] = Host(FAR, StandIn("tcp://10.0.0.3:2376", []))  # type: ignore[arg-type]
    registry.changed(FAR)  # its address changed
    assert watches.get(FAR) is not first
    assert watches.get(FAR).address == "tcp://10.0.0.3:2376"
    registry._fixed.pop(FAR)  # what the registry does when a host is deleted, then tells
    registry.changed(FAR)
    assert [w.host_id for w in watches.all()] == [LOCAL]
    with pytest.raises(NotFound):
        watches.get(FAR)


class Watches:
    def __init__(self, *watches: HostWatch) -> None:
        self.watches = list(watches)

    def all(self) -> list[HostWatch]:
        return self.watches


def test_a_container_is_found_on_its_stacks_host_only() -> None:
    names = Names(
        {
            "near": Managed("s1", "near", LOCAL),
            "away": Managed("s2", "away", FAR),
        }
    )
    # a namesake: a project "near" on the far host is not the managed stack "near"
    local = HostWatch(FakeHost(LOCAL, StandIn("unix:///l.sock", [row("near", "near-app-1", "l1")])))
    far = HostWatch(
        FakeHost(
            FAR,
            StandIn("tcp://f:2376", [row("away", "away-app-1", "f1"), row("near", "near-x", "f2")]),
        )
    )
    reads = ContainerReads(Watches(local, far), names, None, None, 60)  # type: ignore[arg-type]
    watch, found = reads.managed("away-app-1")
    assert (watch.host_id, found.id) == (FAR, "f1")
    assert reads.managed("l1")[0].host_id == LOCAL
    with pytest.raises(NotFound):
        reads.managed("near-x")


def test_an_unreachable_host_is_passed_over_and_named_when_the_container_is_nowhere() -> None:
    names = Names({"near": Managed("s1", "near", LOCAL)})
    down = HostWatch(FakeHost(FAR, StandIn("tcp://f:2376", [], hang=2.0)), 0.2)
    local = HostWatch(FakeHost(LOCAL, StandIn("unix:///l.sock", [row("near", "near-app-1", "l1")])))
    reads = ContainerReads(Watches(down, local), names, None, None, 60)  # type: ignore[arg-type]
    assert reads.managed("near-app-1")[1].id == "l1"
    with pytest.raises(EngineUnreachable, match="tcp://f:2376"):
        reads.managed("nowhere-1")


class Judge:
    def __init__(self) -> None:
        self.by: list[tuple[str, bool]] = []

    def by_hand(self, name: str, stopped: bool) -> None:
        self.by.append((name, stopped))


def _event(project: str, action: str) -> dict[str, Any]:
    return {
        "Type": "container",
        "Action": action,
        "timeNano": 1_700_000_000_000_000_000,
        "Actor": {"ID": "c1", "Attributes": {lbl.COMPOSE_PROJECT: project, "name": "x-1"}},
    }


def test_engine_events_carry_their_host_and_a_namesake_elsewhere_is_not_the_stack() -> None:
    hub = EventHub(first_id=1)
    metrics = MonitorMetrics(Snapshot)
    names = Names({"away": Managed("s2", "away", FAR)})
    activity = Activity(hub, names, Judge(), metrics, lambda _: None)  # type: ignore[arg-type]
    activity.on_engine_event(FAR, _event("away", "die"))
    activity.on_engine_event(LOCAL, _event("away", "die"))  # same project name, other host
    activity.on_engine_state(FAR, False, "connection refused")
    events = [e.as_dict() for e in hub.since(0)[0]]
    assert [(e["kind"], e["action"], e["host"]) for e in events] == [
        ("container", "die", "far"),
        ("engine", "disconnected", "far"),
    ]
    assert events[0]["stack"] == "away"
    assert 'coremon_engine_events_total{action="die",host="far"} 1.0' in (metrics.render().decode())


def test_every_stack_and_container_series_names_its_host() -> None:
    snap = Snapshot(
        stacks={("local", "RUNNING"): 2, ("far", "UNKNOWN"): 1},
        containers={("local", "running", "healthy"): 3},
        hosts_up={"local": True, "far": False},
        engine_reachable=True,
    )
    text = MonitorMetrics(lambda: snap).render().decode()
    assert 'coremon_stacks{host="local",status="RUNNING"} 2.0' in text
    assert 'coremon_stacks{host="far",status="UNKNOWN"} 1.0' in text
    assert 'coremon_containers{health="healthy",host="local",state="running"} 3.0' in text
    assert 'coremon_host_up{host="local"} 1.0' in text
    assert 'coremon_host_up{host="far"} 0.0' in text


def test_reads_of_a_reachable_host_do_not_wait_for_another_hosts_hang() -> None:
    slow = HostWatch(FakeHost(FAR, StandIn("tcp://s:2376", [], hang=2.0)), 1.0)
    quick = HostWatch(FakeHost(LOCAL, StandIn("unix:///l.sock", [])))
    failed: list[Exception] = []

    def hang() -> None:
        try:
            slow.by_project()
        except EngineUnreachable as exc:
            failed.append(exc)

    waiting = threading.Thread(target=hang)
    waiting.start()
    time.sleep(0.05)
    started = time.monotonic()
    quick.by_project()
    assert time.monotonic() - started < 0.2
    waiting.join()
    assert failed
