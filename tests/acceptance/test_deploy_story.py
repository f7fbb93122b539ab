"""Issue 16's story on a real engine: artifacts deployed into nginx and Tomcat containers
built from Debian packages, served, redeployed, a broken WAR put back by itself, a recreate
that keeps serving, deploys in queue order, and a kill -9 mid-deploy that converges.

Needs the real drivers (``core_monitor.deploy.drivers.DRIVERS``) and the images
``coremon-test/nginx:latest`` / ``coremon-test/tomcat:latest`` (scripts/build-middleware-
images.sh): without them it skips on a developer's machine and fails under CI=true.
"""

from __future__ import annotations

import io
import subprocess
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core_monitor.domain.deploy import TargetKind
from tests.support.api_client import Api
from tests.support.deploys import site, war
from tests.support.helpers import missing
from tests.support.server import ServerProcess, free_port, served

STACK_PREFIX = "dep"
NGINX_IMAGE = "coremon-test/nginx:latest"
TOMCAT_IMAGE = "coremon-test/tomcat:latest"
MANAGER_PASSWORD = "manager-secret-for-tests"


def require_middleware() -> None:
    from core_monitor.deploy.drivers import DRIVERS

    for kind in (TargetKind.NGINX, TargetKind.TOMCAT):
        if kind not in DRIVERS:
            missing(f"no {kind.value} driver in core_monitor.deploy.drivers.DRIVERS")
    for image in (NGINX_IMAGE, TOMCAT_IMAGE):
        found = subprocess.run(["docker", "image", "inspect", image], capture_output=True)
        if found.returncode != 0:
            missing(f"{image} is not built (scripts/build-middleware-images.sh)")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("deploy-data")


def _env(data: Path) -> dict[str, str]:
    # no test plug-in: the real DEPLOY executor runs (the plug-in's sleeper would replace it)
    return {"COREMON_EXECUTOR_MODULES": "", "COREMON_DATA_DIR": str(data)}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, data: Path) -> Iterator[ServerProcess]:
    require_middleware()
    yield from served(tmp_path_factory, "deploy", **_env(data))


def nginx_stack(port: int, marker: str = "1") -> str:
    return f"""
services:
  web:
    image: {NGINX_IMAGE}
    ports: ["127.0.0.1:{port}:80"]
    environment: {{MARKER: "{marker}"}}
    volumes: ["site:/srv/sites"]
    configs:
      - source: site_conf
        target: /etc/nginx/conf.d/default.conf
    x-coremon-deploy: {{kind: nginx}}
configs:
  site_conf:
    content: |
      server {{ listen 80 default_server; root /srv/sites/default/current; }}
volumes:
  site: {{}}
"""


def tomcat_stack(port: int) -> str:
    return f"""
services:
  app:
    image: {TOMCAT_IMAGE}
    ports: ["127.0.0.1:{port}:8080"]
    environment:  # the image installs its manager for this one user, on 127.0.0.1 only
      TOMCAT_MANAGER_USER: deployer
      TOMCAT_MANAGER_PASSWORD: ${{MANAGER_PASSWORD}}
    volumes: ["apps:/usr/local/tomcat/webapps"]
    x-coremon-deploy:
      kind: tomcat
      manager_user: deployer
      manager_password: ${{MANAGER_PASSWORD}}
volumes:
  apps: {{}}
"""


def upload(api: Api, name: str, data: bytes) -> str:
    response = api.http.post("/artifacts", files={"file": (name, data)})
    assert response.status_code in (200, 201), response.text
    return str(response.json()["sha256"])


def deploy(api: Api, stack: str, body: dict[str, Any], expect: str = "DONE") -> dict[str, Any]:
    return api.run(f"/stacks/{stack}/deploy", body, expect=expect)


def served_text(url: str, want: str, timeout: float = 30) -> str:
    deadline, seen = time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        try:
            seen = httpx.get(url, timeout=2).text
            if want in seen:
                return seen
        except httpx.HTTPError as exc:
            seen = str(exc)
        time.sleep(0.3)
    raise AssertionError(f"{url} never served {want!r}: {seen[:300]}")


def answering(url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.5)
    raise AssertionError(f"{url} never answered")


def deployments(api: Api, stack: str) -> list[dict[str, Any]]:
    return list(api.http.get(f"/stacks/{stack}/deployments").json()["items"])


