"""The artifact store: uploaded files by content, under ``<data dir>/artifacts``.

``sha256/<ab>/<sha>``: written to a temporary file while hashing (bounded by the size cap),
fsynced, then renamed into place, so a file under its name is always whole; the same
content is stored once. The store is the source of truth for redeploys (a middleware's own
cache is lost when its container is recreated).
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from core_monitor.errors import PayloadTooLarge

CHUNK = 1024 * 1024
SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class Received:
    """An upload written and hashed, not yet in the store."""

    temp: Path
    sha256: str
    size: int


class ArtifactStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        if not SHA256.match(sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        return self.root / "sha256" / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def receive(self, stream: BinaryIO, max_bytes: int) -> Received:
        """Copy ``stream`` to a temporary file of the store, hashing it; 413 above the cap."""
        incoming = self.root / "incoming"
        incoming.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=incoming, prefix="upload-")
        digest, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if size > max_bytes:
                        raise PayloadTooLarge(f"the artifact exceeds {max_bytes} bytes")
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        return Received(Path(name), digest.hexdigest(), size)

    def keep(self, received: Received) -> Path:
        """Move a received upload into place (atomically); already there: drop the copy."""
        final = self.path(received.sha256)
        if final.is_file():
            received.temp.unlink(missing_ok=True)
            return final
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(received.temp, final)
        _fsync_dir(final.parent)
        return final

    def discard(self, received: Received) -> None:
        received.temp.unlink(missing_ok=True)

    def remove(self, sha256: str) -> None:
        self.path(sha256).unlink(missing_ok=True)


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
