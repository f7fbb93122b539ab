"""deploy-api: a 10 MB WAR into Tomcat through Core Monitor's whole path, against the manager
call made by hand on the same container.

    bare    docker exec -i C curl -u U:P -T - ".../manager/text/deploy?path=/bench&update=true"
    probe   curl of the deployed path from inside the container
    api     POST /stacks/{s}/deploy → the DEPLOY command DONE (queue, preflight, the Tomcat
            driver's transfer + activate + verify, the HTTP probe, the records), polled
            every 50 ms; the artifact is uploaded before the clock starts

Target (issue 16): api ≤ 1.5 x bare + probe.
"""

from __future__ import annotations

import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from benchmarks.deploy import IMAGE, PASSWORD, USER, _bare, make_war
from tests.support.docker_probe import remove_project
from tests.support.server import ServerProcess


def _compose() -> str:
    return f"""
services:
  app:
    image: {IMAGE}
    environment:
      TOMCAT_MANAGER_USER: {USER}
      TOMCAT_MANAGER_PASSWORD: ${{MANAGER_PASSWORD}}
    volumes: ["apps:/usr/local/tomcat/webapps"]
    x-coremon-deploy:
      kind: tomcat
      manager_user: {USER}
      manager_password: ${{MANAGER_PASSWORD}}
volumes:
  apps: {{}}
"""


def _done(client: httpx.Client, command_id: str, timeout: float = 300) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = str(client.get(f"/api/v1/commands/{command_id}").json()["status"])
        if status in ("DONE", "FAILED", "CANCELLED"):
            return status
        time.sleep(0.05)
    raise TimeoutError(command_id)


def _probe(container: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        ["docker", "exec", container, "curl", "-fsS", "-o", "/dev/null",
         "http://127.0.0.1:8080/bench/"],
        check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - started


def _wait_manager(container: str) -> None:
    deadline = time.monotonic() + 180
    url = "http://127.0.0.1:8080/manager/text/list"
    while time.monotonic() < deadline:
        listed = subprocess.run(
            ["docker", "exec", container, "curl", "-fsS", "-u", f"{USER}:{PASSWORD}", url],
            capture_output=True,
        )
        if listed.returncode == 0:
            return
        time.sleep(0.5)
    raise TimeoutError("the Tomcat manager never answered")


def bench_deploy_api(rounds: int = 5) -> None:
    if subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True).returncode:
        print(f"deploy-api: skipped ({IMAGE} absent: scripts/build-middleware-images.sh)")
        return
    stack = f"bench-deploy-{uuid.uuid4().hex[:6]}"
    bare, api, probes = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        server = ServerProcess(
            f"sqlite:///{Path(tmp) / 'coremon.db'}",
            Path(tmp) / "server.log",
            COREMON_EXECUTOR_MODULES="",  # the real DEPLOY executor
            COREMON_DATA_DIR=str(Path(tmp) / "data"),
        ).start()
        try:
            with httpx.Client(base_url=server.url, timeout=120, headers=server.headers) as client:
                variables = {"MANAGER_PASSWORD": {"value": PASSWORD, "secret": True}}
                body = {"name": stack, "compose": _compose(), "variables": variables}
                assert client.post("/api/v1/stacks", json=body).status_code == 201
                applied = client.post(f"/api/v1/stacks/{stack}/apply/1").json()["command_id"]
                assert _done(client, applied) == "DONE"
                container = f"{stack}-app-1"
                _wait_manager(container)
                for round_no in range(rounds):
                    bare.append(
                        _bare(container, make_war(Path(tmp) / f"b{round_no}.war", round_no))
                    )
                    probes.append(_probe(container))
                    war = make_war(Path(tmp) / f"a{round_no}.war", round_no + 1000)
                    with war.open("rb") as f:
                        up = client.post("/api/v1/artifacts", files={"file": ("bench.war", f)})
                    assert up.status_code in (200, 201), up.text
                    started = time.perf_counter()
                    accepted = client.post(
                        f"/api/v1/stacks/{stack}/deploy",
                        json={"service": "app", "artifact": up.json()["sha256"], "path": "/bench"},
                    )
                    assert accepted.status_code == 202, accepted.text
                    assert _done(client, accepted.json()["command_id"]) == "DONE"
                    api.append(time.perf_counter() - started)
        finally:
            server.stop()
            remove_project(stack)
    b, p, a = (statistics.median(x) for x in (bare, probes, api))
    print(f"deploy-api (10 MB WAR into Tomcat 10.1 through the API, {rounds} rounds, median)")
    print(f"  bare manager call (exec+curl)        {b:6.2f} s")
    print(f"  probe (curl from inside)             {p:6.2f} s")
    print(f"  POST /deploy → DONE (verified)       {a:6.2f} s")
    verdict = "met" if a <= 1.5 * b + p else "MISSED"
    print(f"  target 1.5 x bare + probe = {1.5 * b + p:.2f} s: {verdict}")
