"""A pinned version's desired state and plan: the image it ran, and the words that say so."""

from __future__ import annotations

import pytest

from core_monitor.compose import load_compose
from core_monitor.domain.delivery import Pin, PinUse
from core_monitor.domain.plan import StepKind
from core_monitor.engine.model import ObservedContainer
from core_monitor.engine.planner import plan
from core_monitor.engine.state import DesiredState, ObservedState, desired_state
from core_monitor.services import pins as pin_rules

A, B = "sha256:" + "a" * 64, "sha256:" + "b" * 64
TEXT = "services:\n  app:\n    image: app:1\n  side:\n    image: other:2\n"


def versions() -> tuple[object, DesiredState]:
    project = load_compose(TEXT, project_name="shop")
    return project, desired_state(project, "sid", 1)


def container(state: DesiredState, service: str, image_id: str) -> ObservedContainer:
    return ObservedContainer(
        id=f"id-{service}",
        name=f"shop-{service}-1",
        service=service,
        number=1,
        state="running",
        health=None,
        exit_code=None,
        image_id=image_id,
        config_hash=state.services[service].config_hash,
    )


def test_a_present_pin_replaces_the_image_and_keeps_the_config_hash() -> None:
    project, state = versions()
    pins = {"app": Pin(service="app", reference="app:1", image_id=A)}
    chosen = pin_rules.choices(state, pins, lambda image: True, allow_repin=False)
    assert chosen["app"].use == PinUse.PINNED and chosen["side"].use == PinUse.TAG
    pinned_project, pinned = pin_rules.pinned(project, state, chosen)  # type: ignore[arg-type]
    assert pinned_project.services["app"].image == A
    assert pinned_project.services["side"].image == "other:2"
    assert pinned.services["app"].image == A and pinned.services["app"].pin == pins["app"]
    assert pinned.services["app"].config_hash == state.services["app"].config_hash


def test_a_gone_pin_is_refused_unless_re_pinned() -> None:
    _, state = versions()
    pins = {"app": Pin(service="app", reference="app:1", image_id=A)}
    gone = pin_rules.choices(state, pins, lambda image: False, allow_repin=False)
    with pytest.raises(pin_rules.PinnedImageGone, match="service 'app'"):
        pin_rules.refuse_gone(1, gone)
    repinned = pin_rules.choices(state, pins, lambda image: False, allow_repin=True)
    pin_rules.refuse_gone(1, repinned)
    assert repinned["app"].use == PinUse.TAG


def test_the_plan_names_the_pin_and_where_the_tag_points_now() -> None:
    project, state = versions()
    pins = {"app": Pin(service="app", reference="app:1", image_id=A)}
    chosen = pin_rules.choices(state, pins, lambda image: True, allow_repin=False)
    _, pinned = pin_rules.pinned(project, state, chosen)  # type: ignore[arg-type]
    observed = ObservedState(
        containers=[container(pinned, "app", B), container(pinned, "side", B)],
        networks=[],
        volumes=[],
        present_networks=frozenset({"shop_default"}),
        present_volumes=frozenset(),
        images={A: A, "app:1": B, "other:2": B},
    )
    (recreate,) = [s for s in plan(pinned, observed).steps if s.kind == StepKind.RECREATE_CONTAINER]
    assert (recreate.target, recreate.details.pinned, recreate.details.tag_image) == (
        "shop-app-1",
        A,
        B,
    )
    assert f"pinned to {A} (tag app:1 now points to {B})" in recreate.reason
    # running what it is pinned to: nothing to do, whatever the tag says
    same = observed.__class__(
        **{
            **observed.__dict__,
            "containers": [container(pinned, "app", A), container(pinned, "side", B)],
        }
    )
    assert plan(pinned, same).steps == []


def test_the_pins_of_a_run_are_what_each_service_ran() -> None:
    project, state = versions()
    pins = pin_rules.run_pins(
        state,
        [container(state, "app", A), container(state, "side", B)],
        lambda image: "reg/app@sha256:" + "c" * 64 if image == A else None,
    )
    assert [(p.service, p.reference, p.image_id, p.repo_digest) for p in pins] == [
        ("app", "app:1", A, "reg/app@sha256:" + "c" * 64),
        ("side", "other:2", B, None),
    ]
