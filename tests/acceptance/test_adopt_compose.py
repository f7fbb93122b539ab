"""Adopting a project Docker Compose v2 started (POST /stacks/adopt), on a real engine,
through the REST API of a real server: nothing recreated when it matches, only what
differs recreated, the named volume's data kept."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.api_client import Api
from tests.support.docker_probe import containers, docker, remove_project
from tests.support.engine_oracle import compose
from tests.support.server import ServerProcess, served

IMAGE = "coremon-test/busybox:latest"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def project_file(port: int, mode: str = "blue") -> str:
    return f"""
services:
  db:
    image: {IMAGE}
    environment: {{ROLE: db}}
    volumes: [data:/data]
  web:
    image: {IMAGE}
    environment: {{MODE: {mode}}}
    ports: ["127.0.0.1:{port}:80"]
    depends_on: [db]
    restart: unless-stopped
    labels: {{app.tier: front}}
volumes:
  data: {{}}
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from served(tmp_path_factory, "adopt", COREMON_QUEUE_ON_FAILURE="continue")


class Project:
    """A Compose v2 project in its own directory."""

    def __init__(self, name: str, directory: Path) -> None:
        self.name = name
        self.directory = directory
        self.port = _free_port()

    def up(self, text: str) -> None:
        (self.directory / "compose.yaml").write_text(text)
        compose(self.name, "up", "-d", cwd=str(self.directory))

    def ids(self) -> dict[str, str]:
        return {name: c["Id"] for name, c in containers(self.name).items()}


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Project]:
    found = Project(f"adopt-{uuid.uuid4().hex[:8]}", tmp_path)
    yield found
    if (tmp_path / "compose.yaml").exists():
        compose(found.name, "down", "-v", "--remove-orphans", cwd=str(tmp_path))
    remove_project(found.name)


def adopt(api: Api, project: str, **body: object) -> dict[str, object]:
    response = api.http.post("/stacks/adopt", json={"project": project, **body})
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_adopted_with_its_file_the_plan_is_empty_and_a_change_recreates_only_it(
    api: Api, project: Project
) -> None:
    text = project_file(project.port)
    project.up(text)
    before = project.ids()
    adopted = adopt(api, project.name, compose=text)
    assert adopted["applied"] is True
    assert adopted["current_version"] == 1
    assert [c["matches"] for c in adopted["containers"]] == [True, True]  # type: ignore[union-attr,index]
    assert api.plan(project.name, 1) == []
    assert project.ids() == before
    status = api.http.get(f"/stacks/{project.name}/status").json()
    assert (status["status"], status["drift"]) == ("RUNNING", []), status
    db = f"{project.name}-db-1"
    docker("exec", db, "sh", "-c", "echo kept > /data/file")
    volume = docker("volume", "inspect", "-f", "{{.CreatedAt}}", f"{project.name}_data")
    v2 = api.new_version(project.name, project_file(project.port, "green"))
    steps = api.plan(project.name, v2)
    assert [(s["kind"], s["target"]) for s in steps] == [
        ("recreate_container", f"{project.name}-web-1"),
        ("start_container", f"{project.name}-web-1"),
    ]
    api.apply(project.name, v2)
    after = project.ids()
    assert after[db] == before[db]
    assert after[f"{project.name}-web-1"] != before[f"{project.name}-web-1"]
    assert docker("exec", db, "cat", "/data/file").strip() == "kept"
    assert docker("volume", "inspect", "-f", "{{.CreatedAt}}", f"{project.name}_data") == volume
    assert api.plan(project.name, v2) == []


def test_adopted_without_a_file_the_reconstructed_version_plans_nothing(
    api: Api, project: Project
) -> None:
    project.up(project_file(project.port))
    before = project.ids()
    adopted = adopt(api, project.name)
    assert (adopted["reconstructed"], adopted["applied"]) == (True, True)
    version = api.http.get(f"/stacks/{project.name}/versions/1").json()
    assert "reconstructed from the running containers" in version["comment"]
    assert "127.0.0.1" in version["compose"] and "MODE: blue" in version["compose"]
    assert api.plan(project.name, 1) == []
    assert project.ids() == before


