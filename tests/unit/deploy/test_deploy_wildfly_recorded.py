"""The WildFly driver against management answers in WildFly's documented shapes, through a
fake container that answers the driver's curl invocations (not a real server: the driver is
not yet verified against one). Also its deployment-scanner fallback with marker files."""

from __future__ import annotations

import base64
import hashlib
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

NOT_FOUND = {
    "outcome": "failed",
    "failure-description": (
        'WFLYCTL0216: Management resource \'[("deployment" => "app.war")]\' not found'
    ),
    "rolled-back": True,
}
COMPOSITE_OK = {
    "outcome": "success",
    "result": {"step-1": {"outcome": "success"}, "step-2": {"outcome": "success"}},
}
COMPOSITE_FAILED = {
    "outcome": "failed",
    "failure-description": {
        "WFLYCTL0062: Composite operation failed and was rolled back. Steps that failed:": {
            "Operation step-2": {
                "WFLYCTL0080: Failed services": {
                    'jboss.deployment.unit."app.war".undertow-deployment': (
                        "java.lang.RuntimeException: java.lang.ClassNotFoundException: x.Y"
                    )
                }
            }
        }
    },
    "rolled-back": True,
}
STATUS_OK = {"outcome": "success", "result": "OK"}
STATUS_FAILED = {"outcome": "success", "result": "FAILED"}


class FakeWildfly:
    """Answers the driver's commands: curl to the management API from a script of answers,
    the few file commands (rm, cat, test, the marker write, the scanner drop) on a dict."""

    def __init__(self, answers: dict[str, list[tuple[int, Any]]], scanner: str = "deployed"):
        self.answers = answers  # operation name (or "add-content") → answers, in order
        self.files: dict[str, bytes] = {}
        self.asked: list[dict[str, Any]] = []
        self.scanner = scanner

    def run(
        self, argv: Sequence[str], *, stdin: BinaryIO | None = None, timeout: float = 60.0
    ) -> ExecResult:
        if argv[:2] == ["sh", "-c"] and "curl" in argv[2]:
            return self._curl(list(argv[7:]), stdin)
        if argv[:2] == ["sh", "-c"] and ".dodeploy" in argv[2]:
            name, hidden = argv[4], argv[5]
            self.files[name] = self.files.pop(hidden)
            reason = b"WFLYSRV0153: Failed to process phase" if self.scanner == "failed" else b""
            self.files[f"{name}.{self.scanner}"] = reason
            return ExecResult(0, b"")
        if argv[:2] == ["sh", "-c"] and "printf" in argv[2]:
            self.files[argv[4]] = argv[5].encode() + b"\n"
            return ExecResult(0, b"")
        if argv[:2] == ["sh", "-c"]:  # has the scanner answered?
            markers = (f"{argv[4]}.deployed", f"{argv[4]}.failed")
            return ExecResult(0 if any(m in self.files for m in markers) else 1, b"")
        if argv[0] == "rm":
            for path in argv[2:]:
                self.files.pop(path, None)
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

    def _curl(self, args: list[str], stdin: BinaryIO | None) -> ExecResult:
        assert "--digest" in args
        assert stdin is not None
        # the credentials come first on stdin, never on the command line
        assert stdin.readline() == b'user = "admin:pw"\n'
        assert not any("pw" in arg for arg in args)
        url, data = args[-1], stdin.read()
        if url.endswith("/management/add-content"):
            key = "add-content"
            self.asked.append({"operation": key, "size": len(data)})
        else:
            operation = json.loads(data)
            self.asked.append(operation)
            key = operation["operation"]
        status, body = self.answers[key].pop(0)
        return ExecResult(0, f"{json.dumps(body)}\n{status}".encode())


def _release(tmp_path: Path, kind: ArtifactKind = ArtifactKind.WAR) -> tuple[Release, str]:
    content = tmp_path / "app.war"
    content.write_bytes(b"PK fake war")
    digest = base64.b64encode(hashlib.sha1(content.read_bytes()).digest()).decode()
    artifact = Artifact(
        sha256="1" * 64,
        kind=kind,
        filename="app.war",
        size=11,
        uploaded_by="t",
        uploaded_at=datetime.now(UTC),
    )
    return Release("d42", "/app", artifact, content), digest


