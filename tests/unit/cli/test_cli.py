"""The coremon command line: configuration is listed, bad configuration stops with one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REQUIRED = [
    "COREMON_HOST",
    "COREMON_PORT",
    "COREMON_DATA_DIR",
    "COREMON_DATABASE_URL",
    "COREMON_DOCKER_HOST",
    "COREMON_QUEUE_ON_FAILURE",
    "COREMON_MAX_ATTEMPTS",
    "COREMON_LOG_FORMAT",
]


def coremon(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "core_monitor", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )


def test_serve_help_lists_every_setting_and_the_options() -> None:
    result = coremon("serve", "--help")
    assert result.returncode == 0
    for name in REQUIRED:
        assert name in result.stdout, name
    assert "--host" in result.stdout
    assert "--port" in result.stdout


def test_bad_configuration_stops_with_one_clear_line(tmp_path: Path) -> None:
    for env, field in (
        ({"COREMON_PORT": "99999"}, "COREMON_PORT"),
        ({"COREMON_QUEUE_ON_FAILURE": "sometimes"}, "COREMON_QUEUE_ON_FAILURE"),
        ({"COREMON_MAX_ATTEMPTS": "zero"}, "COREMON_MAX_ATTEMPTS"),
        ({"COREMON_DATABASE_URL": "mysql://x"}, "COREMON_DATABASE_URL"),
        ({"COREMON_LOG_FORMAT": "xml"}, "COREMON_LOG_FORMAT"),
    ):
        result = coremon("serve", env=env, cwd=tmp_path)
        assert result.returncode == 2, (env, result.stderr)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, result.stderr
        assert field in lines[0]
        assert "Traceback" not in result.stderr


def test_unusable_executor_plugin_stops_with_one_line(tmp_path: Path) -> None:
    result = coremon(
        "serve",
        env={"COREMON_EXECUTOR_MODULES": "no.such.module", "COREMON_DATA_DIR": str(tmp_path)},
        cwd=tmp_path,
    )
    assert result.returncode == 2
    assert "executor plug-in 'no.such.module' cannot load" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_creates_the_database(tmp_path: Path) -> None:
    result = coremon("migrate", env={"COREMON_DATA_DIR": str(tmp_path)}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "coremon.db").exists()