def test_a_container_changed_by_hand_is_the_only_one_recreated_with_its_field(
    api: Api, project: Project
) -> None:
    text = project_file(project.port)
    project.up(project_file(project.port, "changed-by-hand"))
    before = project.ids()
    adopted = adopt(api, project.name, compose=text)
    assert adopted["applied"] is False
    verdicts = {c["service"]: c for c in adopted["containers"]}  # type: ignore[union-attr,index]
    assert verdicts["db"]["matches"] is True
    assert [d["field"] for d in verdicts["web"]["differences"]] == ["environment.MODE"]
    steps = api.plan(project.name, 1)
    assert [(s["kind"], s["target"], s["cause"]) for s in steps] == [
        ("recreate_container", f"{project.name}-web-1", "adopted_differs"),
        ("start_container", f"{project.name}-web-1", "recreated"),
    ]
    assert steps[0]["details"]["fields"] == ["environment.MODE"]
    api.apply(project.name, 1)
    after = project.ids()
    assert after[f"{project.name}-db-1"] == before[f"{project.name}-db-1"]
    assert "MODE=blue" in containers(project.name)[f"{project.name}-web-1"]["Config"]["Env"]
    assert api.plan(project.name, 1) == []
    # now managed by Core Monitor: adopting it again is a conflict
    again = api.http.post("/stacks/adopt", json={"project": project.name, "name": project.name})
    assert again.status_code == 409, again.text
    assert "already managed by Core Monitor" in again.json()["detail"]


def test_adopting_an_unknown_project_is_404_and_a_taken_name_409(
    api: Api, project: Project
) -> None:
    renamed = api.http.post("/stacks/adopt", json={"project": project.name, "name": "other"})
    assert renamed.status_code == 422, renamed.text
    assert "name" in renamed.text
    missing = api.http.post("/stacks/adopt", json={"project": project.name})
    assert missing.status_code == 404, missing.text
    assert project.name in missing.json()["detail"]
    project.up(project_file(project.port))
    adopt(api, project.name)
    again = api.http.post("/stacks/adopt", json={"project": project.name})
    assert again.status_code == 409, again.text


def test_a_richer_project_adopted_without_a_file_plans_nothing(api: Api, project: Project) -> None:
    rich = (
        Path(__file__).resolve().parent.parent / "fixtures/engine/adopt/rich/compose.yaml"
    ).read_text()
    # the default policy refuses a bind outside its roots and an added capability
    allowed = rich.replace("    cap_add: [NET_ADMIN]\n", "").replace(
        '"/tmp/adoptr/bind:/bind:ro", ', ""
    )
    project.up(allowed)
    before = project.ids()
    refused = api.http.post("/stacks/adopt", json={"project": project.name, "compose": rich})
    assert refused.status_code == 422, refused.text
    assert "services.app.cap_add[0]" in refused.text
    assert api.http.get(f"/stacks/{project.name}").status_code == 404  # nothing written
    adopted = adopt(api, project.name)
    mismatched = [c for c in adopted["containers"] if not c["matches"]]  # type: ignore[union-attr]
    assert (adopted["applied"], mismatched) == (True, [])
    assert api.plan(project.name, 1) == []
    assert project.ids() == before


def test_a_project_with_an_env_file_adopts_with_its_files(api: Api, project: Project) -> None:
    """The version carries the project's other files (here its env file), as a new stack's."""
    (project.directory / "app.env").write_text("MODE=from-the-file\n")
    text = f"services:\n  app:\n    image: {IMAGE}\n    env_file: app.env\n"
    project.up(text)
    before = project.ids()
    without = api.http.post("/stacks/adopt", json={"project": project.name, "compose": text})
    assert without.status_code == 422 and "app.env" in without.text, without.text
    adopted = adopt(api, project.name, compose=text, files={"app.env": "MODE=from-the-file\n"})
    assert adopted["applied"] is True, adopted["containers"]
    # Compose ran from its own directory: the bundle is written to the stack's on the next
    # APPLY, which recreates nothing
    assert [s["kind"] for s in api.plan(project.name, 1)] == ["write_project_files"]
    api.apply(project.name, 1)
    assert api.plan(project.name, 1) == []
    assert project.ids() == before
    listed = api.http.get(f"/stacks/{project.name}/versions/1/files").json()
    assert [f["path"] for f in listed] == ["app.env"]
