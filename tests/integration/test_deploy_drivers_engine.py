"""The nginx and Tomcat drivers on a real engine, against the images built from Debian
packages (scripts/build-middleware-images.sh), through the docker-py ContainerAccess:
transfer → activate → verify → current, and what a client of the published port sees.

nginx: v1 served, v2 served, v1 again (a new deployment of the same artifact), releases
pruned to ``keep_releases`` (never the current or previous one). Tomcat: v1, v2, a broken
WAR answered ``FAIL - …`` (the deploy fails with Tomcat's words, the verdict is not ok),
v2 again, then the container recreated on the same volume still serves v2 and ``current``
still names it. Without manager credentials the WAR is dropped into webapps."""

from __future__ import annotations

import hashlib
import io
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core_monitor.deploy.driver import Driver, Release, Verdict
from core_monitor.deploy.drivers import DRIVERS
from core_monitor.deploy.drivers.base import DriverFailed
from core_monitor.domain.deploy import (
    Artifact,
    ArtifactKind,
    DeployTarget,
    NginxSettings,
    TargetKind,
    TomcatSettings,
)
from core_monitor.engine.docker.exec import DockerContainerAccess, container_access
from core_monitor.engine.docker.gateway import DockerGateway
from tests.support.docker_probe import docker, require_docker
from tests.support.helpers import missing

pytestmark = pytest.mark.docker

NGINX_IMAGE = "coremon-test/nginx:latest"
TOMCAT_IMAGE = "coremon-test/tomcat:latest"
SITE_CONF = (
    "server { listen 80; location / { root /srv/sites/default/current; index index.html; } }"
)
JAKARTA_WEB_XML = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0">'
    "<display-name>t</display-name></web-app>\n"
)
MANAGER = ("deployer", "s3cret-\"quoted'&<pass>")


# -- artifacts ----------------------------------------------------------------------------
def _artifact(path: Path, kind: ArtifactKind) -> Artifact:
    data = path.read_bytes()
    return Artifact(
        sha256=hashlib.sha256(data).hexdigest(),
        kind=kind,
        filename=path.name,
        size=len(data),
        uploaded_by="test",
        uploaded_at=datetime.now(UTC),
    )


def site_tgz(path: Path, text: str, top: str = "") -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in {"index.html": text, "css/site.css": "body{}"}.items():
            info = tarfile.TarInfo(f"{top}{name}")
            info.size = len(data.encode())
            tar.addfile(info, io.BytesIO(data.encode()))
    return path


def war(path: Path, text: str, web_xml: str = JAKARTA_WEB_XML) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("index.html", text)
        archive.writestr("WEB-INF/web.xml", web_xml)
    return path


def release(content: Path, kind: ArtifactKind, path: str) -> Release:
    return Release(f"d{uuid.uuid4().hex[:12]}", path, _artifact(content, kind), content)


def deploy(
    driver: Driver, box: DockerContainerAccess, target: DeployTarget, rel: Release
) -> Verdict:
    lines: list[str] = []
    driver.transfer(box, target, rel, lines.append)
    driver.activate(box, target, rel, lines.append)
    return driver.verify(box, target, rel, lines.append)


# -- containers ---------------------------------------------------------------------------
def host_port(container: str, port: int) -> str:
    return docker("port", container, str(port)).splitlines()[0].strip()


def fetch(address: str, path: str) -> str:
    try:
        with urllib.request.urlopen(f"http://{address}{path}", timeout=10) as answer:
            return str(answer.read().decode())
    except urllib.error.HTTPError as exc:
        return f"HTTP {exc.code}"


def eventually(check: Callable[[], bool], seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.5)


@pytest.fixture
def prefix() -> Iterator[str]:
    require_docker()
    for image in (NGINX_IMAGE, TOMCAT_IMAGE):
        if subprocess.run(["docker", "image", "inspect", image], capture_output=True).returncode:
            missing(f"{image} absent: run scripts/build-middleware-images.sh")
    name = f"coremon-ddrv-{uuid.uuid4().hex[:8]}"
    yield name
    ids = docker("ps", "-aq", "--filter", f"name={name}").split()
    if ids:
        docker("rm", "-f", *ids)
    subprocess.run(["docker", "volume", "rm", f"{name}-content"], capture_output=True)


@pytest.fixture
def gateway() -> Iterator[DockerGateway]:
    gw = DockerGateway()
    yield gw
    gw.close()


