"""The pure rules of safe delivery: durations, the freeze, pin choices, the health gate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from core_monitor.domain.delivery import (
    Freeze,
    GateState,
    Pin,
    PinUse,
    apply_refusal,
    choose,
    freeze_reason,
    gate,
    gone_refusal,
    image_changes,
    one_shot_services,
    parse_duration,
)

A, B = "sha256:" + "a" * 64, "sha256:" + "b" * 64
PIN = Pin(service="app", reference="app:1", image_id=A)
FREEZE = Freeze(
    version=1, by="alice", reason="v2 broke checkout", at=datetime(2026, 1, 1, tzinfo=UTC)
)


@pytest.mark.parametrize(
    ("text", "seconds"), [("5m", 300), ("90s", 90), ("1h", 3600), ("1m30s", 90), ("45", 45)]
)
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "0", "5x", "2h", "m", "-1"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_a_frozen_stack_refuses_another_version_with_who_and_why() -> None:
    refusal = apply_refusal(FREEZE, 2, force=False)
    assert refusal is not None
    assert "frozen at v1 by alice" in refusal and "v2 broke checkout" in refusal


def test_force_the_frozen_version_itself_and_no_freeze_pass() -> None:
    assert apply_refusal(FREEZE, 2, force=True) is None
    assert apply_refusal(FREEZE, 1, force=False) is None
    assert apply_refusal(None, 2, force=False) is None


def test_a_rollback_without_a_comment_says_what_it_did() -> None:
    assert freeze_reason(None, 3) == "rolled back to v3"
    assert freeze_reason("  bad deploy ", 3) == "bad deploy"


def test_pin_choices() -> None:
    assert choose(None, False, False, "app:1").use == PinUse.TAG
    assert choose(PIN, True, False, "app:1") == choose(PIN, True, True, "app:1")
    assert choose(PIN, True, False, "app:1").image == A
    by_digest = PIN.model_copy(update={"repo_digest": "reg/app@sha256:" + "c" * 64})
    assert choose(by_digest, False, False, "app:1").use == PinUse.BY_DIGEST
    assert choose(PIN, False, False, "app:1").use == PinUse.GONE
    assert choose(PIN, False, True, "app:1").use == PinUse.TAG  # re-pinned to the tag
    assert choose(PIN, True, False, "other:2").use == PinUse.TAG  # a pin of another image


def test_gone_pins_are_named_service_by_service() -> None:
    assert gone_refusal(1, {}) is None
    text = gone_refusal(1, {"app": PIN})
    assert text is not None and "service 'app' ran app:1 as " + A in text
    assert "allow_repin" in text


def test_image_changes_are_by_id_even_under_one_tag() -> None:
    moved = PIN.model_copy(update={"image_id": B})
    (change,) = image_changes({"app": PIN}, {"app": moved})
    assert (change.from_reference, change.to_reference) == ("app:1", "app:1")
    assert (change.from_image_id, change.to_image_id) == (A, B)
    assert image_changes({"app": PIN}, {"app": PIN}) == []
    assert [c.service for c in image_changes({}, {"app": PIN})] == ["app"]


@dataclass(frozen=True)
class Want:
    replicas: int = 1
    restart_policy: str = "always"


@dataclass(frozen=True)
class Box:
    service: str
    state: str = "running"
    health: str | None = None
    exit_code: int | None = None
    name: str = "c"


def test_the_gate_passes_running_healthy_and_completed_one_shots() -> None:
    wanted = {"web": Want(), "db": Want(), "migrate": Want(restart_policy="no")}
    seen = [
        Box("web"),
        Box("db", health="healthy"),
        Box("migrate", state="exited", exit_code=0),
    ]
    assert gate(wanted, seen).state == GateState.PASSED


def test_the_gate_waits_for_starting_and_missing_containers() -> None:
    verdict = gate({"db": Want()}, [Box("db", health="starting")])
    assert (verdict.state, verdict.service) == (GateState.WAITING, "db")
    assert gate({"web": Want(replicas=2)}, [Box("web")]).state == GateState.WAITING


def test_the_gate_fails_at_once_on_unhealthy_or_a_failed_one_shot() -> None:
    verdict = gate({"db": Want()}, [Box("db", health="unhealthy", name="s-db-1")])
    assert (verdict.state, verdict.service, verdict.why) == (GateState.FAILED, "db", "unhealthy")
    assert verdict.container == "s-db-1"
    failed = gate({"m": Want(restart_policy="no")}, [Box("m", state="exited", exit_code=3)])
    assert (failed.state, failed.why) == (GateState.FAILED, "exited with code 3")
    # under restart: always, an exit is the engine's to restart: waited on, not failed
    again = gate({"w": Want()}, [Box("w", state="exited", exit_code=3)])
    assert again.state == GateState.WAITING


def test_a_service_completed_successfully_target_succeeds_by_exiting_0() -> None:
    wanted = {"init": Want(restart_policy="always"), "app": Want()}
    done = [Box("init", state="exited", exit_code=0), Box("app")]
    assert gate(wanted, done).state == GateState.WAITING  # restart: always would rerun it
    one_shots = one_shot_services({"app": {"init": "service_completed_successfully"}, "init": {}})
    assert one_shots == {"init"}
    assert gate(wanted, done, one_shots=one_shots).state == GateState.PASSED
    failed = [Box("init", state="exited", exit_code=2), Box("app")]
    assert gate(wanted, failed, one_shots=one_shots).state == GateState.FAILED
