"""A real OpenSSH server of the test's own (scripts/ensure-sshd.sh installs the binary): its
config, host key, authorized keys and port in a temporary directory, on 127.0.0.1 only.

A second port (``bare_port``) serves sessions whose PATH holds no ``docker``: a remote
without the Docker CLI."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.helpers import missing

SSHD = Path("/usr/sbin/sshd")


def keygen(path: Path, kind: str = "ed25519") -> str:
    """A new unencrypted key at ``path`` (and ``path.pub``); returns the private key text."""
    path.unlink(missing_ok=True)
    Path(f"{path}.pub").unlink(missing_ok=True)
    subprocess.run(
        ["ssh-keygen", "-q", "-t", kind, "-N", "", "-C", "coremon-test", "-f", str(path)],
        check=True,
    )
    return path.read_text()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Sshd:
    directory: Path
    port: int = field(default_factory=free_port)
    bare_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def host_key(self) -> Path:
        return self.directory / "ssh_host_ed25519_key"

    def host_key_line(self) -> str:
        return Path(f"{self.host_key}.pub").read_text().strip()

    def authorize(self, public_key: str) -> None:
        (self.directory / "authorized_keys").write_text(public_key)

    def new_host_key(self) -> None:
        """The server's identity changes (a reinstall, or someone in the middle)."""
        self.stop()
        keygen(self.host_key)
        self.start()

    def start(self) -> None:
        config = self.directory / "sshd_config"
        config.write_text(_config(self.directory, self.bare_port))
        self.process = subprocess.Popen(
            [str(SSHD), "-D", "-e", "-f", str(config), *self._ports()],
            stderr=(self.directory / "sshd.log").open("ab"),
        )
        _wait_for(self.port, self.process, self.directory / "sshd.log")

    def _ports(self) -> list[str]:
        return ["-p", str(self.port), "-p", str(self.bare_port)]

    def drop_connections(self) -> None:
        """End every open connection (the listener's children), as a network cut would."""
        assert self.process is not None
        children = subprocess.run(
            ["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True
        ).stdout.split()
        for pid in children:
            os.kill(int(pid), signal.SIGTERM)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def start_sshd(directory: Path) -> Sshd:
    """Start one (root only: it logs in as root with a key)."""
    if not SSHD.exists():
        missing(f"{SSHD} is missing: run scripts/ensure-sshd.sh")
    if os.geteuid() != 0:
        missing("the test sshd logs in as root: run the tests as root")
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    keygen(directory / "ssh_host_ed25519_key")
    Path("/run/sshd").mkdir(exist_ok=True)  # sshd's privilege separation directory
    server = Sshd(directory)
    server.start()
    return server


def _config(directory: Path, bare_port: int) -> str:
    return "\n".join(
        [
            "ListenAddress 127.0.0.1",
            f"HostKey {directory / 'ssh_host_ed25519_key'}",
            f"PidFile {directory / 'sshd.pid'}",
            f"AuthorizedKeysFile {directory / 'authorized_keys'}",
            "PermitRootLogin prohibit-password",
            "PasswordAuthentication no",
            "KbdInteractiveAuthentication no",
            "UsePAM no",
            "StrictModes no",
            "PrintMotd no",
            f"Match LocalPort {bare_port}",
            "    SetEnv PATH=/nonexistent",
            "",
        ]
    )


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"sshd exited: {log.read_text()[-1000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"sshd did not listen on {port}: {log.read_text()[-1000:]}")
