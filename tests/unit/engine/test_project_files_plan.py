"""The planner's project files step (pure): planned when the manifest read back from the
project directory differs from the version's, naming what is written and what goes; a
service's config hash covers the bundle files its relative binds mount."""

from __future__ import annotations

from core_monitor.compose import load_compose
from core_monitor.domain.plan import Cause, StepKind
from core_monitor.engine import planner, project_files
from core_monitor.engine.state import DesiredState, ObservedState, desired_state

COMPOSE = """
services:
  web:
    image: busybox:1
    volumes: ["./conf/site.conf:/etc/site.conf:ro", "./data:/data"]
  other:
    image: busybox:1
    volumes: ["./static:/static"]
  plain: {image: busybox:1}
"""
V1 = {"conf/site.conf": b"one", "static/index.html": b"<p>", "conf/extra.conf": b"x"}


def desired(files: dict[str, bytes]) -> DesiredState:
    return desired_state(load_compose(COMPOSE, project_name="shop"), "sid", 1, files=files)


def observed(manifest: dict[str, str] | None) -> ObservedState:
    return ObservedState(
        containers=[],
        networks=[],
        volumes=[],
        present_networks=frozenset({"shop_default"}),
        present_volumes=frozenset(),
        images={"busybox:1": "sha256:a"},
        project_files=manifest,
    )


def file_steps(state: DesiredState, manifest: dict[str, str] | None) -> list[object]:
    found = planner.plan(state, observed(manifest)).steps
    return [s for s in found if s.kind == StepKind.WRITE_PROJECT_FILES]


def test_files_absent_from_the_host_are_written_before_any_container() -> None:
    state = desired(V1)
    steps = planner.plan(state, observed(None)).steps
    kinds = [s.kind for s in steps]
    assert kinds.index(StepKind.WRITE_PROJECT_FILES) < kinds.index(StepKind.CREATE_CONTAINER)
    step = steps[kinds.index(StepKind.WRITE_PROJECT_FILES)]
    assert (step.cause, step.target) == (Cause.MISSING, "shop")


def test_the_same_files_on_the_host_plan_nothing() -> None:
    state = desired(V1)
    assert file_steps(state, project_files.manifest(V1)) == []


def test_changed_and_leftover_files_are_named() -> None:
    v2 = {"conf/site.conf": b"two", "static/index.html": b"<p>"}
    [step] = file_steps(desired(v2), project_files.manifest(V1))
    assert step.cause == Cause.FILES_CHANGED  # type: ignore[attr-defined]
    assert step.details.files == ["conf/site.conf", "conf/extra.conf"]  # type: ignore[attr-defined]
    assert project_files.obsolete(project_files.manifest(V1), project_files.manifest(v2)) == [
        "conf/extra.conf"
    ]


def test_a_version_without_files_plans_no_write() -> None:
    assert file_steps(desired({}), None) == []
    assert file_steps(desired({}), {}) == []


def test_a_version_without_files_removes_what_an_earlier_bundle_left() -> None:
    """Files that came from the bundle follow the version: none wanted, none kept."""
    [step] = file_steps(desired({}), project_files.manifest(V1))
    assert step.cause == Cause.FILES_CHANGED  # type: ignore[attr-defined]
    assert sorted(step.details.files) == sorted(V1)  # type: ignore[attr-defined]


def test_a_changed_file_changes_the_hash_of_the_services_that_mount_it_only() -> None:
    before = desired(V1).services
    after = desired({**V1, "conf/site.conf": b"two"}).services
    without = desired({}).services
    assert before["web"].config_hash != after["web"].config_hash
    assert before["other"].config_hash == after["other"].config_hash
    assert before["plain"].config_hash == without["plain"].config_hash  # no files: as before


def test_an_unreadable_manifest_rewrites_everything() -> None:
    assert project_files.decode(b"not json") is None
    assert project_files.decode(b'{"a": 1}') is None
    assert project_files.decode(project_files.encode({"a": "h"})) == {"a": "h"}
    [step] = file_steps(desired(V1), None)
    assert step.cause == Cause.MISSING  # type: ignore[attr-defined]
