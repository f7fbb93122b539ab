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
