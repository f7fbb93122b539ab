"""Run real `coremon serve` processes for acceptance tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
TEST_ADMIN_PASSWORD = "test-admin-password"


def login_headers(
    base_url: str, username: str = "admin", password: str = TEST_ADMIN_PASSWORD
) -> dict[str, str]:
    """An Authorization header for ``username``, from the OAuth2 password grant."""
    response = httpx.post(
        f"{base_url}/api/v1/auth/token",
        data={"username": username, "password": password},
        timeout=30,
    )
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """`coremon serve` in a subprocess on 127.0.0.1 with the given environment."""

    def __init__(self, database_url: str, log_path: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.env = {
            **os.environ,
            "PYTHONPATH": str(REPO),
            "COREMON_DATABASE_URL": database_url,
            "COREMON_PORT": str(self.port),
            "COREMON_HOST": "127.0.0.1",
            "COREMON_LOG_FORMAT": "json",
            "COREMON_EXECUTOR_MODULES": "tests.support.executors",
            "COREMON_ADMIN_PASSWORD": TEST_ADMIN_PASSWORD,
            "COREMON_SECRET_KEY": "test-secret-key-not-for-production",
            "COREMON_ACCESS_TOKEN_SECONDS": "86400",  # outlives any test module
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None
        self._headers: dict[str, str] | None = None

    @property
    def headers(self) -> dict[str, str]:
        """The admin's Authorization header (logged in once per server)."""
        if self._headers is None:
            self._headers = login_headers(self.url)
        return self._headers

    def start(self, timeout: float = 30.0) -> ServerProcess:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "core_monitor", "serve"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log_path.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()  # left running, it would hold the queue lease and run later commands
        raise RuntimeError(f"server did not answer: {self.log_path.read_text()[-2000:]}")

    def pause(self) -> None:
        """Freeze the whole process (SIGSTOP): it neither renews its lease nor answers."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def kill9(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.resume()  # a paused process would not act on SIGTERM
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def served(
    tmp_path_factory: pytest.TempPathFactory, tag: str, **env: str
) -> Iterator[ServerProcess]:
    """A server on a fresh SQLite database for one test module (a Docker engine required),
    stopped when the module is done: ``yield from served(tmp_path_factory, "tag", ...)``."""
    from tests.support.docker_probe import require_docker

    require_docker()
    tmp = tmp_path_factory.mktemp(tag)
    process = ServerProcess(f"sqlite:///{tmp / 'coremon.db'}", tmp / "server.log", **env).start()
    try:
        yield process
    finally:
        process.stop()
