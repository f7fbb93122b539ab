"""A second Docker engine for multi-host tests (scripts/second-engine.sh): its own data-root,
exec-root, containerd, bridge and engine ID, on 127.0.0.1 with TLS client certificates."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.support.helpers import missing
from tests.support.server import REPO

SCRIPT = REPO / "scripts" / "second-engine.sh"
PORT = int(os.environ.get("COREMON_TEST_SECOND_ENGINE_PORT", "23760"))
IMAGE = "coremon-test/busybox:latest"


@dataclass(frozen=True)
class SecondEngine:
    directory: Path
    url: str  # tcp://127.0.0.1:PORT

    @property
    def tls(self) -> Path:
        """ca.pem, cert.pem and key.pem: what a client needs."""
        return self.directory / "tls"

    def env(self) -> dict[str, str]:
        """The docker CLI's environment for this engine."""
        return {
            **os.environ,
            "DOCKER_HOST": self.url,
            "DOCKER_TLS_VERIFY": "1",
            "DOCKER_CERT_PATH": str(self.tls),
        }

    def stop(self) -> None:
        subprocess.run([str(SCRIPT), "stop", str(self.directory)], check=True)

    def remove(self) -> None:
        """The last stop: its containers and networks go first (their bridges would stay in
        this machine's network namespace, holding address pools, after its directory)."""
        subprocess.run([str(SCRIPT), "remove", str(self.directory)], check=True)

    def start(self) -> None:
        subprocess.run(
            [str(SCRIPT), "start", str(self.directory), str(PORT)],
            check=True,
            capture_output=True,
            text=True,
        )


def start_second_engine(directory: Path) -> SecondEngine:
    """Start it (root only), with the test image loaded from the first engine."""
    if os.geteuid() != 0:
        missing("a second Docker engine needs root")
    started = subprocess.run(
        [str(SCRIPT), "start", str(directory), str(PORT)], capture_output=True, text=True
    )
    if started.returncode != 0:
        missing(f"the second Docker engine did not start: {started.stderr.strip()[-500:]}")
    engine = SecondEngine(directory, started.stdout.strip())
    saved = subprocess.Popen(["docker", "save", IMAGE], stdout=subprocess.PIPE, env=_first())
    subprocess.run(["docker", "load", "-q"], stdin=saved.stdout, env=engine.env(), check=True)
    saved.wait()
    return engine


def _first() -> dict[str, str]:
    env = dict(os.environ)
    for key in ("DOCKER_HOST", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"):
        env.pop(key, None)
    return env
