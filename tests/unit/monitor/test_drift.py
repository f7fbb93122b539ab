"""Drift is the planner's plan read as differences; no engine needed."""

from __future__ import annotations

from core_monitor.compose import load_compose
from core_monitor.engine import labels as lbl
from core_monitor.engine.model import ObservedContainer
from core_monitor.engine.state import DesiredState, desired_state
from core_monitor.monitor.drift import detect, observed_state

IMAGE_ID = "sha256:aaa"
COMPOSE = """
services:
  db: {image: busybox:1}
  web: {image: busybox:1, deploy: {replicas: 2}}
"""


def desired() -> DesiredState:
    return desired_state(load_compose(COMPOSE, project_name="shop"), "sid", 1)


def as_applied(state: DesiredState, **changes: dict[str, object]) -> list[ObservedContainer]:
    containers = []
    for service in state.services.values():
        for number in range(1, service.replicas + 1):
            name = f"shop-{service.name}-{number}"
            values: dict[str, object] = {
                "id": f"id-{name}",
                "name": name,
                "service": service.name,
                "number": number,
                "state": "running",
                "health": None,
                "exit_code": None,
                "image_id": IMAGE_ID,
                "config_hash": service.config_hash,
                "labels": {lbl.STACK_VERSION: "1"},
            }
            values.update(changes.get(name.replace("-", "_"), {}))
            containers.append(ObservedContainer(**values))  # type: ignore[arg-type]
    return containers


def drift_of(
    containers: list[ObservedContainer],
    stopped: bool = False,
    by_hand: set[str] | None = None,
    services: frozenset[str] = frozenset(),
) -> list[tuple[str, str, bool]]:
    state = desired()
    observed = observed_state(containers, {"shop_default"}, set(), {"busybox:1": IMAGE_ID})
    items = detect(
        state,
        observed,
        stopped=stopped,
        stopped_by_hand=by_hand or set(),
        stopped_services=services,
    )
    return [(i.target, i.difference, i.drifted) for i in items]


def test_as_applied_has_no_drift() -> None:
    assert drift_of(as_applied(desired())) == []


def test_missing_extra_and_changed_config() -> None:
    containers = as_applied(desired(), shop_web_1={"config_hash": "by-hand"})
    containers = [c for c in containers if c.name != "shop-web-2"]
    containers.append(
        ObservedContainer("id-x", "shop-cache-1", "cache", 1, "running", None, None, IMAGE_ID, "h")
    )
    assert drift_of(containers) == [
        ("shop-cache-1", "extra", True),
        ("shop-web-1", "config_changed", True),
        ("shop-web-2", "missing", True),
    ]


def test_image_changed_under_the_tag() -> None:
    containers = as_applied(desired(), shop_db_1={"image_id": "sha256:old"})
    assert drift_of(containers) == [("shop-db-1", "image_changed", True)]


def test_crashed_is_not_drift_but_stopped_by_hand_is() -> None:
    containers = as_applied(desired(), shop_db_1={"state": "exited", "exit_code": 137})
    assert drift_of(containers) == [("shop-db-1", "not_running", False)]
    assert drift_of(containers, by_hand={"shop-db-1"}) == [("shop-db-1", "stopped", True)]


def test_a_stack_stopped_on_purpose_is_not_drifted_for_being_stopped() -> None:
    containers = as_applied(
        desired(),
        shop_db_1={"state": "exited", "exit_code": 143},
        shop_web_1={"state": "exited", "exit_code": 143},
        shop_web_2={"state": "exited", "exit_code": 143},
    )
    assert drift_of(containers, stopped=True) == []
    # …but a container removed by hand still is
    assert drift_of(containers[1:], stopped=True) == [("shop-db-1", "missing", True)]


def test_a_service_stopped_on_purpose_is_not_down_for_drift() -> None:
    containers = as_applied(
        desired(),
        shop_db_1={"state": "exited", "exit_code": 143},
        shop_web_1={"state": "exited", "exit_code": 143},
    )
    found = drift_of(containers, by_hand={"shop-db-1"}, services=frozenset({"db"}))
    assert found == [("shop-web-1", "not_running", False)]  # web was not stopped on purpose


def test_missing_image_is_drift() -> None:
    state = desired()
    observed = observed_state(as_applied(state), {"shop_default"}, set(), {"busybox:1": None})
    items = detect(state, observed, stopped=False, stopped_by_hand=set())
    assert [(i.kind, i.difference) for i in items] == [("pull_image", "image_missing")]


def test_a_missing_network_is_drift() -> None:
    state = desired()
    observed = observed_state(as_applied(state), set(), set(), {"busybox:1": IMAGE_ID})
    items = detect(state, observed, stopped=False, stopped_by_hand=set())
    assert [(i.target, i.difference) for i in items] == [("shop_default", "network_missing")]