MANAGED = DeployTarget(
    service="wf", settings=WildflySettings(management_user="admin", management_password="pw")
)
CONTENT = "/opt/jboss/wildfly/standalone/deployments"


def _deploy(box: FakeWildfly, target: DeployTarget, release: Release) -> bool:
    driver = DRIVERS[TargetKind.WILDFLY]
    driver.transfer(box, target, release, print)
    driver.activate(box, target, release, print)
    return driver.verify(box, target, release, print).ok


def test_a_first_deploy_is_add_content_then_a_composite_add_and_deploy(tmp_path: Path) -> None:
    release, digest = _release(tmp_path)
    added = {"outcome": "success", "result": {"BYTES_VALUE": digest}}
    box = FakeWildfly(
        {
            "add-content": [(200, added)],
            "read-attribute": [(500, NOT_FOUND), (200, STATUS_OK), (200, STATUS_OK)],
            "composite": [(200, COMPOSITE_OK)],
        }
    )
    assert _deploy(box, MANAGED, release)
    composite = next(op for op in box.asked if op["operation"] == "composite")
    assert [step["operation"] for step in composite["steps"]] == ["add", "deploy"]
    assert composite["steps"][0]["content"] == [{"hash": {"BYTES_VALUE": digest}}]
    assert DRIVERS[TargetKind.WILDFLY].current(box, MANAGED, "/app") == "d42"


def test_an_existing_deployment_is_fully_replaced(tmp_path: Path) -> None:
    release, digest = _release(tmp_path)
    box = FakeWildfly(
        {
            "add-content": [(200, {"outcome": "success", "result": {"BYTES_VALUE": digest}})],
            "read-attribute": [(200, STATUS_OK), (200, STATUS_OK)],
            "full-replace-deployment": [(200, {"outcome": "success"})],
        }
    )
    assert _deploy(box, MANAGED, release)
    replace = next(op for op in box.asked if op["operation"] == "full-replace-deployment")
    assert replace["name"] == "app.war" and replace["enabled"] is True


def test_a_failed_composite_fails_with_wildflys_words(tmp_path: Path) -> None:
    release, digest = _release(tmp_path)
    box = FakeWildfly(
        {
            "add-content": [(200, {"outcome": "success", "result": {"BYTES_VALUE": digest}})],
            "read-attribute": [(500, NOT_FOUND), (200, STATUS_FAILED), (200, STATUS_FAILED)],
            "composite": [(500, COMPOSITE_FAILED)],
        }
    )
    with pytest.raises(DriverFailed, match=r"WFLYCTL0062.*ClassNotFoundException: x\.Y"):
        _deploy(box, MANAGED, release)
    assert DRIVERS[TargetKind.WILDFLY].current(box, MANAGED, "/app") is None
    verdict = DRIVERS[TargetKind.WILDFLY].verify(box, MANAGED, release, print)
    assert not verdict.ok and "FAILED" in verdict.message


def test_a_hash_that_differs_is_refused(tmp_path: Path) -> None:
    release, _ = _release(tmp_path)
    box = FakeWildfly(
        {"add-content": [(200, {"outcome": "success", "result": {"BYTES_VALUE": "AAAA"}})]}
    )
    with pytest.raises(DriverFailed, match="hash"):
        DRIVERS[TargetKind.WILDFLY].transfer(box, MANAGED, release, print)


def test_refused_credentials_are_said(tmp_path: Path) -> None:
    outcome = parse_outcome(401, "<html><body>401 - Unauthorized</body></html>")
    assert not outcome.ok and "credentials" in outcome.message


def test_the_scanner_fallback_reads_its_marker_files(tmp_path: Path) -> None:
    release, _ = _release(tmp_path)
    target = DeployTarget(service="wf", settings=WildflySettings())
    box = FakeWildfly({})
    assert _deploy(box, target, release)
    assert f"{CONTENT}/app.war" in box.files
    assert DRIVERS[TargetKind.WILDFLY].current(box, target, "/app") == "d42"

    failing = FakeWildfly({}, scanner="failed")
    with pytest.raises(DriverFailed, match="WFLYSRV0153"):
        _deploy(failing, target, release)


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
    refused = DRIVERS[TargetKind.WILDFLY].preflight(MANAGED, static, "/a/b")
    assert [error.path for error in refused] == ["artifact", "path"]
