"""An operator's catalog directory (COREMON_CATALOG_DIRS): its components join the catalog
without a restart, its bad files are left out and shown to administrators with their path
(not to viewers), and the digest every answer carries changes with the content."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core_monitor.api.app import create_app
from core_monitor.runtime import Runtime
from tests.api.test_security_routes import add_user, client_for
from tests.support.helpers import login, make_settings

API = "/api/v1"
EXTRA = """\
id: echo
version: 1.0.0
title: Echo
category: tools
images: ["coremon-test/busybox:latest"]
service: echo
parameters:
  type: object
  properties:
    word: {type: string, default: hello, maxLength: 20}
requires:
  - capability: database
    reason: it echoes into one
compose:
  services:
    echo:
      image: coremon-test/busybox:latest
      command: ["echo", "{{ param.word }}", "{{ wire.database.host }}"]
"""


@pytest.fixture
def catalog_dir(tmp_path: Path) -> Path:
    return tmp_path / "catalog"


@pytest.fixture
def admin(database_url: str, catalog_dir: Path) -> Iterator[TestClient]:
    catalog_dir.mkdir()
    settings = make_settings(database_url, catalog_dirs=str(catalog_dir))
    with TestClient(create_app(Runtime.build(settings), run_worker=False)) as client:
        login(client)
        yield client


def test_an_operator_directory_is_read_without_a_restart(
    admin: TestClient, catalog_dir: Path
) -> None:
    before = admin.get(f"{API}/catalog").json()
    assert "echo" not in [i["id"] for i in before["items"]]
    (catalog_dir / "echo").mkdir()
    (catalog_dir / "echo" / "1.0.0.yaml").write_text(EXTRA)
    after = admin.get(f"{API}/catalog").json()
    assert "echo" in [i["id"] for i in after["items"]]
    assert after["catalog_digest"] != before["catalog_digest"]
    resolved = admin.post(f"{API}/wizard/resolve", json={"selection": [{"component": "echo"}]})
    body = resolved.json()
    assert body["violations"] == [] and body["catalog_digest"] == after["catalog_digest"]
    assert "- postgresql" in body["compose"]  # wired to the default database, by name
    assert {c["component"] for c in body["components"]} == {"echo", "postgresql"}


def test_bad_files_are_shown_to_administrators_only(admin: TestClient, catalog_dir: Path) -> None:
    (catalog_dir / "echo").mkdir()
    bad = catalog_dir / "echo" / "1.0.0.yaml"
    bad.write_text(EXTRA.replace("param.word", "param.missing"))
    listed = admin.get(f"{API}/catalog").json()
    assert "echo" not in [i["id"] for i in listed["items"]]
    (problem,) = listed["problems"]
    assert problem["path"] == str(bad) and "missing" in problem["message"]
    add_user(admin, "vic", "viewer")
    viewer = client_for(admin, "vic")
    seen = viewer.get(f"{API}/catalog")
    assert seen.status_code == 200 and "problems" not in seen.json()
