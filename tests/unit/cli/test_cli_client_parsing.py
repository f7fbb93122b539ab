"""The client CLI's pure parts: durations, server-sent events, problem+json as lines, the
exit code of an HTTP status, and what `stack wait` calls converged and healthy."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import typer

from core_monitor.cli.client.exits import CliError, ExitCode, exit_for_status
from core_monitor.cli.client.http import problem_lines
from core_monitor.cli.client.wait import (
    Event,
    converged,
    events,
    healthy,
    parse_duration,
    stream_ended,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90),
        ("30s", 30),
        ("5m", 300),
        ("1h", 3600),
        ("5m0s", 300),
        ("1m30s", 90),
        ("0.5", 0.5),
        (300.0, 300),
    ],
)
def test_durations(text: str | float, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "5x", "m5", "0", "-1", "5 m", "1h-5m"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(typer.BadParameter):
        parse_duration(text)


def test_server_sent_events_and_keep_alives() -> None:
    lines = [
        "id: 3",
        "event: log",
        'data: {"a":',
        "data: 1}",
        "",
        ": keep-alive",
        "",
        "event: end",
        "data: {}",
        "",
    ]
    assert list(events(lines)) == [Event("log", '{"a":\n1}', "3"), None, Event("end", "{}", None)]


def test_a_stream_ended_by_a_revoked_credential_is_a_usage_error() -> None:
    stream_ended('{"status": "DONE"}')
    with pytest.raises(CliError) as caught:
        stream_ended('{"reason": "your credential was revoked or expired"}')
    assert caught.value.code == ExitCode.USAGE and "revoked" in caught.value.lines[0]


def _response(status: int, body: Any) -> httpx.Response:
    return httpx.Response(status, json=body)


def test_problem_lines_one_per_error_path() -> None:
    body = {
        "title": "Validation failed",
        "detail": "x",
        "errors": [
            {"path": "services.web.ports[0]", "message": "invalid port"},
            {"path": "", "message": "empty file"},
            {"path": "services.db.privileged", "message": "forbidden", "rule": "privileged"},
        ],
    }
    assert problem_lines(_response(422, body)) == [
        "services.web.ports[0]: invalid port",
        "body: empty file",
        "services.db.privileged: forbidden [privileged]",
    ]
    assert problem_lines(_response(409, {"title": "Conflict", "detail": "name taken"})) == [
        "Conflict: name taken"
    ]
    assert problem_lines(httpx.Response(502, text="<html>" * 100))[0].startswith("HTTP 502: ")
    many = {"errors": [{"path": f"p{i}", "message": "m"} for i in range(500)]}
    assert len(problem_lines(_response(422, many))) == 50


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, 2),
        (401, 2),
        (404, 2),
        (403, 4),
        (409, 4),
        (413, 4),
        (422, 4),
        (429, 4),
        (500, 1),
        (502, 1),
        (503, 1),
    ],
)
def test_exit_code_of_a_status(status: int, code: int) -> None:
    assert exit_for_status(status) == code


def _status(**overrides: Any) -> dict[str, Any]:
    container = {"state": "running", "health": "healthy"}
    base = {
        "status": "RUNNING",
        "current_version": 2,
        "desired_version": 2,
        "drift": [],
        "services": [{"containers": [container]}],
    }
    return base | overrides


def test_converged_and_healthy() -> None:
    assert converged(_status()) and healthy(_status())
    assert not converged(_status(current_version=1))
    assert not converged(_status(current_version=None, desired_version=None))
    assert not converged(_status(drift=[{"kind": "create_container"}]))
    starting = {"state": "running", "health": "starting"}
    assert not healthy(_status(services=[{"containers": [starting]}]))
    assert not healthy(_status(services=[]))
    assert not healthy(_status(status="DEGRADED"))
    no_check = {"state": "running", "health": None}
    assert healthy(_status(services=[{"containers": [no_check]}]))
