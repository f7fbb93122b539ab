"""Relative and ``~`` bind sources: accepted by the loader in their normalized form,
resolved in the stack's project directory (or the host's home) when the engine request is
built, and judged by the policy as those host paths; a path leaving the project directory
is refused, naming it."""

from __future__ import annotations

import pytest

from core_monitor.compose import load_compose
from core_monitor.domain.policy import Policy, breaking
from core_monitor.domain.project_dir import HostPlaces
from core_monitor.engine import container_spec
from core_monitor.engine.request_guard import definition_violations
from core_monitor.errors import ValidationFailed

HEAD = "services:\n  app:\n    image: busybox\n    volumes:\n"


def sources(*volumes: str) -> list[str | None]:
    text = HEAD + "".join(f"      - {v}\n" for v in volumes)
    project = load_compose(text, {}, project_name="shop")
    return [m.source for m in project.services["app"].volumes]


def test_relative_sources_are_kept_relative_and_normalized() -> None:
    assert sources(
        "./conf//nginx.conf:/etc/nginx/nginx.conf:ro",
        "./data/:/data",
        ".:/app",
        "{type: bind, source: conf/site, target: /site}",
        "{type: bind, source: ./x/./y, target: /y}",
    ) == ["./conf/nginx.conf", "./data", ".", "./conf/site", "./x/y"]


def test_home_sources_are_kept_as_written() -> None:
    assert sources("~/media:/media", "~:/home") == ["~/media", "~"]


@pytest.mark.parametrize(
    "volume", ["../x:/x", "./a/../../x:/x", "{type: bind, source: ../up, target: /u}"]
)
def test_a_path_leaving_the_project_directory_is_refused(volume: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        sources(volume)
    [error] = info.value.errors
    assert error.path == "services.app.volumes[0]"
    assert "project directory" in error.message and ".." in error.message


def test_another_users_home_is_refused() -> None:
    with pytest.raises(ValidationFailed) as info:
        sources("~bob/x:/x")
    assert "~bob/x" in info.value.errors[0].message


def test_the_request_carries_host_paths() -> None:
    text = HEAD + "      - ./conf:/conf:ro\n      - ~/m:/m\n"
    text += "      - {type: bind, source: ., target: /p}\n"
    project = load_compose(text, {}, project_name="shop")
    places = HostPlaces(projects_root="/srv/projects", home="/home/ops")
    config = container_spec.build(project, "app", {}, places=places)
    assert config.host["binds"] == ["/srv/projects/shop/conf:/conf:ro", "/home/ops/m:/m:rw"]
    assert config.host["mounts"][0]["Source"] == "/srv/projects/shop"


def test_the_policy_judges_the_resolved_path() -> None:
    project = load_compose(HEAD + "      - ./data:/data\n", {}, project_name="shop")
    policy = Policy()
    assert breaking(definition_violations(project, policy), policy, []) == []  # default root
    # the projects root is an allowed root whatever the policy lists (issue 15)...
    elsewhere = HostPlaces(projects_root="/data/stacks")
    assert breaking(definition_violations(project, policy, elsewhere), policy, []) == []
    # ...and nothing beside it is
    beside = load_compose(HEAD + "      - /data/other:/data\n", {}, project_name="shop")
    [found] = breaking(definition_violations(beside, policy, elsewhere), policy, [])
    assert found.rule == "bind_outside_roots"
    assert "'/data/other' is outside" in found.message
    home = load_compose(HEAD + "      - ~/x:/x\n", {}, project_name="shop")
    [found] = breaking(definition_violations(home, policy), policy, [])
    assert (found.rule, found.path) == ("sensitive_paths", "services.app.volumes[0].source")
    assert "'/root/x'" in found.message  # the default home, judged like any host path
