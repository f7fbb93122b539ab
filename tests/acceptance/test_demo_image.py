"""`make run`'s demo image (scripts/ensure-demo-image.sh): built locally when missing — here
with no registry, from the host's static busybox — it serves a page on port 8080 and stops at
once; a second run leaves it alone."""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.support.docker_probe import docker, require_docker
from tests.support.server import REPO, free_port


@pytest.fixture
def image() -> Iterator[str]:
    require_docker()
    name = f"coremon-test/demo-probe:{uuid.uuid4().hex[:8]}"
    yield name
    subprocess.run(["docker", "rmi", "-f", name], capture_output=True, check=False)


def ensure(image: str) -> str:
    result = subprocess.run(
        ["scripts/ensure-demo-image.sh"],
        cwd=REPO,
        env={**os.environ, "COREMON_DEMO_IMAGE": image},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout + result.stderr


def test_the_demo_image_is_built_when_missing_and_serves_a_page(image: str) -> None:
    assert "built" in ensure(image)
    image_id = docker("image", "inspect", "-f", "{{.Id}}", image).strip()
    assert ensure(image) == ""  # present: left alone
    assert docker("image", "inspect", "-f", "{{.Id}}", image).strip() == image_id
    port = free_port()
    name = f"demo-probe-{uuid.uuid4().hex[:8]}"
    docker("run", "-d", "--name", name, "-p", f"127.0.0.1:{port}:8080", image)
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        assert page.status_code == 200 and "Core Monitor" in page.text
        logs = subprocess.run(["docker", "logs", name], capture_output=True, text=True, check=True)
        output = logs.stdout + logs.stderr  # httpd -v logs each request to stderr
        assert "serving /var/www on port 8080" in output and "response:200" in output
        started = time.monotonic()
        docker("stop", name)
        assert time.monotonic() - started < 5  # PID 1 traps TERM: no 10 s kill wait
    finally:
        docker("rm", "-f", name)
