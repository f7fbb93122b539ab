"""Deploy test material: tiny artifacts built in the test, a fake driver and a fake
container (for the executor's pure tests), and a stack with a deploy target."""

from __future__ import annotations

import io
import tarfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import BinaryIO

from core_monitor.deploy.driver import ExecResult, Log, Release, Verdict
from core_monitor.domain.deploy import Artifact, ArtifactKind, DeployTarget, TargetKind

JAKARTA = b'<web-app xmlns="https://jakarta.ee/xml/ns/jakartaee" version="6.0"/>'
JAVAX = b'<web-app xmlns="http://xmlns.jcp.org/xml/ns/javaee" version="4.0"/>'

NGINX_STACK = """
services:
  web:
    image: nginx:1.27
    volumes: ["site:/srv/sites"]
    x-coremon-deploy: {kind: nginx}
  db:
    image: postgres:16
volumes:
  site: {}
"""

TOMCAT_STACK = """
services:
  app:
    image: tomcat:10.1
    volumes: ["apps:/usr/local/tomcat/webapps"]
    x-coremon-deploy: {kind: tomcat, manager_user: deployer, manager_password: "${PW}"}
volumes:
  apps: {}
"""


def site(version: str, extra: dict[str, bytes] | None = None) -> bytes:
    """A static site .tar.gz whose index.html says ``version``."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        for name, data in {"index.html": version.encode(), **(extra or {})}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def war(descriptor: bytes = JAKARTA, body: bytes = b"hello") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("WEB-INF/web.xml", descriptor)
        archive.writestr("index.html", body)
    return out.getvalue()


@dataclass
class FakeBox:
    """A container that answers the probe (curl) with ``status``."""

    status: dict[str, int] = field(default_factory=dict)  # url → HTTP status; default 200
    calls: list[list[str]] = field(default_factory=list)

    def run(
        self, argv: Sequence[str], *, stdin: BinaryIO | None = None, timeout: float = 60.0
    ) -> ExecResult:
        self.calls.append(list(argv))
        return ExecResult(0, str(self.status.get(argv[-1], 200)).encode())

    def put_archive(self, directory: str, tar: BinaryIO) -> None:
        raise AssertionError("the fake driver does not write archives")


@dataclass
class FakeDriver:
    """Serves what it activated; ``broken`` artifacts (by sha) fail verification.
    ``seen_at_activation``: activate answers the verdict itself (as Tomcat's manager does)."""

    kind: TargetKind = TargetKind.NGINX
    accepts: frozenset[ArtifactKind] = frozenset({ArtifactKind.STATIC})
    broken: set[str] = field(default_factory=set)
    active: dict[str, str] = field(default_factory=dict)  # path → deployment id
    steps: list[str] = field(default_factory=list)
    seen_at_activation: bool = False
    probed: int | None = None  # what activate's own probe saw (seen_at_activation)

    def preflight(self, target: DeployTarget, artifact: Artifact, path: str) -> list[object]:
        return []

    def transfer(self, box: object, target: DeployTarget, release: Release, log: Log) -> None:
        self.steps.append(f"transfer {release.deployment_id}")
        assert release.content.is_file()

    def activate(
        self, box: object, target: DeployTarget, release: Release, log: Log
    ) -> Verdict | None:
        self.steps.append(f"activate {release.deployment_id}")
        self.active[release.path] = release.deployment_id
        if not self.seen_at_activation:
            return None
        return replace(self._verdict(release), probed=self.probed)

    def verify(self, box: object, target: DeployTarget, release: Release, log: Log) -> Verdict:
        self.steps.append(f"verify {release.deployment_id}")
        return self._verdict(release)

    def _verdict(self, release: Release) -> Verdict:
        if release.artifact.sha256 in self.broken:
            return Verdict(False, "FAIL - context failed to start")
        return Verdict(True, "OK - running")

    def current(self, box: object, target: DeployTarget, path: str) -> str | None:
        self.steps.append(f"current {path}")
        return self.active.get(path)


def upload(client: object, filename: str, data: bytes, **form: str) -> dict[str, object]:
    """POST /artifacts; the answer's body (201 or 200 asserted)."""
    response = client.post(  # type: ignore[attr-defined]
        "/api/v1/artifacts", files={"file": (filename, data)}, data=form
    )
    assert response.status_code in (200, 201), response.text
    return dict(response.json())
