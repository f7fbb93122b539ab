"""Docker clients for hosts stored as data (the registry builds every client).

A TLS host's PEM material is decrypted into files under ``<data dir>/.hosts/<host id>/``
(directory 0700, files 0600): docker-py and Python's ssl read certificates from files only.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from core_monitor.domain.hosts import EngineFacts, Host
from core_monitor.engine.docker.connection import TlsFiles
from core_monitor.engine.docker.gateway import DockerGateway

PROBE_TIMEOUT = 5.0


@dataclass(frozen=True)
class TlsPem:
    ca: str
    cert: str
    key: str


def gateway_for(host: Host, pem: TlsPem | None, data_dir: Path, timeout: float) -> DockerGateway:
    files = _write(data_dir / ".hosts" / host.host_id, pem) if pem else None
    return DockerGateway(host.address, timeout=timeout, tls=files)


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


def _write(directory: Path, pem: TlsPem) -> TlsFiles:
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    paths = TlsFiles(directory / "ca.pem", directory / "cert.pem", directory / "key.pem")
    for path, text in ((paths.ca, pem.ca), (paths.cert, pem.cert), (paths.key, pem.key)):
        if path.exists() and path.read_text() == text:
            continue
        # written aside, then renamed: a client of this host opening a connection meanwhile
        # (each TLS connection reads the files) sees the old file or the new, never half
        aside = path.with_suffix(".new")
        fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(aside, path)
    return paths