def run_nginx(prefix: str) -> str:
    script = (
        f"printf '%s' '{SITE_CONF}' > /etc/nginx/conf.d/default.conf && exec nginx -g 'daemon off;'"
    )
    docker(
        "run", "-d", "--name", f"{prefix}-nginx", "-p", "127.0.0.1::80",
        "-v", f"{prefix}-content:/srv/sites", NGINX_IMAGE, "sh", "-c", script,
    )  # fmt: skip
    return f"{prefix}-nginx"


def run_tomcat(prefix: str, name: str, manager: bool = True) -> str:
    env = ["-e", f"TOMCAT_MANAGER_USER={MANAGER[0]}", "-e", f"TOMCAT_MANAGER_PASSWORD={MANAGER[1]}"]
    docker(
        "run", "-d", "--name", name, "-p", "127.0.0.1::8080",
        "-v", f"{prefix}-content:/usr/local/tomcat/webapps", *(env if manager else []),
        TOMCAT_IMAGE,
    )  # fmt: skip
    return name


def tomcat_up(box: DockerContainerAccess) -> None:
    probe = ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:8080/"]
    eventually(lambda: box.run(probe).output not in (b"000", b""), seconds=90)


# -- nginx --------------------------------------------------------------------------------
def test_nginx_serves_each_release_and_prunes(
    prefix: str, gateway: DockerGateway, tmp_path: Path
) -> None:
    container = run_nginx(prefix)
    box = container_access(gateway, container)
    address = host_port(container, 80)
    nginx = DRIVERS[TargetKind.NGINX]
    target = DeployTarget(service="web", settings=NginxSettings(keep_releases=2))
    v1 = site_tgz(tmp_path / "v1.tar.gz", "site v1", top="site/")
    v2 = site_tgz(tmp_path / "v2.tar.gz", "site v2")

    deployed = []
    for content, text in [(v1, "site v1"), (v2, "site v2"), (v1, "site v1")]:
        rel = release(content, ArtifactKind.STATIC, "default")
        verdict = deploy(nginx, box, target, rel)
        assert verdict.ok, verdict.message
        assert fetch(address, "/") == text
        assert nginx.current(box, target, "default") == rel.deployment_id
        deployed.append(rel.deployment_id)

    kept = box.run(["ls", "/srv/sites/default/releases"]).output.decode().split()
    # keep 2: the current one and the previous one; the first is pruned
    assert sorted(kept) == sorted(deployed[1:])
    assert fetch(address, "/css/site.css") == "body{}"


def test_nginx_refuses_an_archive_leaving_the_site(
    prefix: str, gateway: DockerGateway, tmp_path: Path
) -> None:
    container = run_nginx(prefix)
    box = container_access(gateway, container)
    bad = tmp_path / "bad.tar.gz"
    with tarfile.open(bad, "w:gz") as tar:
        info = tarfile.TarInfo("../escape.html")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    target = DeployTarget(service="web", settings=NginxSettings())
    with pytest.raises(DriverFailed, match="outside"):
        deploy(DRIVERS[TargetKind.NGINX], box, target, release(bad, ArtifactKind.STATIC, "default"))
    assert box.run(["test", "-e", "/srv/sites/escape.html"]).exit_code != 0


# -- Tomcat -------------------------------------------------------------------------------
def test_tomcat_manager_deploys_fails_with_its_words_and_survives_a_recreate(
    prefix: str, gateway: DockerGateway, tmp_path: Path
) -> None:
    container = run_tomcat(prefix, f"{prefix}-tomcat")
    box = container_access(gateway, container)
    tomcat_up(box)
    tomcat = DRIVERS[TargetKind.TOMCAT]
    settings = TomcatSettings(manager_user=MANAGER[0], manager_password=MANAGER[1])
    target = DeployTarget(service="app", settings=settings)

    for text in ("app v1", "app v2"):
        good = release(war(tmp_path / f"{text[-2:]}.war", text), ArtifactKind.WAR, "/app")
        verdict = deploy(tomcat, box, target, good)
        assert verdict.ok, verdict.message
        assert fetch(host_port(container, 8080), "/app/") == text
        assert tomcat.current(box, target, "/app") == good.deployment_id

    broken = release(war(tmp_path / "broken.war", "x", "<web-app><oops"), ArtifactKind.WAR, "/app")
    with pytest.raises(DriverFailed, match=r"^FAIL - .*context failed to start"):
        deploy(tomcat, box, target, broken)
    verdict = tomcat.verify(box, target, broken, print)
    assert not verdict.ok and "stopped" in verdict.message
    assert tomcat.current(box, target, "/app") is None  # half-way: no deployment claimed

    again = release(tmp_path / "v2.war", ArtifactKind.WAR, "/app")
    assert deploy(tomcat, box, target, again).ok
    assert fetch(host_port(container, 8080), "/app/") == "app v2"

    docker("rm", "-f", container)
    recreated = run_tomcat(prefix, f"{prefix}-tomcat2")
    box2 = container_access(gateway, recreated)
    tomcat_up(box2)
    assert tomcat.current(box2, target, "/app") == again.deployment_id
    eventually(lambda: fetch(host_port(recreated, 8080), "/app/") == "app v2")
    assert tomcat.verify(box2, target, again, print).ok


