"""Docker clients for hosts stored as data (the registry builds every client).

A TLS host's PEM material is decrypted into files under ``<data dir>/.hosts/<host id>/``
(directory 0700, files 0600): docker-py and Python's ssl read certificates from files only.
An SSH host's private key goes there too (``ssh_key``), read by paramiko with the pinned host
key (``engine/docker/ssh.py``).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from core_monitor.domain.hosts import EngineFacts, Host
from core_monitor.engine.docker.connection import TlsFiles
from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.engine.docker.ssh import SshAccess

PROBE_TIMEOUT = 5.0


@dataclass(frozen=True)
class TlsPem:
    ca: str
    cert: str
    key: str


@dataclass(frozen=True)
class SshKey:
    """An SSH host's private key (clear text, in memory only), its pinned host key
    (``type base64``), and whether an unpinned host key may be accepted (first probe)."""

    private_key: str
    host_key: str | None
    first_use: bool = False


def gateway_for(
    host: Host, pem: TlsPem | None, data_dir: Path, timeout: float, ssh: SshKey | None = None
) -> DockerGateway:
    directory = data_dir / ".hosts" / host.host_id
    files = _write(directory, pem) if pem else None
    access = _write_ssh(directory, ssh) if ssh else None
    return DockerGateway(host.address, timeout=timeout, tls=files, ssh=access)


def probe(gateway: DockerGateway) -> EngineFacts:
    """What the engine says it is; raises EngineUnreachable (with why) when it does not."""
    info = gateway.info()
    return EngineFacts(
        engine_id=str(info.get("ID") or ""),
        name=str(info.get("Name") or ""),
        version=str(info.get("ServerVersion") or ""),
        os=str(info.get("OperatingSystem") or ""),
        cpus=int(info.get("NCPU") or 0),
        memory=int(info.get("MemTotal") or 0),
    )


def forget(data_dir: Path, host_id: str) -> None:
    """Remove a deleted host's key files (they are written again at each connection)."""
    shutil.rmtree(data_dir / ".hosts" / host_id, ignore_errors=True)


def seen_host_key(gateway: DockerGateway) -> str | None:
    """The host key an SSH host's server showed to ``gateway`` (None for other hosts)."""
    return gateway.ssh_host_key()


def _write(directory: Path, pem: TlsPem) -> TlsFiles:
    paths = TlsFiles(directory / "ca.pem", directory / "cert.pem", directory / "key.pem")
    for path, text in ((paths.ca, pem.ca), (paths.cert, pem.cert), (paths.key, pem.key)):
        _write_private(path, text)
    return paths


def _write_ssh(directory: Path, ssh: SshKey) -> SshAccess:
    path = directory / "ssh_key"
    # OpenSSH refuses a key without its final newline
    _write_private(path, ssh.private_key.strip() + "\n")
    return SshAccess(path, ssh.host_key, ssh.first_use)


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    if path.exists() and path.read_text() == text:
        return
    # written aside, then renamed: a client of this host opening a connection meanwhile
    # (each connection reads the files) sees the old file or the new, never half of one
    aside = path.with_suffix(".new")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(aside, path)
