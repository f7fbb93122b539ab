"""The client CLI's running commands against the real app and a real Docker engine (a worker
in the app): `--wait` follows a command to its end (exit 0 DONE, 1 FAILED, 3 timeout), the
runtime verbs, status, logs, `stack wait`, and the queue's commands."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.conftest import IMAGE, Cli, check_golden, compose_file
from tests.support.docker_probe import containers

pytestmark = pytest.mark.docker

WEB = f"""services:
  web:
    image: {IMAGE}
    command: [sh, -c, 'echo hello from web; exec sleep 3600']
    healthcheck:
      test: [CMD, "true"]
      interval: 1s
      retries: 3
"""
FAILING = f"""services:
  job:
    image: {IMAGE}
    command: ["false"]
  web:
    image: {IMAGE}
    command: [sleep, "3600"]
    depends_on:
      job: {{condition: service_completed_successfully}}
"""


def test_apply_wait_then_the_runtime_verbs(cli: Cli, tmp_path: Path) -> None:
    name = cli.stack
    assert cli("stack", "create", name, "-f", str(compose_file(tmp_path, WEB))).exit_code == 0
    check_golden("stack_plan", cli.json("stack", "plan", name), name)
    applied = cli("stack", "apply", name, "--wait", "--timeout", "2m", "-o", "json")
    assert applied.exit_code == 0, applied.stderr
    done = json.loads(applied.stdout)
    check_golden("stack_apply_wait", done, name)
    assert "command " in applied.stderr and "queued" in applied.stderr  # progress on stderr
    assert cli("stack", "diff", name).exit_code == 0
    assert cli("stack", "diff", name, "--live").exit_code == 0
    waited = cli("stack", "wait", name, "--converged", "--healthy", "--timeout", "60s")
    assert waited.exit_code == 0, waited.stderr
    status = cli.json("stack", "status", name)
    assert status["status"] == "RUNNING" and status["current_version"] == 1
    logs = cli("stack", "logs", name, "web", "--tail", "5")
    assert "web-1 | hello from web" in logs.stdout
    for verb in ("stop", "start", "restart"):
        result = cli("stack", verb, name, "web", "--wait", "-o", "json")
        assert result.exit_code == 0, (verb, result.stderr)
        assert json.loads(result.stdout)["type"] == verb.upper()
    shown = cli.json("command", "show", done["command_id"])
    assert shown["status"] == "DONE"
    lines = cli.json("command", "logs", done["command_id"])
    assert lines and all("message" in line for line in lines)
    listed = cli("command", "ls", "--stack", name, "-q")
    assert done["command_id"] in listed.stdout.split()
    check_golden("queue", cli.json("queue"), name)
    deleted = cli("stack", "delete", name, "--volumes", "--wait")
    assert deleted.exit_code == 0, deleted.stderr
    assert containers(name) == {}


def test_a_failed_command_is_exit_1_then_retried_and_dismissed(cli: Cli, tmp_path: Path) -> None:
    name = cli.stack
    cli("stack", "create", name, "-f", str(compose_file(tmp_path, FAILING)))
    failed = cli("stack", "apply", name, "--wait", "-o", "json")
    assert failed.exit_code == 1, failed.stderr
    command = json.loads(failed.stdout)
    assert command["status"] == "FAILED", (failed.stdout, failed.stderr)
    assert f"coremon: command {command['command_id']} FAILED" in failed.stderr
    queue = cli.json("queue")
    assert queue["halted"] and queue["halted_by"]["command_id"] == command["command_id"]
    assert cli("command", "retry", command["command_id"], "--wait").exit_code == 1
    dismissed = cli.json("command", "dismiss", command["command_id"], "--reason", "no image")
    assert dismissed["status"] == "CANCELLED"
    assert cli.json("queue")["halted"] is False
    again = cli("command", "dismiss", command["command_id"], "--reason", "twice")
    assert again.exit_code == 4, again.stderr  # refused: no longer FAILED


def test_waiting_runs_out_of_time_exit_3(cli: Cli, tmp_path: Path) -> None:
    name = cli.stack
    cli("stack", "create", name, "-f", str(compose_file(tmp_path, WEB)))
    result = cli("stack", "wait", name, "--converged", "--timeout", "1s")
    assert result.exit_code == 3, result.stderr
    assert "timed out after 1 s" in result.stderr


def test_pending_commands_are_listed_and_cancelled(
    make_cli: Callable[[bool], Cli], tmp_path: Path
) -> None:
    idle = make_cli(False)  # no worker: what is queued stays PENDING
    name = idle.stack
    idle("stack", "create", name, "-f", str(compose_file(tmp_path, WEB)))
    accepted = idle.json("stack", "apply", name)
    check_golden("stack_apply", accepted, name)
    quiet = idle("stack", "restart", name, "-q")
    assert quiet.stdout.strip() and len(quiet.stdout.split()) == 1
    pending = idle.json("command", "ls", "--status", "PENDING")
    assert [c["type"] for c in pending] == ["RESTART", "APPLY"]
    check_golden("command_ls", pending, name)
    cancelled = idle.json("command", "cancel", accepted["command_id"])
    assert cancelled["status"] == "CANCELLED"
    assert idle("command", "cancel", accepted["command_id"]).exit_code == 4
    timed = idle("command", "logs", quiet.stdout.strip(), "-f", "--timeout", "1s")
    assert timed.exit_code == 3, timed.stderr
