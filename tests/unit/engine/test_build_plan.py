"""Builds in the plan (pure): built when missing, changed or `pull_policy: build`; never
pulled; before networks, volumes and containers."""

from __future__ import annotations

from core_monitor.compose import load_compose
from core_monitor.domain.plan import Cause, ResourceStep, StepKind
from core_monitor.engine.planner import plan
from core_monitor.engine.state import DesiredState, ObservedState, desired_state

FILES = {"app/Dockerfile": b"FROM coremon-test/busybox:latest\n", "app/a.txt": b"a"}
TEXT = """
services:
  web: {build: ./app}
  tagged: {image: "myorg/x:1", build: ./app}
  cache: {image: "redis:7"}
"""


def desired(text: str = TEXT, files: dict[str, bytes] = FILES) -> DesiredState:
    return desired_state(load_compose(text, project_name="shop", files=files), "sid", 1)


def observed(state: DesiredState, built: dict[str, str | None]) -> ObservedState:
    images = {
        s.image: ("sha256:x" if s.image in built or s.image == "redis:7" else None)
        for s in state.services.values()
    }
    return ObservedState(
        containers=[],
        networks=[],
        volumes=[],
        present_networks=frozenset(name for name, _ in state.networks.values()),
        present_volumes=frozenset(),
        images=images,
        built=built,
    )


def builds(state: DesiredState, seen: ObservedState) -> dict[str, Cause]:
    return {s.target: s.cause for s in plan(state, seen).steps if s.kind == StepKind.BUILD_IMAGE}


def test_missing_images_are_built_not_pulled_and_first() -> None:
    state = desired()
    result = plan(state, observed(state, {}))
    assert builds(state, observed(state, {})) == {
        "shop-web": Cause.MISSING,
        "myorg/x:1": Cause.MISSING,
    }
    assert not [s for s in result.steps if s.kind == StepKind.PULL_IMAGE]
    kinds = [s.kind for s in result.steps]
    assert kinds.index(StepKind.CREATE_CONTAINER) > max(
        i for i, k in enumerate(kinds) if k == StepKind.BUILD_IMAGE
    )
    step = next(s for s in result.steps if s.target == "shop-web")
    assert isinstance(step, ResourceStep)
    assert step.service == "web"
    assert step.digest == state.services["web"].build_digest


def test_an_unchanged_digest_means_no_build_step() -> None:
    state = desired()
    digests = {s.image: s.build_digest for s in state.services.values() if s.build_digest}
    assert builds(state, observed(state, digests)) == {}


def test_a_changed_context_or_an_unlabelled_image_is_rebuilt() -> None:
    old = desired()
    new = desired(files={**FILES, "app/a.txt": b"b"})
    digests = {s.image: s.build_digest for s in old.services.values() if s.build_digest}
    assert builds(new, observed(new, digests)) == {
        "shop-web": Cause.BUILD_CHANGED,
        "myorg/x:1": Cause.BUILD_CHANGED,
    }
    assert builds(new, observed(new, {"shop-web": None, "myorg/x:1": None})) == {
        "shop-web": Cause.BUILD_CHANGED,
        "myorg/x:1": Cause.BUILD_CHANGED,
    }


def test_pull_policy_build_builds_on_every_apply() -> None:
    state = desired("services: {web: {build: ./app, pull_policy: build}}")
    digests = {"shop-web": state.services["web"].build_digest}
    assert builds(state, observed(state, digests)) == {"shop-web": Cause.PULL_POLICY}
