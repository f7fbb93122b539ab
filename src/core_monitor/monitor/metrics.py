"""Prometheus metrics on a registry of our own: gauges read at scrape time from the monitor,
histograms and counters fed by command and engine events."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from core_monitor.monitor.status import StackStatusOut

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
DURATION_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)


@dataclass
class Snapshot:
    stacks: dict[tuple[str, str], int] = field(default_factory=dict)  # (host, status) → count
    # (host, state, health) → count
    containers: dict[tuple[str, str, str], int] = field(default_factory=dict)
    hosts_up: dict[str, bool] = field(default_factory=dict)  # host → its engine answers
    queue_depth: int = 0
    queue_halted: bool = False
    engine_reachable: bool = False
    event_stream_connected: bool = False
    log_follows: int = 0  # open engine log connections of follow streams

    def count(self, statuses: Iterable[StackStatusOut], up: dict[str, bool], default: str) -> None:
        """Stacks and their containers by host and status; which hosts answer."""
        self.hosts_up = dict(up)
        self.engine_reachable = up.get(default, False)
        for status in statuses:
            key = (status.host_id, str(status.status))
            self.stacks[key] = self.stacks.get(key, 0) + 1
            for c in (c for s in status.services for c in s.containers if c.id):
                found = (status.host_id, c.state, c.health or "none")
                self.containers[found] = self.containers.get(found, 0) + 1


class _SnapshotCollector:
    def __init__(self, snapshot: Callable[[], Snapshot]) -> None:
        self.snapshot = snapshot

    def collect(self) -> Iterable[Metric]:
        snap = self.snapshot()
        stacks = GaugeMetricFamily(
            "coremon_stacks", "Stacks by Docker host and overall status", labels=["host", "status"]
        )
        for (host, status), count in sorted(snap.stacks.items()):
            stacks.add_metric([host, status], count)
        yield stacks
        containers = GaugeMetricFamily(
            "coremon_containers",
            "Containers of managed stacks by Docker host, state and health",
            labels=["host", "state", "health"],
        )
        for (host, state, health), count in sorted(snap.containers.items()):
            containers.add_metric([host, state, health], count)
        yield containers
        up = GaugeMetricFamily(
            "coremon_host_up", "1 when the Docker host's engine answers", labels=["host"]
        )
        for host, answers in sorted(snap.hosts_up.items()):
            up.add_metric([host], int(answers))
        yield up
        yield GaugeMetricFamily(
            "coremon_queue_depth", "Commands waiting or running", value=snap.queue_depth
        )
        yield GaugeMetricFamily(
            "coremon_queue_halted",
            "1 when a FAILED command halts the queue",
            value=int(snap.queue_halted),
        )
        yield GaugeMetricFamily(
            "coremon_engine_reachable",
            "1 when the default Docker host's engine answers",
            value=int(snap.engine_reachable),
        )
        yield GaugeMetricFamily(
            "coremon_engine_event_stream_connected",
            "1 while the default Docker host's event stream is connected",
            value=int(snap.event_stream_connected),
        )
        yield GaugeMetricFamily(
            "coremon_log_follows_open",
            "Container log follow streams holding an engine connection",
            value=snap.log_follows,
        )


class MonitorMetrics:
    def __init__(self, snapshot: Callable[[], Snapshot]) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.command_duration = Histogram(
            "coremon_command_duration_seconds",
            "Command run time by type and outcome",
            ["type", "outcome"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.apply_steps = Counter(
            "coremon_apply_steps",
            "Plan steps executed by APPLY and ROLLBACK, by kind",
            ["kind"],
            registry=self.registry,
        )
        self.engine_events = Counter(
            "coremon_engine_events",
            "Docker events about managed stacks, by Docker host and action",
            ["host", "action"],
            registry=self.registry,
        )
        self.deploy_duration = Histogram(
            "coremon_deploy_duration_seconds",
            "Artifact deploys (DEPLOY commands) by target kind and outcome",
            ["kind", "outcome"],
            buckets=DURATION_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(_SnapshotCollector(snapshot))

    def render(self) -> bytes:
        return generate_latest(self.registry)
