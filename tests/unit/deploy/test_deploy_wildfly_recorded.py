"""The WildFly driver against a fake container: a stand-in for the deployment scanner on
the volume's directory (marker files, as WildFly's ``FileSystemDeploymentService`` writes
them) and management answers in WildFly's documented shapes. Not a real server: the driver
is not yet verified against one."""

from __future__ import annotations

import json
import tarfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from core_monitor.deploy.driver import ExecResult, Release
from core_monitor.deploy.drivers import DRIVERS
from core_monitor.deploy.drivers.base import DriverFailed
from core_monitor.deploy.drivers.wildfly_api import deployment_name, parse_outcome
from core_monitor.domain.deploy import (
    Artifact,
    ArtifactKind,
    DeployTarget,
    TargetKind,
    WildflySettings,
)

CONTENT = "/opt/jboss/wildfly/standalone/deployments"
APP = f"{CONTENT}/app.war"
NOT_FOUND = {
    "outcome": "failed",
    "failure-description": (
        'WFLYCTL0216: Management resource \'[("deployment" => "app.war")]\' not found'
    ),
    "rolled-back": True,
}
REASON = b'{"WFLYCTL0080: Failed services" => {"jboss.deployment.unit.\\"app.war\\"": "x.Y"}}'


class FakeWildfly:
    """A container whose volume holds ``files`` and whose server keeps ``deployments`` (name
    → status) in memory, as WildFly keeps its management model. The scanner runs when the
    driver looks for its answer: a ``.dodeploy`` becomes ``.deployed`` (or ``.failed`` with
    its reason). ``recreate`` loses the memory and boots as WildFly does: a ``.deployed``
    marker without its deployment becomes a ``.dodeploy``, then the scanner deploys it."""

    def __init__(self, scanner: str = "deployed", refusing: int = 0) -> None:
        self.files: dict[str, bytes] = {}
        self.deployments: dict[str, str] = {}
        self.asked: list[str] = []  # management operations
        self.removed: list[str] = []
        self.scanner, self.refusing = scanner, refusing

    def run(
        self, argv: Sequence[str], *, stdin: BinaryIO | None = None, timeout: float = 60.0
    ) -> ExecResult:
        if argv[:2] == ["sh", "-c"]:
            return self._script(argv[2], list(argv[4:]), stdin)
        if argv[0] == "rm":
            for path in argv[2:]:
                self._remove(path)
            return ExecResult(0, b"")
        if argv[0] == "cat":
            found = self.files.get(argv[1])
            return ExecResult(0, found) if found is not None else ExecResult(1, b"No such file")
        if argv[0] == "test":
            return ExecResult(0 if argv[2] in self.files else 1, b"")
        raise AssertionError(f"unexpected command {argv}")

    def put_archive(self, directory: str, tar: BinaryIO) -> None:
        with tarfile.open(fileobj=tar) as archive:
            for member in archive.getmembers():
                data = archive.extractfile(member)
                self.files[f"{directory}/{member.name}"] = data.read() if data else b""

    def recreate(self) -> None:
        self.deployments.clear()
        for path in [p for p in self.files if p.endswith(".deployed")]:
            del self.files[path]
            self.files[path.removesuffix(".deployed") + ".dodeploy"] = b""
        self._scan()

    def _script(self, script: str, args: list[str], stdin: BinaryIO | None) -> ExecResult:
        if "curl" in script:
            return self._curl(args[4:], stdin)
        if ".dodeploy" in script and "mv -f" in script:  # the drop
            name, hidden = args
            for suffix in (".failed", ".undeployed"):
                self._remove(name + suffix)
            self.files[name] = self.files.pop(hidden)
            self.files[f"{name}.dodeploy"] = b""
            return ExecResult(0, b"")
        if ".isdeploying" in script:  # has the scanner answered?
            self._scan()
            name = args[0]
            done = any(f"{name}{s}" in self.files for s in (".deployed", ".failed"))
            return ExecResult(0 if done and f"{name}.dodeploy" not in self.files else 1, b"")
        if "printf" in script:
            self.files[args[0]] = args[1].encode() + b"\n"
            return ExecResult(0, b"")
        if 'cat "$1"' in script:  # what the target serves
            marker, archive = args
            served = archive in self.files and not any(
                f"{archive}{s}" in self.files for s in (".failed", ".undeployed")
            )
            found = self.files.get(marker) if served else None
            return ExecResult(0, found) if found is not None else ExecResult(1, b"")
        raise AssertionError(f"unexpected script {script!r}")

    def _scan(self) -> None:
        for path in [p for p in self.files if p.endswith(".dodeploy")]:
            name = path.removesuffix(".dodeploy")
            del self.files[path]
            base = name.rsplit("/", 1)[1]
            if self.scanner == "failed":
                self._remove(f"{name}.deployed")
                self.files[f"{name}.failed"] = REASON
                self.deployments[base] = "FAILED"
            else:
                self.files[f"{name}.deployed"] = base.encode()
                self.deployments[base] = "OK"

    def _remove(self, path: str) -> None:
        if self.files.pop(path, None) is not None:
            self.removed.append(path)

    def _curl(self, args: list[str], stdin: BinaryIO | None) -> ExecResult:
        assert "--digest" in args and args[-1] == "http://127.0.0.1:9990/management"
        assert stdin is not None
        # the credentials come first on stdin, never on the command line
        assert stdin.readline() == b'user = "admin:pw"\n'
        assert not any("pw" in arg for arg in args)
        if self.refusing:
            self.refusing -= 1
            return ExecResult(7, b"curl: (7) Failed to connect to 127.0.0.1 port 9990")
        operation: dict[str, Any] = json.loads(stdin.read())
        self.asked.append(operation["operation"])
        assert operation["operation"] == "read-attribute" and operation["name"] == "status"
        status = self.deployments.get(operation["address"][0]["deployment"])
        answer = NOT_FOUND if status is None else {"outcome": "success", "result": status}
        return ExecResult(0, f"{json.dumps(answer)}\n{200 if status else 500}".encode())


