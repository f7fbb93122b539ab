"""Replicas started together on one fresh PostgreSQL database (the production compose
profile starts two at once): each migrates and creates the first admin and the host
`local` on start; they take turns (store/migrate.py's startup_lock), so none fails.
Separate processes, as replicas are (Alembic's environment is per process)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from core_monitor.store.db import Database
from core_monitor.store.tables import HostRow, UserRow
from tests.support.server import REPO

pytestmark = [pytest.mark.postgres]

REPLICAS = 3
# each waits for the same instant, then builds its runtime as `coremon serve` does
START = """
import sys, time
from pathlib import Path
from core_monitor.runtime import Runtime
from tests.support.helpers import make_settings
settings = make_settings(sys.argv[1], data_dir=Path(sys.argv[2]))
time.sleep(max(0.0, float(sys.argv[3]) - time.time()))
Runtime.build(settings).close()
"""


def test_replicas_starting_at_once_on_an_empty_database_all_start(
    postgres_url: str, tmp_path: Path
) -> None:
    at = time.time() + 3  # after every interpreter has imported what it needs
    started = [
        subprocess.Popen(
            [sys.executable, "-c", START, postgres_url, str(tmp_path / f"r{i}"), str(at)],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for i in range(REPLICAS)
    ]
    outputs = [process.communicate(timeout=120)[0] for process in started]
    failed = [
        out[-1500:] for process, out in zip(started, outputs, strict=True) if process.returncode
    ]
    assert not failed, failed
    db = Database(postgres_url)
    try:
        with db.read() as session:
            assert session.scalar(select(func.count()).select_from(UserRow)) == 1
            assert session.scalar(select(func.count()).select_from(HostRow)) == 1
    finally:
        db.dispose()
