"""Artifacts and deployments through the REST API (issue 16): upload once by content,
bounded and checked; deploy requests refused when they can be seen to fail, naming the
field; a deployment row DEPLOYING with its 202; redeploy; roles."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from fastapi.testclient import TestClient

from core_monitor.domain.deploy import DeploymentStatus
from core_monitor.runtime import Runtime
from core_monitor.store import deploys as deploy_store
from core_monitor.store.clock import utcnow
from tests.api.test_security_routes import add_user, client_for
from tests.support.applied import pretend_applied
from tests.support.deploys import JAVAX, NGINX_STACK, TOMCAT_STACK, site, upload, war

BAD_SHA = "f" * 64


def stack(
    client: TestClient, runtime: Runtime, compose: str = NGINX_STACK, **variables: object
) -> str:
    body = {"name": "shop", "compose": compose, "variables": variables}
    response = client.post("/api/v1/stacks", json=body)
    assert response.status_code == 201, response.text
    pretend_applied(runtime.db, "shop")
    return str(response.json()["stack_id"])


def fields(response: object) -> set[str]:
    assert response.status_code == 422, response.text  # type: ignore[attr-defined]
    return {e["path"] for e in response.json()["errors"]}  # type: ignore[attr-defined]


def stored_files(runtime: Runtime) -> list[Path]:
    return sorted((runtime.settings.data_dir / "artifacts" / "sha256").rglob("*"))


def test_an_upload_is_stored_once_by_content(client: TestClient, runtime: Runtime) -> None:
    data = site("v1")
    first = client.post("/api/v1/artifacts", files={"file": ("site.tar.gz", data)})
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["kind"] == "static" and body["size"] == len(data) and body["in_use"] is False
    assert body["uploaded_by"] == "admin" and body["filename"] == "site.tar.gz"
    again = client.post("/api/v1/artifacts", files={"file": ("copy.tgz", data)})
    assert again.status_code == 200 and again.json()["sha256"] == body["sha256"]
    sha = body["sha256"]
    path = runtime.settings.data_dir / "artifacts" / "sha256" / sha[:2] / sha
    assert path.read_bytes() == data
    assert [p for p in stored_files(runtime) if p.is_file()] == [path]
    assert client.get(f"/api/v1/artifacts/{sha}").json()["filename"] == "site.tar.gz"
    upload(client, "app.war", war())
    listing = client.get("/api/v1/artifacts").json()
    assert listing["total"] == 2 and listing["items"][0]["kind"] == "war"  # newest first
    assert client.get("/api/v1/artifacts", params={"kind": "static"}).json()["total"] == 1
    assert client.get(f"/api/v1/artifacts/{BAD_SHA}").status_code == 404


def test_an_upload_over_the_cap_is_413_and_leaves_nothing(
    client: TestClient, runtime: Runtime
) -> None:
    runtime.artifacts.max_artifact_bytes = 10_000
    response = client.post("/api/v1/artifacts", files={"file": ("big.war", b"x" * 20_000)})
    assert response.status_code == 413, response.text
    assert not [p for p in stored_files(runtime) if p.is_file()]
    assert not list((runtime.settings.data_dir / "artifacts" / "incoming").iterdir())


def test_bad_uploads_are_422_naming_file(client: TestClient) -> None:
    def post(name: str, data: bytes) -> object:
        return client.post("/api/v1/artifacts", files={"file": (name, data)})

    assert fields(post("notes.txt", b"hello")) == {"file"}
    assert fields(post("site.tar.gz", b"not a tarball")) == {"file"}
    assert fields(post("app.war", b"not a zip")) == {"file"}
    escaping = post("site.tar.gz", site("v1", {"../evil.html": b"x"}))
    assert fields(escaping) == {"file"}
    assert "../evil.html" in escaping.json()["errors"][0]["message"]  # type: ignore[attr-defined]
    no_file = client.post("/api/v1/artifacts", files={"other": ("s.tgz", b"x")})
    assert {e["path"] for e in no_file.json()["errors"]} == {"file"}
    wrong_kind = client.post(
        "/api/v1/artifacts", files={"file": ("a.zip", b"PK")}, data={"kind": "jar"}
    )
    assert fields(wrong_kind) == {"kind"}


def test_a_deploy_is_queued_with_its_deployment_row(client: TestClient, runtime: Runtime) -> None:
    stack_id = stack(client, runtime)
    sha = upload(client, "site.tar.gz", site("v1"))["sha256"]
    response = client.post(
        f"/api/v1/stacks/{stack_id}/deploy",
        json={"service": "web", "artifact": sha, "comment": "go"},
    )
    assert response.status_code == 202, response.text
    command_id = response.json()["command_id"]
    page = client.get(f"/api/v1/stacks/{stack_id}/deployments").json()
    assert page["total"] == 1
    row = page["items"][0]
    assert row["status"] == "DEPLOYING" and row["command_id"] == command_id
    assert row["path"] == "default" and row["artifact"] == sha and row["comment"] == "go"
    assert row["artifact_filename"] == "site.tar.gz" and row["current"] is False
    payload = client.get(f"/api/v1/commands/{command_id}").json()["payload"]
    assert payload == {
        "service": "web",
        "artifact": sha,
        "path": "default",
        "comment": "go",
        "deployment_id": row["deployment_id"],
    }
    assert client.get(f"/api/v1/artifacts/{sha}").json()["in_use"] is True
    assert client.delete(f"/api/v1/artifacts/{sha}").status_code == 409
    actions = [e["action"] for e in client.get("/api/v1/audit").json()["items"]]
    assert "deploy.request" in actions and "artifact.upload" in actions
    redeploy = client.post(
        f"/api/v1/stacks/{stack_id}/deployments/{row['deployment_id']}/redeploy", json={}
    )
    assert redeploy.status_code == 202, redeploy.text
    again = client.get(f"/api/v1/commands/{redeploy.json()['command_id']}").json()["payload"]
    assert again["redeploy_of"] == row["deployment_id"] and again["artifact"] == sha
    assert client.get(f"/api/v1/stacks/{stack_id}/deployments").json()["total"] == 2
    filtered = client.get(f"/api/v1/stacks/{stack_id}/deployments", params={"path": "other"})
    assert filtered.json()["total"] == 0


def test_what_can_be_seen_to_fail_is_refused_naming_the_field(
    client: TestClient, runtime: Runtime
) -> None:
    stack_id = stack(client, runtime)
    static = upload(client, "site.tar.gz", site("v1"))["sha256"]
    app = upload(client, "app.war", war())["sha256"]

    def deploy(**body: object) -> object:
        return client.post(f"/api/v1/stacks/{stack_id}/deploy", json=body)

    assert fields(deploy(service="nope", artifact=static)) == {"service"}
    assert fields(deploy(service="db", artifact=static)) == {"service"}  # no target
    assert fields(deploy(service="web", artifact=BAD_SHA)) == {"artifact"}
    assert fields(deploy(service="web", artifact="app.war")) == {"artifact"}
    assert fields(deploy(service="web", artifact=app)) == {"artifact"}  # a WAR into nginx
    assert fields(deploy(service="web", artifact=static, path="../etc")) == {"path"}
    assert client.get(f"/api/v1/stacks/{stack_id}/deployments").json()["total"] == 0


def test_a_war_of_the_wrong_generation_is_refused(client: TestClient, runtime: Runtime) -> None:
    stack_id = stack(client, runtime, TOMCAT_STACK, PW={"value": "manager-pass", "secret": True})
    old = upload(client, "legacy.war", war(JAVAX))["sha256"]
    response = client.post(
        f"/api/v1/stacks/{stack_id}/deploy", json={"service": "app", "artifact": old}
    )
    assert fields(response) == {"artifact"}
    assert "tomcat:10.1" in response.json()["errors"][0]["message"]  # type: ignore[attr-defined]
    new = upload(client, "ROOT.war", war())["sha256"]
    ok = client.post(f"/api/v1/stacks/{stack_id}/deploy", json={"service": "app", "artifact": new})
    assert ok.status_code == 202, ok.text
    row = client.get(f"/api/v1/stacks/{stack_id}/deployments").json()["items"][0]
    assert row["path"] == "/"  # ROOT.war: Tomcat's root context
    targets = client.get(f"/api/v1/stacks/{stack_id}/deploy-targets").json()
    assert [(t["service"], t["kind"]) for t in targets] == [("app", "tomcat")]
    assert "manager_password" not in targets[0]["settings"]
    assert "manager-pass" not in str(targets)


def test_roles(client: TestClient, runtime: Runtime) -> None:
    stack_id = stack(client, runtime)
    for role in ("viewer", "operator"):
        add_user(client, f"a-{role}", role)
    viewer, operator = client_for(client, "a-viewer"), client_for(client, "a-operator")
    data = site("v1")
    assert viewer.post("/api/v1/artifacts", files={"file": ("s.tgz", data)}).status_code == 403
    sha = upload(operator, "s.tgz", data)["sha256"]
    assert viewer.get(f"/api/v1/artifacts/{sha}").status_code == 200
    body = {"service": "web", "artifact": sha}
    assert viewer.post(f"/api/v1/stacks/{stack_id}/deploy", json=body).status_code == 403
    assert operator.post(f"/api/v1/stacks/{stack_id}/deploy", json=body).status_code == 202
    unused = upload(operator, "other.tgz", site("v2"))["sha256"]
    assert operator.delete(f"/api/v1/artifacts/{unused}").status_code == 403
    assert client.delete(f"/api/v1/artifacts/{unused}").status_code == 204
    assert client.get(f"/api/v1/artifacts/{unused}").status_code == 404
    assert not (runtime.settings.data_dir / "artifacts" / "sha256" / unused[:2] / unused).exists()


def test_a_tar_with_a_link_outside_is_refused(client: TestClient) -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        link = tarfile.TarInfo("passwd")
        link.type, link.linkname = tarfile.SYMTYPE, "../../etc/passwd"
        archive.addfile(link)
    response = client.post("/api/v1/artifacts", files={"file": ("s.tar.gz", out.getvalue())})
    assert fields(response) == {"file"}


def test_the_current_deployment_shows_on_the_status_and_targets(
    client: TestClient, runtime: Runtime
) -> None:
    stack_id = stack(client, runtime)
    sha = upload(client, "site.tar.gz", site("v1"))["sha256"]
    body = {"service": "web", "artifact": sha}
    assert client.post(f"/api/v1/stacks/{stack_id}/deploy", json=body).status_code == 202
    row = client.get(f"/api/v1/stacks/{stack_id}/deployments").json()["items"][0]
    assert client.get(f"/api/v1/stacks/{stack_id}/status").json()["deployments"] == []
    with runtime.db.write() as session:  # as the DEPLOY executor concludes it
        deploy_store.conclude(
            session, row["deployment_id"], DeploymentStatus.DEPLOYED, finished_at=utcnow()
        )
    status = client.get(f"/api/v1/stacks/{stack_id}/status").json()
    assert [(d["service"], d["path"], d["current"]) for d in status["deployments"]] == [
        ("web", "default", True)
    ]
    targets = client.get(f"/api/v1/stacks/{stack_id}/deploy-targets").json()
    assert targets[0]["service"] == "web" and targets[0]["kind"] == "nginx"
    assert [d["deployment_id"] for d in targets[0]["current"]] == [row["deployment_id"]]