def _release(tmp_path: Path, deployment_id: str = "d42", body: bytes = b"PK war") -> Release:
    content = tmp_path / f"{deployment_id}.war"
    content.write_bytes(body)
    artifact = Artifact(
        sha256="1" * 64,
        kind=ArtifactKind.WAR,
        filename="app.war",
        size=len(body),
        uploaded_by="t",
        uploaded_at=datetime.now(UTC),
    )
    return Release(deployment_id, "/app", artifact, content, ready_seconds=5)


MANAGED = DeployTarget(
    service="wf", settings=WildflySettings(management_user="admin", management_password="pw")
)
SCANNED = DeployTarget(service="wf", settings=WildflySettings())
DRIVER = DRIVERS[TargetKind.WILDFLY]


def _deploy(box: FakeWildfly, target: DeployTarget, release: Release, said: list[str]) -> bool:
    DRIVER.transfer(box, target, release, said.append)
    assert DRIVER.activate(box, target, release, said.append) is None
    return DRIVER.verify(box, target, release, said.append).ok


def test_a_deploy_is_the_archive_and_a_dodeploy_on_the_volume(tmp_path: Path) -> None:
    box = FakeWildfly()
    assert _deploy(box, MANAGED, _release(tmp_path), [])
    assert box.files[APP] == b"PK war"
    assert f"{APP}.deployed" in box.files
    assert box.files[f"{CONTENT}/.coremon-app.war.deployment"] == b"d42\n"
    assert box.asked == ["read-attribute"]  # the API is read, never deployed through
    assert DRIVER.current(box, MANAGED, "/app") == "d42"


def test_a_recreated_container_serves_the_recorded_deployment_again(tmp_path: Path) -> None:
    """The deployment lives on the volume: a new container (no deployments in its memory)
    deploys it again at boot, and the drift check finds what our records say."""
    box = FakeWildfly()
    assert _deploy(box, MANAGED, _release(tmp_path), [])
    box.recreate()
    assert DRIVER.current(box, MANAGED, "/app") == "d42"
    assert DRIVER.verify(box, MANAGED, _release(tmp_path), print).ok
    assert box.deployments == {"app.war": "OK"}


def test_a_new_release_replaces_the_served_one_without_undeploying_it(tmp_path: Path) -> None:
    box = FakeWildfly()
    assert _deploy(box, MANAGED, _release(tmp_path), [])
    assert _deploy(box, MANAGED, _release(tmp_path, "d43", b"PK war 2"), [])
    assert f"{APP}.deployed" not in box.removed  # removing it would undeploy the old one
    assert box.files[APP] == b"PK war 2"
    assert DRIVER.current(box, MANAGED, "/app") == "d43"


def test_the_scanners_failure_is_said_with_its_reason(tmp_path: Path) -> None:
    box = FakeWildfly(scanner="failed")
    with pytest.raises(DriverFailed, match="WFLYCTL0080"):
        _deploy(box, MANAGED, _release(tmp_path), [])
    assert DRIVER.current(box, MANAGED, "/app") is None
    verdict = DRIVER.verify(box, MANAGED, _release(tmp_path), print)
    assert not verdict.ok and "status FAILED" in verdict.message


def test_a_management_api_still_starting_is_waited_for(tmp_path: Path) -> None:
    box, said = FakeWildfly(refusing=2), list[str]()
    assert _deploy(box, MANAGED, _release(tmp_path), said)
    assert (
        "waiting for WildFly's management API at http://127.0.0.1:9990/management (up to 5 s)"
        in said
    )


def test_without_credentials_the_markers_say_it_all(tmp_path: Path) -> None:
    box = FakeWildfly()
    assert _deploy(box, SCANNED, _release(tmp_path), [])
    assert box.asked == []
    assert DRIVER.current(box, SCANNED, "/app") == "d42"
    box.files[f"{APP}.undeployed"] = b""  # undeployed by hand (the console, the CLI)
    assert DRIVER.current(box, SCANNED, "/app") is None


def test_refused_credentials_are_said() -> None:
    outcome = parse_outcome(401, "<html><body>401 - Unauthorized</body></html>")
    assert not outcome.ok and "credentials" in outcome.message


def test_deployment_names() -> None:
    assert deployment_name("/", ArtifactKind.WAR) == "ROOT.war"
    assert deployment_name("/shop", ArtifactKind.EAR) == "shop.ear"
    static = Artifact(
        sha256="1" * 64,
        kind=ArtifactKind.STATIC,
        filename="s.zip",
        size=1,
        uploaded_by="t",
        uploaded_at=datetime.now(UTC),
    )
    refused = DRIVER.preflight(MANAGED, static, "/a/b")
    assert [error.path for error in refused] == ["artifact", "path"]