def test_tomcat_without_manager_drops_the_war_into_webapps(
    prefix: str, gateway: DockerGateway, tmp_path: Path
) -> None:
    container = run_tomcat(prefix, f"{prefix}-tomcat", manager=False)
    box = container_access(gateway, container)
    tomcat_up(box)
    tomcat = DRIVERS[TargetKind.TOMCAT]
    target = DeployTarget(service="app", settings=TomcatSettings())
    rel = release(war(tmp_path / "ROOT.war", "root v1"), ArtifactKind.WAR, "/")
    verdict = deploy(tomcat, box, target, rel)
    assert verdict.ok, verdict.message
    assert fetch(host_port(container, 8080), "/") == "root v1"
    assert tomcat.current(box, target, "/") == rel.deployment_id


def test_nginx_rerun_after_a_crash_mid_transfer_converges(
    prefix: str, gateway: DockerGateway, tmp_path: Path
) -> None:
    container = run_nginx(prefix)
    box = container_access(gateway, container)
    nginx = DRIVERS[TargetKind.NGINX]
    target = DeployTarget(service="web", settings=NginxSettings())
    rel = release(site_tgz(tmp_path / "v1.tar.gz", "site v1"), ArtifactKind.STATIC, "default")
    # a transfer killed half-way left a partial release behind: never served, redone
    partial = f"/srv/sites/default/releases/{rel.deployment_id}.partial"
    docker("exec", container, "sh", "-c", f"mkdir -p {partial} && echo torn > {partial}/index.html")
    lines: list[str] = []
    nginx.transfer(box, target, rel, lines.append)
    nginx.transfer(box, target, rel, lines.append)  # the re-run finds it whole and keeps it
    assert "already unpacked" in lines[-1]
    assert deploy(nginx, box, target, rel).ok
    assert fetch(host_port(container, 80), "/") == "site v1"


def test_the_tomcat_image_keeps_its_manager_to_localhost(prefix: str) -> None:
    network = f"{prefix}-net"
    docker("network", "create", network)
    try:
        docker(
            "run", "-d", "--name", f"{prefix}-tomcat", "--network", network,
            "--network-alias", "tomcat", "-e", "TOMCAT_MANAGER_USER=u",
            "-e", "TOMCAT_MANAGER_PASSWORD=p", TOMCAT_IMAGE,
        )  # fmt: skip
        url = "http://u:p@tomcat:8080/manager/text/list"
        script = (
            f"for i in $(seq 60); do wget -S -O- {url} 2>&1 | grep -q 'HTTP/1.1 [0-9]' && break"
            f"; sleep 1; done; wget -S -O- {url} 2>&1"
        )
        answer = subprocess.run(
            ["docker", "run", "--rm", "--name", f"{prefix}-peer", "--network", network,
             "coremon-test/busybox:latest", "sh", "-c", script],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert "403" in answer.stdout, answer.stdout
        local = docker(
            "exec", f"{prefix}-tomcat", "curl", "-s", "-u", "u:p",
            "http://127.0.0.1:8080/manager/text/list",
        )  # fmt: skip
        assert local.startswith("OK - Listed applications")
        layout = docker("exec", f"{prefix}-tomcat", "ls", "/usr/local/tomcat", "webapps")
        assert {"webapps", "webapps.dist", "conf", "bin", "lib"} <= set(layout.split())
    finally:
        subprocess.run(["docker", "rm", "-f", f"{prefix}-tomcat"], capture_output=True)
        subprocess.run(["docker", "network", "rm", network], capture_output=True)
