"""Waiting for a middleware that does not listen yet (a Tomcat an APPLY just started): the
retry rule (only a refused connection is waited for, a bounded time, said in the log) and
the Tomcat driver's one-exec deploy (deploy, marker, list) against a scripted container."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import pytest

from core_monitor.deploy.driver import ExecResult, Release, Verdict
from core_monitor.deploy.drivers import DRIVERS
from core_monitor.deploy.drivers.base import THEN, DriverFailed, refused, when_listening
from core_monitor.domain.deploy import (
    Artifact,
    ArtifactKind,
    DeployTarget,
    TargetKind,
    TomcatSettings,
)

REFUSED = ExecResult(7, b"curl: (7) Failed to connect to 127.0.0.1 port 8080: Connection refused")
DEPLOYED = b"OK - Deployed application at context path [/app]\n200"
LISTED = b"OK - Listed applications for virtual host [localhost]\n/app:running:0:app\n200"


@pytest.mark.parametrize(
    ("result", "retried"),
    [
        (REFUSED, True),
        (ExecResult(0, b"<html>401</html>\n401"), False),  # an answer: the server's word
        (ExecResult(0, b"Not found\n404"), False),
        (ExecResult(28, b"curl: (28) Operation timed out"), False),  # not "not listening"
        (ExecResult(52, b"curl: (52) Empty reply from server"), False),
    ],
)
def test_only_a_refused_connection_is_waited_for(result: ExecResult, retried: bool) -> None:
    assert refused(result) is retried


class Clock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


def test_a_refusing_server_is_asked_again_with_a_backoff_and_the_wait_is_said() -> None:
    answers = [REFUSED, REFUSED, REFUSED, ExecResult(0, DEPLOYED)]
    clock, said = Clock(), list[str]()
    result = when_listening(lambda: answers.pop(0), 60, said.append, "X at u", clock, clock.sleep)
    assert result.exit_code == 0 and not answers
    assert clock.slept == [0.1, 0.2, 0.4]
    assert said == ["waiting for X at u (up to 60 s)", "X at u answers after 0.7 s"]


def test_the_wait_is_bounded() -> None:
    clock, said, calls = Clock(), list[str](), list[float]()

    def call() -> ExecResult:
        calls.append(clock.now)
        return REFUSED

    result = when_listening(call, 5, said.append, "X", clock, clock.sleep)
    assert refused(result)
    assert clock.now - 100.0 == pytest.approx(5.0)  # never sleeps past the bound
    assert max(clock.slept) == 1.0 and len(calls) == len(clock.slept) + 1
    assert said[-1] == "X still refuses connections after 5.0 s"


def test_an_answer_at_once_is_not_waited_for_nor_said() -> None:
    clock, said = Clock(), list[str]()
    answer = ExecResult(0, b"Not found\n404")
    assert when_listening(lambda: answer, 60, said.append, "X", clock, clock.sleep) is answer
    assert (clock.slept, said) == ([], [])


class ScriptedTomcat:
    """Answers the driver's execs, in order, from ``answers``; records what it was asked."""

    def __init__(self, *answers: ExecResult) -> None:
        self.answers = list(answers)
        self.asked: list[list[str]] = []

    def run(
        self, argv: Sequence[str], *, stdin: BinaryIO | None = None, timeout: float = 60.0
    ) -> ExecResult:
        self.asked.append(list(argv))
        assert stdin is not None and stdin.readline() == b'user = "deployer:pw"\n'
        return self.answers.pop(0)

    def put_archive(self, directory: str, tar: BinaryIO) -> None:
        raise AssertionError("the manager takes the WAR: nothing is copied")


TARGET = DeployTarget(
    service="app", settings=TomcatSettings(manager_user="deployer", manager_password="pw")
)


def _release(tmp_path: Path) -> Release:
    content = tmp_path / "app.war"
    content.write_bytes(b"PK war")
    artifact = Artifact(
        sha256="2" * 64,
        kind=ArtifactKind.WAR,
        filename="app.war",
        size=6,
        uploaded_by="t",
        uploaded_at=datetime.now(UTC),
    )
    return Release("d1", "/app", artifact, content, ready_seconds=30)


