"""The plan reports what the engine may not honour as written (issue 15: reservations)."""

from __future__ import annotations

from core_monitor.compose import load_compose
from core_monitor.engine.planner import plan
from core_monitor.engine.state import ObservedState, desired_state

TEXT = """
services:
  ml:
    image: busybox
    deploy:
      resources:
        reservations:
          cpus: "0.5"
          memory: 64m
          devices: [{driver: nvidia, count: 1, capabilities: [gpu]}]
  web:
    image: busybox
    deploy: {resources: {reservations: {memory: 32m}}}
"""


def nothing() -> ObservedState:
    return ObservedState([], [], [], frozenset(), frozenset(), {})


def test_cpu_and_device_reservations_are_warned_about_never_dropped() -> None:
    result = plan(desired_state(load_compose(TEXT, project_name="p"), "sid", 1), nothing())
    assert [(w.service, w.path) for w in result.warnings] == [
        ("ml", "services.ml.deploy.resources.reservations.cpus"),
        ("ml", "services.ml.deploy.resources.reservations.devices[0]"),
    ]
    assert "nvidia" in result.warnings[1].message
    assert "warnings" in result.model_dump(mode="json")  # the plan API returns the model


def test_a_plain_version_has_no_warnings() -> None:
    text = "services:\n  web:\n    image: busybox\n"
    result = plan(desired_state(load_compose(text, project_name="p"), "sid", 1), nothing())
    assert result.warnings == []
