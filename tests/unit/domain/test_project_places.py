"""Where a stack's relative and ``~`` bind sources lead on the engine's host, and the
settings that say so."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core_monitor.domain.project_dir import DEFAULT_PLACES, HostPlaces
from core_monitor.settings import Settings


@pytest.mark.parametrize(
    ("source", "host"),
    [
        ("./conf/site.conf", "/var/lib/coremon/projects/shop/conf/site.conf"),
        (".", "/var/lib/coremon/projects/shop"),
        ("~", "/root"),
        ("~/media", "/root/media"),
        ("/srv/x", "/srv/x"),
    ],
)
def test_host_sources_by_default(source: str, host: str) -> None:
    assert DEFAULT_PLACES.host_source("shop", source) == host


def test_settings_give_the_places_cleaned() -> None:
    settings = Settings(projects_root="/data//stacks/", host_home="/home/ops/")
    assert settings.places == HostPlaces("/data/stacks", "/home/ops")
    assert settings.places.project_dir("shop") == "/data/stacks/shop"


@pytest.mark.parametrize("field", ["projects_root", "host_home"])
def test_a_relative_place_is_refused(field: str) -> None:
    with pytest.raises(ValidationError, match=field):
        Settings(**{field: "relative/dir"})  # type: ignore[arg-type]


def test_the_projects_root_is_an_allowed_bind_root_whatever_the_policy_lists() -> None:
    from core_monitor.compose import load_compose
    from core_monitor.domain.policy import Policy
    from core_monitor.domain.project_dir import allowing_projects
    from core_monitor.engine.request_guard import definition_violations

    places = HostPlaces(projects_root="/data/stacks")
    project = load_compose("services:\n  app:\n    image: x\n    volumes: [./conf:/conf]\n")
    assert definition_violations(project, Policy(), places) == []
    assert "/data/stacks" in allowing_projects(Policy(), places).allowed_bind_roots
    outside = load_compose("services:\n  app:\n    image: x\n    volumes: [/data/other:/o]\n")
    assert [v.rule for v in definition_violations(outside, Policy(), places)] != []
