"""Creating a version judges relative and `~` binds where the server's settings put them on
the host (COREMON_HOST_HOME, COREMON_PROJECTS_ROOT), as the APPLY will (issue 15)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from core_monitor.domain.project_dir import HostPlaces
from core_monitor.runtime import Runtime

HOME_BIND = "services:\n  web:\n    image: busybox:1\n    volumes: ['~/media:/media']\n"


def test_a_home_bind_is_judged_in_the_configured_home(client: TestClient, runtime: Runtime) -> None:
    refused = client.post("/api/v1/stacks", json={"name": "media", "compose": HOME_BIND})
    assert refused.status_code == 422, refused.text  # ~ is /root by default: sensitive
    runtime.stacks.places = HostPlaces(home="/srv/home")  # as COREMON_HOST_HOME=/srv/home
    checked = client.post("/api/v1/stacks/validate", json={"compose": HOME_BIND})
    assert checked.json()["valid"] is True, checked.text
    created = client.post("/api/v1/stacks", json={"name": "media", "compose": HOME_BIND})
    assert created.status_code == 201, created.text
