"""`coremon app deploy | history | rollback` against the real app, a worker and the real
engine: static sites deployed into an nginx container (served on a port on 127.0.0.1), an
artifact the server has already not sent again, the history in its documented JSON, a
rollback that serves the earlier site again; exit codes for a failed deploy (1), refusals
(4, with the path), usage and credentials (2) and a wait that runs out (3)."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from core_monitor.domain.deploy import TargetKind
from tests.cli.conftest import Cli, check_golden, compose_file
from tests.support.deploys import site
from tests.support.helpers import missing
from tests.support.server import free_port

pytestmark = pytest.mark.docker

NGINX_IMAGE = "coremon-test/nginx:latest"
# the artifacts' hashes (a .tar.gz holds its time) and the ids of the deployments they made
DEPLOY_VOLATILE = ("artifact", "deployment_id", "previous", "requested_at", "redeploy_of")


def nginx_stack(port: int) -> str:
    return f"""
services:
  web:
    image: {NGINX_IMAGE}
    ports: ["127.0.0.1:{port}:80"]
    volumes: ["site:/srv/sites"]
    configs:
      - source: site_conf
        target: /etc/nginx/conf.d/default.conf
    x-coremon-deploy: {{kind: nginx}}
configs:
  site_conf:
    content: |
      server {{ listen 80 default_server; root /srv/sites/default/current; }}
volumes:
  site: {{}}
"""


@pytest.fixture(autouse=True)
def _middleware() -> None:
    from core_monitor.deploy.drivers import DRIVERS

    if TargetKind.NGINX not in DRIVERS:
        missing("no nginx driver in core_monitor.deploy.drivers.DRIVERS")
    found = subprocess.run(["docker", "image", "inspect", NGINX_IMAGE], capture_output=True)
    if found.returncode != 0:
        missing(f"{NGINX_IMAGE} is not built (scripts/build-middleware-images.sh)")


def artifact(directory: Path, text: str) -> str:
    path = directory / f"{text.replace(' ', '-')}.tar.gz"
    path.write_bytes(site(text))
    return str(path)


def serves(port: int, want: str, timeout: float = 30) -> None:
    deadline, seen = time.monotonic() + timeout, ""
    while time.monotonic() < deadline:
        try:
            seen = httpx.get(f"http://127.0.0.1:{port}/", timeout=2).text
            if want in seen:
                return
        except httpx.HTTPError as exc:
            seen = str(exc)
        time.sleep(0.3)
    raise AssertionError(f"127.0.0.1:{port} never served {want!r}: {seen[:300]}")


def test_deploy_history_and_rollback_on_the_engine(cli: Cli, tmp_path: Path) -> None:
    name, port = cli.stack, free_port()
    assert (
        cli("stack", "create", name, "-f", str(compose_file(tmp_path, nginx_stack(port)))).exit_code
        == 0
    )
    assert cli("stack", "apply", name, "--wait", "--timeout", "2m").exit_code == 0
    v1, v2 = artifact(tmp_path, "cli site v1"), artifact(tmp_path, "cli site v2")

    first = cli("app", "deploy", name, "web", v1, "--wait", "-m", "first", "-o", "json")
    assert first.exit_code == 0, first.stderr
    assert "uploaded" in first.stderr and "queued" in first.stderr
    check_golden("app_deploy_wait", json.loads(first.stdout), name, *DEPLOY_VOLATILE)
    serves(port, "cli site v1")
    alone = cli("app", "rollback", name)
    assert alone.exit_code == 2 and "nothing before it" in alone.stderr, alone.stderr

    assert cli("app", "deploy", name, "web", v2, "--wait").exit_code == 0
    serves(port, "cli site v2")
    history = cli.json("app", "history", name)
    check_golden("app_history", history, name, *DEPLOY_VOLATILE)
    v1_id = history[1]["deployment_id"]
    table = cli("app", "history", name, "web")
    assert "DEPLOYED *" in table.stdout and "SUPERSEDED" in table.stdout

    back = cli("app", "rollback", name, "--wait", "--timeout", "2m", "-o", "json")
    assert back.exit_code == 0, back.stderr
    assert json.loads(back.stdout)["payload"]["redeploy_of"] == v1_id
    serves(port, "cli site v1")

    again = cli("app", "deploy", name, "web", v2, "--wait")
    assert again.exit_code == 0 and "on the server already" in again.stderr, again.stderr
    serves(port, "cli site v2")
    chosen = cli("app", "rollback", name, "web", "--to", v1_id, "--wait", "-q")
    assert chosen.exit_code == 0, chosen.stderr
    serves(port, "cli site v1")
    assert len(cli("app", "history", name, "-q").stdout.split()) == 5
    at_path = cli.json("app", "history", name, "web", "--path", "default")
    assert len(at_path) == 5 and cli.json("app", "history", name, "--path", "/app") == []
    other = cli("app", "deploy", name, "web", v2, "--path", "other", "--wait")
    assert other.exit_code == 0, other.stderr
    several = cli("app", "rollback", name)
    assert several.exit_code == 2 and "web default, web other" in several.stderr, several.stderr
    assert cli("app", "rollback", name, "web", "--path", "other").exit_code == 2  # the first


def test_a_failed_deploy_is_exit_1(cli: Cli, tmp_path: Path) -> None:
    name, port = cli.stack, free_port()
    cli("stack", "create", name, "-f", str(compose_file(tmp_path, nginx_stack(port))))
    assert cli("stack", "apply", name, "--wait", "--timeout", "2m").exit_code == 0
    assert cli("stack", "stop", name, "web", "--wait").exit_code == 0  # nothing to deploy into
    failed = cli("app", "deploy", name, "web", artifact(tmp_path, "never served"), "--wait")
    assert failed.exit_code == 1, (failed.stdout, failed.stderr)
    assert "FAILED" in failed.stderr
    (row,) = cli.json("app", "history", name)
    assert row["status"] == "FAILED" and row["current"] is False


def test_refusals_usage_and_timeout(make_cli: Callable[..., Cli], tmp_path: Path) -> None:
    idle = make_cli(False)  # no worker: a deploy stays PENDING
    name = idle.stack
    idle("stack", "create", name, "-f", str(compose_file(tmp_path, nginx_stack(free_port()))))
    v1 = artifact(tmp_path, "v1")
    accepted = idle.json("app", "deploy", name, "web", v1)
    check_golden("app_deploy", accepted, name)
    waited = idle("app", "deploy", name, "web", v1, "--wait", "--timeout", "1s")
    assert waited.exit_code == 3 and "timed out after 1 s" in waited.stderr, waited.stderr
    assert "on the server already" in waited.stderr

    wrong = idle("app", "deploy", name, "db", v1)
    assert wrong.exit_code == 4, wrong.stderr
    assert wrong.stderr.splitlines()[-1].startswith("coremon: service: no service 'db'")
    evil = tmp_path / "evil.tar.gz"
    evil.write_bytes(site("x", {"../evil": b"x"}))
    unsafe = idle("app", "deploy", name, "web", str(evil))
    assert unsafe.exit_code == 4 and "coremon: file: " in unsafe.stderr, unsafe.stderr

    assert idle("app", "rollback", name).exit_code == 2  # nothing deployed yet
    assert idle("app", "deploy", name, "web", str(tmp_path / "none.tar.gz")).exit_code == 2
    assert idle("app", "history", "no-such-stack").exit_code == 2
    assert idle("app", "history", name, COREMON_TOKEN="cm_not-a-token").exit_code == 2
    pending = idle.json("app", "history", name)
    assert [d["status"] for d in pending] == ["DEPLOYING", "DEPLOYING"]
