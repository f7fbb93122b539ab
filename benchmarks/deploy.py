"""deploy: a 10 MB WAR into Tomcat 10.1 (coremon-test/tomcat), Core Monitor's driver
against the manager call made by hand.

    bare    docker exec -i C curl -u U:P -T - ".../manager/text/deploy?path=/bench&update=true"
            (the WAR on stdin; the time of the `docker exec` process)
    driver  the Tomcat driver's transfer + activate (+ verify when activate did not see the
            status) through the docker-py ContainerAccess: one exec streams the WAR to the
            manager's deploy, rewrites the deployment marker, lists the contexts and GETs
            the deployed path (the first HTTP probe, which the DEPLOY executor takes)
    probe   the HTTP probe of the deployed path from inside the container (curl) in an exec
            of its own, as the target counts it

Rounds alternate bare and driver, each redeploying (update=true) a WAR of the same size
with different content. ``deployer`` replaces the driver: the integrator points it at the
full API path (upload once, POST /deploy, wait for the command's end).
"""

from __future__ import annotations

import hashlib
import os
import statistics
import subprocess
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from core_monitor.deploy.driver import Release
from core_monitor.deploy.drivers import DRIVERS
from core_monitor.deploy.drivers.base import http_probe, wait_for
from core_monitor.domain.deploy import (
    Artifact,
    ArtifactKind,
    DeployTarget,
    TargetKind,
    TomcatSettings,
)
from core_monitor.engine.docker.exec import container_access
from core_monitor.engine.docker.gateway import DockerGateway

IMAGE = "coremon-test/tomcat:latest"
USER, PASSWORD = "bench", "bench-" + uuid.uuid4().hex[:12]
SIZE = 10 * 1024 * 1024
WEB_XML = '<web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0"/>'
Deployer = Callable[[Path, str], None]  # (war, deployment id) → deployed and verified


def make_war(path: Path, round_no: int) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as war:
        war.writestr("index.html", f"bench round {round_no}")
        war.writestr("WEB-INF/web.xml", WEB_XML)
        war.writestr("WEB-INF/lib/blob.bin", os.urandom(SIZE))  # incompressible
    return path


def _bare(container: str, war: Path) -> float:
    url = "http://127.0.0.1:8080/manager/text/deploy?path=/bench&update=true"
    started = time.perf_counter()
    with war.open("rb") as stdin:
        done = subprocess.run(
            ["docker", "exec", "-i", container, "curl", "-sS", "-u", f"{USER}:{PASSWORD}",
             "-T", "-", url],
            stdin=stdin, capture_output=True, text=True, check=False,
        )  # fmt: skip
    elapsed = time.perf_counter() - started
    if not done.stdout.startswith("OK - "):
        raise RuntimeError(f"bare deploy: {done.stdout or done.stderr}")
    return elapsed


def _driver_deployer(gateway: DockerGateway, container: str) -> Deployer:
    box, driver = container_access(gateway, container), DRIVERS[TargetKind.TOMCAT]
    settings = TomcatSettings(manager_user=USER, manager_password=PASSWORD)
    target = DeployTarget(service="app", settings=settings)

    def deploy(war: Path, deployment_id: str) -> None:
        data = war.read_bytes()
        artifact = Artifact(
            sha256=hashlib.sha256(data).hexdigest(), kind=ArtifactKind.WAR, filename=war.name,
            size=len(data), uploaded_by="bench", uploaded_at=datetime.now(UTC),
        )  # fmt: skip
        release = Release(deployment_id, "/bench", artifact, war)
        driver.transfer(box, target, release, lambda _: None)
        seen = driver.activate(box, target, release, lambda _: None)
        verdict = seen if seen is not None else driver.verify(box, target, release, lambda _: None)
        if not verdict.ok:
            raise RuntimeError(f"driver deploy: {verdict.message}")

    return deploy


def _start(name: str) -> None:
    subprocess.run(
        ["docker", "run", "-d", "--name", name, "-v", f"{name}:/usr/local/tomcat/webapps",
         "-e", f"TOMCAT_MANAGER_USER={USER}", "-e", f"TOMCAT_MANAGER_PASSWORD={PASSWORD}", IMAGE],
        check=True, capture_output=True,
    )  # fmt: skip


def bench_deploy(rounds: int = 5, deployer: Deployer | None = None) -> None:
    if subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True).returncode:
        print(f"deploy: skipped ({IMAGE} absent: scripts/build-middleware-images.sh)")
        return
    name = f"coremon-bench-deploy-{uuid.uuid4().hex[:8]}"
    gateway = DockerGateway()
    _start(name)
    try:
        box = container_access(gateway, name)
        probe = http_probe(8080, "/bench/")
        list_ = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:8080/"]
        wait_for(box, ["sh", "-c", f'[ "$({" ".join(list_)})" != 000 ]'], 120)
        deploy = deployer or _driver_deployer(gateway, name)
        bare, driven, probes = [], [], []
        with tempfile.TemporaryDirectory() as tmp:
            for round_no in range(rounds):
                bare.append(_bare(name, make_war(Path(tmp) / f"b{round_no}.war", round_no)))
                war = make_war(Path(tmp) / f"d{round_no}.war", round_no)
                started = time.perf_counter()
                deploy(war, f"bench{round_no}")
                driven.append(time.perf_counter() - started)
                started = time.perf_counter()
                if box.run(probe).exit_code != 0:
                    raise RuntimeError("probe: /bench/ does not answer")
                probes.append(time.perf_counter() - started)
    finally:
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)
        subprocess.run(["docker", "volume", "rm", name], capture_output=True)
        gateway.close()
    _report(bare, driven, probes, "driver" if deployer is None else "deployer")


def _report(bare: list[float], driven: list[float], probes: list[float], label: str) -> None:
    def line(what: str, values: list[float]) -> str:
        return (
            f"  {what:<30} median {statistics.median(values):6.2f} s"
            f"   min {min(values):6.2f} s   max {max(values):6.2f} s"
        )

    print(f"deploy (10 MB WAR into Tomcat 10.1, {len(bare)} rounds, this machine)")
    print(line("bare manager call (exec+curl)", bare))
    print(line(f"{label} (deploy, list, probe)", driven))
    print(line("probe (curl from inside)", probes))
    # the driver's exec probes the path itself (the DEPLOY executor takes that status for
    # its first probe): its time already holds the verification the target budgets for
    budget = 1.5 * statistics.median(bare) + statistics.median(probes)
    total = statistics.median(driven)
    print(f"  {label} {total:.2f} s vs target 1.5 x bare + probe = {budget:.2f} s")
