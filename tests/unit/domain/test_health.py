"""The one health rule: which containers serve, and what that makes a service and a stack."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from core_monitor.domain.health import Health, assess


@dataclass(frozen=True)
class Want:
    replicas: int = 1
    restart_policy: str = "no"


@dataclass(frozen=True)
class Box:
    service: str = "app"
    state: str = "running"
    exit_code: int | None = None
    health: str | None = None


R, D, S = Health.RUNNING, Health.DEGRADED, Health.STOPPED


@pytest.mark.parametrize(
    ("case", "want", "containers", "service", "stack"),
    [
        ("running, no healthcheck", Want(), [Box()], R, R),
        ("running and healthy", Want(), [Box(health="healthy")], R, R),
        ("health check still starting", Want(), [Box(health="starting")], R, R),
        ("running but unhealthy", Want(), [Box(health="unhealthy")], D, D),
        (
            "one-shot completed (exit 0, restart no)",
            Want(),
            [Box(state="exited", exit_code=0)],
            R,
            R,
        ),
        ("one-shot failed", Want(), [Box(state="exited", exit_code=1)], D, D),
        (
            "restart always, exited 0",
            Want(restart_policy="always"),
            [Box("app", "exited", 0)],
            D,
            D,
        ),
        (
            "unless-stopped, exited 0",
            Want(restart_policy="unless-stopped"),
            [Box("app", "exited", 0)],
            D,
            D,
        ),
        (
            "on-failure, exited 0",
            Want(restart_policy="on-failure"),
            [Box("app", "exited", 0)],
            D,
            D,
        ),
        ("restarting", Want(), [Box(state="restarting")], D, D),
        ("created, never started", Want(), [Box(state="created")], D, D),
        ("paused", Want(), [Box(state="paused")], D, D),
        ("dead", Want(), [Box(state="dead", exit_code=0)], D, D),
        ("missing container", Want(), [], D, D),
        ("one of two replicas", Want(replicas=2), [Box()], D, D),
        ("two of two replicas", Want(replicas=2), [Box(), Box()], R, R),
        ("scaled to zero, nothing there", Want(replicas=0), [], S, R),
        ("scaled to zero, one still running", Want(replicas=0), [Box()], R, R),
    ],
)
def test_one_service(
    case: str, want: Want, containers: list[Box], service: Health, stack: Health
) -> None:
    found = assess({"app": want}, containers)
    assert (found.services["app"], found.stack) == (service, stack), case


def test_stopped_on_purpose_is_stopped_while_nothing_runs() -> None:
    exited = [Box("app", "exited", 143), Box("job", "exited", 0)]
    found = assess({"app": Want(), "job": Want()}, exited, stopped={"app", "job"})
    assert found.stack == S
    assert found.services == {"app": S, "job": S}


def test_one_service_stopped_on_purpose_does_not_degrade_the_stack() -> None:
    """A STOP of one service is a desired state: it shows STOPPED, the rest serves."""
    containers = [Box("app", "exited", 143), Box("web")]
    found = assess({"app": Want(), "web": Want()}, containers, stopped={"app"})
    assert (found.stack, found.services) == (R, {"app": S, "web": R})


def test_only_the_services_stopped_on_purpose_are_meant_to_be_down() -> None:
    containers = [Box("app", "exited", 143), Box("web", "exited", 137)]
    found = assess({"app": Want(), "web": Want()}, containers, stopped={"app"})
    assert (found.stack, found.services) == (D, {"app": S, "web": D})


def test_without_the_stop_the_same_containers_are_degraded() -> None:
    found = assess({"app": Want()}, [Box("app", "exited", 143)])
    assert (found.stack, found.services) == (D, {"app": D})


def test_nothing_applied_is_stopped() -> None:
    found = assess(None, [Box("app")])
    assert found.stack == S
    assert found.services == {"app": D}  # runs, yet no version wants it


def test_a_service_nobody_wants_shows_but_does_not_degrade_the_stack() -> None:
    found = assess({"app": Want()}, [Box("app"), Box("stray", "exited", 1)])
    assert found.stack == R
    assert found.services == {"app": R, "stray": S}


def test_each_service_must_serve_on_its_own() -> None:
    """Two containers of one service do not stand in for the other's missing one."""
    found = assess({"app": Want(), "db": Want()}, [Box("app"), Box("app")])
    assert (found.stack, found.services) == (D, {"app": R, "db": D})
