"""The plan reports what the engine may not honour as written (issue 15: reservations), and
pulls an image for the platform its services ask for."""

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


def test_a_pull_asks_for_the_platform_its_services_agree_on() -> None:
    text = (
        "services:\n  a:\n    image: busybox\n    platform: linux/arm64\n"
        "  b:\n    image: busybox\n    platform: linux/arm64\n"
        "  c:\n    image: alpine\n    platform: linux/arm64\n  d:\n    image: alpine\n"
    )
    result = plan(desired_state(load_compose(text, project_name="p"), "sid", 1), nothing())
    pulls = {s.target: s.details.platform for s in result.steps if s.kind == "pull_image"}
    assert pulls == {"busybox": "linux/arm64", "alpine": None}  # c and d disagree


def test_a_develop_section_is_accepted_and_warned_about_never_dropped() -> None:
    text = "services:\n  web:\n    image: busybox\n    develop: {watch: [{action: rebuild}]}\n"
    project = load_compose(text, project_name="shop")
    warnings = plan(desired_state(project, "sid", 1), nothing()).warnings
    assert [(w.service, w.path) for w in warnings] == [("web", "services.web.develop")]
    assert "not applied" in warnings[0].message
