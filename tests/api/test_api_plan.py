"""The plan preview (GET /stacks/{id}/plan/{version}): the steps in the order they run,
each with its cause. The engine is replaced by an empty observation: no Docker needed."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from core_monitor.engine.state import DesiredState, ObservedState
from core_monitor.runtime import Runtime

# services listed (and named) against their layers: a sort by name would put web first
COMPOSE = """
services:
  web:
    image: busybox:1
    depends_on: {db: {condition: service_healthy}}
    deploy: {replicas: 2}
  db:
    image: busybox:1
    healthcheck: {test: ["CMD", "true"]}
    volumes: [data:/data]
  a-proxy:
    image: busybox:1
    depends_on: [web]
volumes: {data: {}}
"""


def nothing_there(desired: DesiredState) -> ObservedState:
    return ObservedState([], [], [], frozenset(), frozenset(), {})


def test_the_plan_preview_lists_steps_in_run_order_grouped_by_layer(
    client: TestClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime.convergence, "_observe", nothing_there)
    created = client.post("/api/v1/stacks", json={"name": "shop", "compose": COMPOSE})
    assert created.status_code == 201, created.text
    response = client.get(f"/api/v1/stacks/{created.json()['stack_id']}/plan/1")
    assert response.status_code == 200, response.text
    steps = response.json()["steps"]
    assert [(s["kind"], s["target"], s.get("layer")) for s in steps] == [
        ("pull_image", "busybox:1", None),
        ("create_network", "shop_default", None),
        ("create_volume", "shop_data", None),
        ("create_container", "shop-db-1", 0),
        ("start_container", "shop-db-1", 0),
        ("wait", "db", 0),
        ("create_container", "shop-web-1", 1),
        ("create_container", "shop-web-2", 1),
        ("start_container", "shop-web-1", 1),
        ("start_container", "shop-web-2", 1),
        ("wait", "web", 1),  # depends_on: [web] is service_started, a step too
        ("create_container", "shop-a-proxy-1", 2),
        ("start_container", "shop-a-proxy-1", 2),
    ]
    assert [s["cause"] for s in steps if s["kind"] == "start_container"] == ["created"] * 4
    wait = steps[5]
    assert (wait["condition"], wait["cause"]) == ("service_healthy", "dependency_condition")
    assert wait["details"]["dependents"] == ["web"]
    assert wait["required"] is True
    started = steps[10]
    assert (started["condition"], started["details"]["dependents"]) == (
        "service_started",
        ["a-proxy"],
    )
