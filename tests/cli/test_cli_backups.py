"""`coremon backup create | ls | download` over the API (admin) against the real app, and the
local half in the same group: `backup restore` of the downloaded archive into an empty data
directory, `backup create --local`; exit codes for refusals (4), usage and credentials (2)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.conftest import Cli, check_golden
from tests.support.helpers import TEST_SECRET_KEY

pytestmark = pytest.mark.docker

# the archive's name (its time), size and hash; the schema's newest revision; row counts
BACKUP_VOLATILE = ("name", "size", "sha256", "schema_revision", "rows", "path")


@pytest.fixture
def idle(make_cli: Callable[..., Cli]) -> Cli:
    return make_cli(False)


def local_env(data_dir: Path) -> dict[str, str | None]:
    """The settings `serve` would use on the Core Monitor host (no API involved)."""
    return {
        "COREMON_DATA_DIR": str(data_dir),
        "COREMON_DATABASE_URL": None,
        "COREMON_SECRET_KEY": TEST_SECRET_KEY,
        "COREMON_URL": None,
        "COREMON_TOKEN": None,
    }


def test_made_by_the_server_downloaded_and_restored_here(idle: Cli, tmp_path: Path) -> None:
    made = idle.json("backup", "create")
    check_golden("backup_create", made, idle.stack, *BACKUP_VOLATILE)
    assert made["sealed"] is True and made["rows"]["users"] >= 1
    listed = idle.json("backup", "ls")
    check_golden("backup_ls", listed, idle.stack, *BACKUP_VOLATILE)
    assert idle("backup", "ls", "-q").stdout.split() == [made["name"]]
    copy = tmp_path / "copy.tar"
    got = idle("backup", "download", made["name"], "--file", str(copy))
    assert got.exit_code == 0, got.stderr
    assert hashlib.sha256(copy.read_bytes()).hexdigest() == made["sha256"]

    restored = tmp_path / "restored"
    done = idle("backup", "restore", str(copy), **local_env(restored))
    assert done.exit_code == 0, (done.stdout, done.stderr)
    assert "restored" in done.stdout
    again = idle("backup", "restore", str(copy), **local_env(restored))
    assert again.exit_code == 1 and "not empty" in again.stderr, again.stderr
    local = tmp_path / "local.tar"
    here = idle(
        "backup", "create", "--local", "--file", str(local), "-o", "json", **local_env(restored)
    )
    assert here.exit_code == 0, here.stderr
    described = json.loads(here.stdout)
    assert described["path"] == str(local) and local.is_file()
    assert described["rows"]["users"] == made["rows"]["users"]  # the same data, restored


def test_refusals_and_usage_errors(idle: Cli, tmp_path: Path) -> None:
    response = idle.client.post(
        "/api/v1/tokens", json={"name": "op", "role": "operator", "expires_in_days": 1}
    )
    operator = response.json()["token"]
    not_admin = idle("backup", "create", COREMON_TOKEN=operator)
    assert not_admin.exit_code == 4, not_admin.stderr  # 403: an admin's
    assert idle("backup", "ls", COREMON_TOKEN="cm_not-a-token").exit_code == 2
    assert idle("backup", "create", "--file", str(tmp_path / "x.tar")).exit_code == 2
    missing = tmp_path / "missing.tar"
    absent = idle("backup", "download", "coremon-20000101T000000Z.tar", "--file", str(missing))
    assert absent.exit_code == 2 and not missing.exists(), absent.stderr  # 404, nothing left
    nothing = idle("backup", "restore", str(missing), **local_env(tmp_path / "r"))
    assert nothing.exit_code == 2 and "no such file" in nothing.stderr
    assert idle.json("backup", "ls") == []
