"""What happens, told once on the event hub: engine events of managed stacks (from every
host's listener, with the host's id), each host's event stream lost or back, and command
events; and the counters those feed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from core_monitor.domain.commands import Command
from core_monitor.domain.plan import Plan
from core_monitor.engine import labels as lbl
from core_monitor.hosts.registry import HostId
from core_monitor.monitor.command_feed import FEED_EVENTS, ToldHere
from core_monitor.monitor.events import EventHub
from core_monitor.monitor.judge import StackJudge
from core_monitor.monitor.metrics import MonitorMetrics
from core_monitor.monitor.names import ManagedNames

_CLEARS_BY_HAND = ("start", "destroy", "restart", "create")


class Activity:
    def __init__(
        self,
        hub: EventHub,
        names: ManagedNames,
        judge: StackJudge,
        metrics: MonitorMetrics,
        judge_again: Callable[[str], None],
    ) -> None:
        self.hub = hub
        self.names = names
        self.judge = judge
        self.metrics = metrics
        self.judge_again = judge_again  # a dismissed failure: the stack's status judged again
        self.told_here = ToldHere()
        self._lock = threading.Lock()
        self._running: dict[str, str] = {}  # stack_id → command_id
        self._started: dict[str, float] = {}  # command_id → monotonic start
        self._planned: dict[str, dict[str, int]] = {}  # command_id → its plan's step counts

    # -- engines ---------------------------------------------------------------------------
    def on_engine_state(self, host: HostId, connected: bool, reason: str | None) -> None:
        action = "connected" if connected else "disconnected"
        self.hub.publish("engine", action, data={"reason": reason}, host=host)

    def on_engine_event(self, host: HostId, event: dict[str, Any]) -> None:
        if event.get("Type") != "container":
            return
        action = str(event.get("Action") or "")  # one of docker.gateway.EVENTS: no exec_* noise
        attrs = (event.get("Actor") or {}).get("Attributes") or {}
        stack = self.names.of(attrs.get(lbl.COMPOSE_PROJECT))
        if stack is None or stack.host_id != host:  # a namesake project on another host
            return
        name = attrs.get("name", "")
        verb, _, health = action.partition(": ")
        with self._lock:
            running = stack.stack_id in self._running
        if verb == "stop" and not running:
            self.judge.by_hand(name, stopped=True)
        elif verb in _CLEARS_BY_HAND:
            self.judge.by_hand(name, stopped=False)
        nanos = event.get("timeNano")
        self.hub.publish(
            "container",
            verb,
            stack=stack.name,
            stack_id=stack.stack_id,
            data=_container_data(event, attrs, health),
            at=nanos / 1e9 if isinstance(nanos, int) else None,
            host=host,
        )
        self.metrics.engine_events.labels(host, verb).inc()

    # -- commands --------------------------------------------------------------------------
    def on_command(self, event: str, command: Command, extra: dict[str, Any]) -> None:
        """Hook for the worker and the command service: queued, started, finished…"""
        if event in FEED_EVENTS:
            self.told_here.record(event, command.command_id)
        self.tell_command(event, command, extra)

    def tell_command(self, event: str, command: Command, extra: dict[str, Any]) -> None:
        # a DELETE has soft-deleted its stack by the time it finishes: still name it, or
        # `?stack=` subscribers miss the event and the console cannot tell which one went
        stack = self.names.of(command.stack_id) or self.names.deleted(command.stack_id)
        data: dict[str, Any] = {
            "command_id": command.command_id,
            "seq": command.seq,
            "type": command.type,
            "status": str(extra.get("status") or command.status),
            **{k: v for k, v in extra.items() if k != "status"},
        }
        started = self._track(event, command)
        if event == "finished" and started is not None:
            duration = time.monotonic() - started
            data["duration_seconds"] = round(duration, 3)
            self.metrics.command_duration.labels(command.type, data["status"]).observe(duration)
        self.hub.publish(
            "command",
            event,
            stack=stack.name if stack else None,
            stack_id=command.stack_id,
            data=data,
            host=stack.host_id if stack else None,
        )
        # after the event: whoever waits for the command need not wait for the metrics
        if event == "finished":
            self._count_steps(command.command_id, counted=started is not None)
        elif event == "dismiss" and command.stack_id:
            self.judge_again(command.stack_id)

    def _track(self, event: str, command: Command) -> float | None:
        """Which command runs on which stack; when a finished one started (if seen here)."""
        with self._lock:
            if event == "started":
                if command.stack_id:
                    self._running[command.stack_id] = command.command_id
                self._started[command.command_id] = time.monotonic()
                return None
            if command.stack_id and self._running.get(command.stack_id) == command.command_id:
                del self._running[command.stack_id]
            return self._started.pop(command.command_id, None)

    def on_plan(self, command_id: str, plan: Plan) -> None:
        with self._lock:
            self._planned[command_id] = plan.summary()

    def _count_steps(self, command_id: str, counted: bool) -> None:
        """``counted``: this process saw the command start (as before, only then)."""
        with self._lock:
            counts = self._planned.pop(command_id, {})
        for kind, count in counts.items() if counted else ():
            self.metrics.apply_steps.labels(kind).inc(count)


def _container_data(event: dict[str, Any], attrs: dict[str, str], health: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "container_id": (event.get("Actor") or {}).get("ID"),
        "container": attrs.get("name", ""),
        "service": attrs.get(lbl.COMPOSE_SERVICE),
    }
    if health:
        data["health"] = health
    if "exitCode" in attrs:
        data["exit_code"] = int(attrs["exitCode"]) if attrs["exitCode"].isdigit() else None
    if "signal" in attrs:
        data["signal"] = attrs["signal"]
    return data
