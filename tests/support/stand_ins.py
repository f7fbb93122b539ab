"""Containers of the catalog's stand-in images (scripts/build-catalog-images.sh), run the way
the catalog runs them: unique names, a user network with a service alias, ports published on
127.0.0.1 only (the engine picks the host port)."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from tests.support.docker_probe import docker
from tests.support.helpers import missing

PREFIX = "coremon-si"
T = TypeVar("T")


def require_image(reference: str) -> None:
    """The stand-in is built (a missing image fails under CI, skips elsewhere)."""
    found = subprocess.run(
        ["docker", "image", "inspect", reference], capture_output=True, timeout=30
    )
    if found.returncode != 0:
        missing(f"{reference} is not built: run scripts/build-catalog-images.sh")


def label(reference: str, key: str) -> str:
    return docker(
        "image", "inspect", "-f", f'{{{{index .Config.Labels "{key}"}}}}', reference
    ).strip()


@contextmanager
def network() -> Iterator[str]:
    name = f"{PREFIX}-net-{uuid.uuid4().hex[:8]}"
    docker("network", "create", name)
    try:
        yield name
    finally:
        subprocess.run(["docker", "network", "rm", name], capture_output=True, timeout=60)


class Container:
    """One container (created, optionally with files copied in, then started); removed with
    its anonymous volumes on exit."""

    def __init__(self, image: str, net: str, alias: str, *args: str, **env: str) -> None:
        self.name = f"{PREFIX}-{alias}-{uuid.uuid4().hex[:8]}"
        self.image = image
        self.net = net
        self.alias = alias
        self.args = args
        self.env = env
        self.ports: list[int] = []

    def create(self, *ports: int) -> Container:
        flags = ["--name", self.name, "--network", self.net, "--network-alias", self.alias]
        for key, value in self.env.items():
            flags += ["-e", f"{key}={value}"]
        for port in ports:
            flags += ["-p", f"127.0.0.1::{port}"]
        docker("create", *flags, self.image, *self.args)
        return self

    def copy_in(self, source: str, target: str) -> None:
        docker("cp", source, f"{self.name}:{target}")

    def start(self) -> Container:
        docker("start", self.name)
        return self

    def host_port(self, port: int) -> int:
        """The 127.0.0.1 port the engine published ``port`` on."""
        mapping = docker("port", self.name, f"{port}/tcp").split()[0]
        host, _, number = mapping.rpartition(":")
        assert host == "127.0.0.1", mapping
        return int(number)

    def exec(self, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
        flags = [item for key, value in env.items() for item in ("-e", f"{key}={value}")]
        return subprocess.run(
            ["docker", "exec", *flags, self.name, *argv], capture_output=True, text=True, timeout=60
        )

    def logs(self) -> str:
        result = subprocess.run(["docker", "logs", self.name], capture_output=True, text=True)
        return result.stdout + result.stderr

    def uid_of_main_process(self) -> str:
        """The uid the service runs as: PID 1 is the init, the service is its child."""
        rows = [
            row.split() for row in docker("top", self.name, "-o", "pid,ppid,uid").splitlines()[1:]
        ]
        pids = {row[0] for row in rows}
        (init,) = [row[0] for row in rows if row[1] not in pids]
        children = [row for row in rows if row[1] == init]
        return children[0][2]

    def uid_of(self, user: str) -> str:
        return self.exec("id", "-u", user).stdout.strip()

    def stop_seconds(self) -> float:
        started = time.monotonic()
        docker("stop", self.name)
        return time.monotonic() - started

    def remove(self) -> None:
        subprocess.run(["docker", "rm", "-fv", self.name], capture_output=True, timeout=60)


@contextmanager
def running(
    container: Container, *ports: int, files: dict[str, str] | None = None
) -> Iterator[Container]:
    try:
        container.create(*ports)
        for target, source in (files or {}).items():
            container.copy_in(source, target)
        yield container.start()
    finally:
        container.remove()


def eventually(probe: Callable[[], T | None], timeout: float, what: str, logs: Container) -> T:
    """``probe()``'s first non-None answer; exceptions count as 'not yet'."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            answer = probe()
        except Exception as exc:  # any failure means "not ready yet"
            answer, last = None, exc
        if answer is not None:
            return answer
        time.sleep(0.5)
    raise AssertionError(f"{what} not within {timeout} s ({last!r}); logs:\n{logs.logs()[-3000:]}")