def test_nginx_v1_v2_redeploy_recreate_and_order(api: Api, stack: str) -> None:
    port = free_port()
    api.create_stack(stack, nginx_stack(port))
    api.apply(stack, 1)
    url = f"http://127.0.0.1:{port}/"
    v1 = upload(api, "v1.tar.gz", site("site v1"))
    deploy(api, stack, {"service": "web", "artifact": v1})
    served_text(url, "site v1")
    v2 = upload(api, "v2.tar.gz", site("site v2"))
    deploy(api, stack, {"service": "web", "artifact": v2})
    served_text(url, "site v2")
    first = next(d for d in deployments(api, stack) if d["artifact"] == v1)
    assert first["status"] == "SUPERSEDED"
    api.run(f"/stacks/{stack}/deployments/{first['deployment_id']}/redeploy", {})
    served_text(url, "site v1")

    # a static archive with ../ is refused at upload, naming the entry
    refused = api.http.post(
        "/artifacts", files={"file": ("evil.tar.gz", site("x", {"../evil": b"x"}))}
    )
    assert refused.status_code == 422 and "../evil" in refused.text

    # an APPLY that recreates the container: still served, no deployment drift
    version = api.new_version(stack, nginx_stack(port, marker="2"))
    api.apply(stack, version)
    served_text(url, "site v1")
    time.sleep(2)  # the check runs in the background after the APPLY
    drift = api.http.get(f"/stacks/{stack}/status").json()["drift"]
    assert not [d for d in drift if d["kind"] == "deployment"], drift

    # two deploys queued back to back run in order: the later one is what serves
    a = api.enqueue(f"/stacks/{stack}/deploy", {"service": "web", "artifact": v2})
    b = api.enqueue(f"/stacks/{stack}/deploy", {"service": "web", "artifact": v1})
    done = [api.wait(a), api.wait(b)]
    assert [c["status"] for c in done] == ["DONE", "DONE"]
    assert done[0]["finished_at"] <= done[1]["started_at"]
    served_text(url, "site v1")
    current = [d for d in deployments(api, stack) if d["current"]]
    assert [d["command_id"] for d in current] == [b]


def broken_war() -> bytes:
    """A WAR whose web.xml is not even XML: Tomcat answers 200 with ``FAIL - …``."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("WEB-INF/web.xml", "<web-app><oops")
        archive.writestr("index.html", "broken")
    return out.getvalue()


def test_tomcat_a_broken_war_is_put_back_by_itself(api: Api, stack: str) -> None:
    port = free_port()
    secret = {"value": MANAGER_PASSWORD, "secret": True}
    api.create_stack(stack, tomcat_stack(port), variables={"MANAGER_PASSWORD": secret})
    api.apply(stack, 1)
    url = f"http://127.0.0.1:{port}/app/"
    answering(f"http://127.0.0.1:{port}/")  # Tomcat starts in ~10 s; its manager with it
    good = upload(api, "app.war", war(body=b"tomcat v2"))
    deploy(api, stack, {"service": "app", "artifact": good})
    served_text(url, "tomcat v2", timeout=60)
    bad = upload(api, "broken.war", broken_war())
    failed = deploy(api, stack, {"service": "app", "artifact": bad, "path": "/app"}, "FAILED")
    assert "FAIL" in failed["error"], failed["error"]
    served_text(url, "tomcat v2", timeout=60)
    rows = deployments(api, stack)
    assert rows[0]["status"] == "FAILED" and "FAIL" in (rows[0]["message"] or "")
    assert rows[1]["status"] == "DEPLOYED" and rows[1]["current"] is True
    # the FAILED command halts this module's queue: the tests after this one need it
    seen = {"reason": "a failure this test asked for"}
    assert api.http.post(f"/commands/{failed['command_id']}/dismiss", json=seen).is_success


def test_kill_9_during_a_deploy_converges(
    tmp_path_factory: pytest.TempPathFactory, data: Path, stack: str
) -> None:
    require_middleware()
    database = tmp_path_factory.mktemp("kill") / "coremon.db"
    first = ServerProcess(f"sqlite:///{database}", database.with_suffix(".log"), **_env(data))
    first.start()
    api = Api(first.url, first.headers)
    port = free_port()
    api.create_stack(stack, nginx_stack(port))
    api.apply(stack, 1)
    sha = upload(api, "big.tar.gz", site("killed v1", {f"f{i}": b"x" * 50_000 for i in range(200)}))
    command = api.enqueue(f"/stacks/{stack}/deploy", {"service": "web", "artifact": sha})
    deadline = time.monotonic() + 30
    while api.command(command)["status"] != "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.02)
    first.kill9()
    api.close()
    second = ServerProcess(f"sqlite:///{database}", database.with_suffix(".2.log"), **_env(data))
    second.start()
    try:
        api = Api(second.url, second.headers)
        assert api.wait(command, timeout=120)["status"] == "DONE"
        served_text(f"http://127.0.0.1:{port}/", "killed v1")
        rows = deployments(api, stack)
        assert [r["status"] for r in rows] == ["DEPLOYED"]  # one deployment, never half
        api.close()
    finally:
        second.stop()


def test_a_deploy_queued_right_behind_the_apply_waits_for_tomcat(api: Api, stack: str) -> None:
    """APPLY and DEPLOY in the queue back to back, no sleep: the DEPLOY starts while Tomcat
    is still starting (its manager refuses connections for seconds) and waits for it."""
    port = free_port()
    secret = {"value": MANAGER_PASSWORD, "secret": True}
    api.create_stack(stack, tomcat_stack(port), variables={"MANAGER_PASSWORD": secret})
    sha = upload(api, "early.war", war(body=b"tomcat early"))
    applied = api.enqueue(f"/stacks/{stack}/apply/1")
    deployed = api.enqueue(
        f"/stacks/{stack}/deploy", {"service": "app", "artifact": sha, "path": "/early"}
    )
    assert api.wait(applied)["status"] == "DONE"
    done = api.wait(deployed, timeout=180)
    assert done["status"] == "DONE", done["error"]
    said = api.log_messages(deployed)
    assert any("waiting for Tomcat's manager at http://127.0.0.1:8080/" in m for m in said), said
    served_text(f"http://127.0.0.1:{port}/early/", "tomcat early", timeout=60)
