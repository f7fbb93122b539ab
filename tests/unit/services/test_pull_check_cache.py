"""The pull check without an engine: which registry an image names, one bounded question
per registry kept a short while, the plan's pull steps annotated, the enqueue refused."""

from __future__ import annotations

from typing import Any

import pytest

from core_monitor.domain.plan import Cause, Plan, ResourceStep, StepKind
from core_monitor.engine.errors import EngineUnreachable
from core_monitor.services.pull_check import (
    ASK_SECONDS,
    REMEMBER_SECONDS,
    ImageUnpullable,
    PullCheck,
    registry_of,
)


class FakeGateway:
    address = "unix:///fake.sock"

    def __init__(self, present: set[str], answering: set[str]) -> None:
        self.present = present
        self.answering = answering
        self.asked: list[tuple[str, float]] = []

    def image_id(self, reference: str) -> str | None:
        return "sha256:x" if reference in self.present else None

    def registry_answers(self, reference: str, timeout: float) -> bool:
        self.asked.append((reference, timeout))
        return registry_of(reference) in self.answering


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def check(gateway: FakeGateway, clock: Clock | None = None, images: Any = ()) -> PullCheck:
    state = type("State", (), {"services": {i: _service(img) for i, img in enumerate(images)}})
    return PullCheck(lambda stack: gateway, lambda stack, version: state, clock or Clock())  # type: ignore[arg-type]


def _service(image: str) -> Any:
    return type("Service", (), {"image": image, "pull_policy": "missing", "build_digest": None})()


def test_registry_of_reads_references_like_the_docker_cli() -> None:
    assert registry_of("busybox:1") == "docker.io"
    assert registry_of("library/busybox") == "docker.io"
    assert registry_of("registry.invalid/x:1") == "registry.invalid"
    assert registry_of("127.0.0.1:9/x:1") == "127.0.0.1:9"
    assert registry_of("localhost/x") == "localhost"


def test_a_present_image_asks_no_registry_and_an_answer_is_kept_a_while() -> None:
    gateway = FakeGateway(present={"here:1"}, answering=set())
    clock = Clock()
    pull = check(gateway, clock)
    assert pull.unreachable_registry("here:1", "s") is None
    assert gateway.asked == []
    assert pull.unreachable_registry("r.example/a:1", "s") == "r.example"
    assert pull.unreachable_registry("r.example/b:1", "s") == "r.example"  # the same registry
    assert gateway.asked == [("r.example/a:1", ASK_SECONDS)] and ASK_SECONDS <= 3
    clock.now = REMEMBER_SECONDS + 1
    gateway.answering.add("r.example")
    assert pull.unreachable_registry("r.example/b:1", "s") is None  # asked again, now it answers


def test_the_plan_says_which_pull_cannot_succeed() -> None:
    pull = check(FakeGateway(present=set(), answering={"docker.io"}))
    steps = [
        ResourceStep(kind=StepKind.PULL_IMAGE, target=t, cause=Cause.MISSING, reason="missing")
        for t in ("busybox:1", "r.example/a:1")
    ]
    annotated = pull.annotate(Plan(stack="s", version=1, steps=list(steps))).steps
    assert [s.details.registry_unreachable for s in annotated] == [None, "r.example"]
    assert annotated[1].reason == "missing; its registry r.example does not answer"


def test_the_enqueue_is_refused_naming_the_image_unless_the_engine_is_away() -> None:
    gateway = FakeGateway(present={"here:1"}, answering=set())
    with pytest.raises(ImageUnpullable, match=r"image r\.example/a:1 .* registry r\.example"):
        check(gateway, images=["here:1", "r.example/a:1"]).refuse_unpullable("s", 1)
    check(gateway, images=["here:1"]).refuse_unpullable("s", 1)

    def away(reference: str) -> str | None:
        raise EngineUnreachable("Docker engine unreachable at nowhere")

    gateway.image_id = away  # type: ignore[method-assign]
    check(gateway, images=["r.example/a:1"]).refuse_unpullable("s", 1)  # the worker says it


def test_an_image_built_from_the_bundle_asks_no_registry() -> None:
    gateway = FakeGateway(present=set(), answering=set())
    built = type(
        "Service", (), {"image": "r.example/app:1", "pull_policy": "build", "build_digest": "d"}
    )()
    state = type("State", (), {"services": {"app": built}})
    pull = PullCheck(lambda stack: gateway, lambda stack, version: state, Clock())  # type: ignore[arg-type]
    pull.refuse_unpullable("stack", 1)  # absent and its registry silent: still not refused
    assert gateway.asked == []