def _activate(box: ScriptedTomcat, tmp_path: Path, said: list[str]) -> Verdict | None:
    driver = DRIVERS[TargetKind.TOMCAT]
    release = _release(tmp_path)
    driver.transfer(box, TARGET, release, said.append)
    return driver.activate(box, TARGET, release, said.append)


def test_one_exec_deploys_records_lists_and_probes(tmp_path: Path) -> None:
    box = ScriptedTomcat(ExecResult(0, DEPLOYED + THEN + LISTED + THEN + b"200"))
    said = list[str]()
    verdict = _activate(box, tmp_path, said)
    assert verdict is not None and verdict.ok
    assert verdict.message == (
        "OK - Deployed application at context path [/app]; Tomcat lists /app as running"
    )
    assert len(box.asked) == 1 and box.asked[0][-1].endswith(
        "/manager/text/deploy?path=/app&update=true"
    )
    # the marker, its value, the success line, then the list and the probe asked after it
    assert box.asked[0][4:9] == [
        "/usr/local/tomcat/webapps/.coremon-app.deployment",
        "d1",
        "OK - ",
        "http://127.0.0.1:8080/manager/text/list",
        "http://127.0.0.1:8080/app/",
    ]
    assert verdict.probed == 200
    assert said == []


def test_a_context_that_does_not_run_after_an_ok_is_not_ok(tmp_path: Path) -> None:
    stopped = LISTED.replace(b"/app:running", b"/app:stopped")
    verdict = _activate(ScriptedTomcat(ExecResult(0, DEPLOYED + THEN + stopped)), tmp_path, [])
    assert verdict is not None and not verdict.ok
    assert "Tomcat lists /app as stopped" in verdict.message


def test_a_manager_still_starting_is_waited_for(tmp_path: Path) -> None:
    box, said = (
        ScriptedTomcat(REFUSED, REFUSED, ExecResult(0, DEPLOYED + THEN + LISTED)),
        list[str](),
    )
    verdict = _activate(box, tmp_path, said)
    assert verdict is not None and verdict.ok
    assert len(box.asked) == 3  # the WAR streamed again each time
    assert said[0] == (
        "waiting for Tomcat's manager at http://127.0.0.1:8080/manager/text/ (up to 30 s)"
    )
    assert said[1].startswith("Tomcat's manager at http://127.0.0.1:8080/manager/text/ answers")


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (b"<html>Unauthorized</html>\n401", "the manager refused the credentials (HTTP 401)"),
        (b"<html>Not Found</html>\n404", "the manager answered HTTP 404"),
        (b"FAIL - Application at context path [/app] could not be started\n200", "FAIL - "),
    ],
)
def test_an_answer_is_final_and_said(tmp_path: Path, answer: bytes, words: str) -> None:
    """Refused once (still starting), then an answer: never asked a third time."""
    box = ScriptedTomcat(REFUSED, ExecResult(0, answer))
    with pytest.raises(DriverFailed, match=words.replace("(", r"\(").replace(")", r"\)")):
        _activate(box, tmp_path, [])
    assert len(box.asked) == 2


def test_a_manager_that_never_listens_fails_with_curls_words(tmp_path: Path) -> None:
    release = replace(_release(tmp_path), ready_seconds=0)
    box = ScriptedTomcat(REFUSED)
    with pytest.raises(DriverFailed, match="the manager is unreachable: curl: \\(7\\)"):
        DRIVERS[TargetKind.TOMCAT].activate(box, TARGET, release, print)


def test_the_probe_in_the_deploys_exec_waits_as_long_as_the_executors() -> None:
    from core_monitor.deploy.drivers.base import _CURL
    from core_monitor.deploy.probe import ATTEMPT_SECONDS

    assert f'-m {ATTEMPT_SECONDS} "$probe"' in _CURL
