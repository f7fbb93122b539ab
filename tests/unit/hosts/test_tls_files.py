"""A TLS host's PEM files: written once (0600, in a 0700 directory), left alone while they
say the same, replaced whole (never truncated in place) when the material changes."""

from __future__ import annotations

from pathlib import Path

from core_monitor.domain.hosts import Host
from core_monitor.hosts.clients import TlsPem, gateway_for
from core_monitor.store.clock import utcnow


def test_pem_files_are_rewritten_only_when_they_change(tmp_path: Path) -> None:
    host = Host(host_id="h-tls", name="h-tls", address="tcp://10.0.0.5:2376", created_at=utcnow())
    first = gateway_for(host, TlsPem("ca-1", "cert-1", "key-1"), tmp_path, 5.0)
    assert first.tls is not None
    key = first.tls.key
    assert key.read_text() == "key-1" and key.stat().st_mode & 0o777 == 0o600
    assert key.parent.stat().st_mode & 0o777 == 0o700
    inode = key.stat().st_ino
    gateway_for(host, TlsPem("ca-1", "cert-1", "key-1"), tmp_path, 5.0)
    assert key.stat().st_ino == inode  # the same: not written again
    gateway_for(host, TlsPem("ca-1", "cert-1", "key-2"), tmp_path, 5.0)
    assert key.read_text() == "key-2" and key.stat().st_ino != inode  # a new file, renamed in
    assert key.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in key.parent.iterdir()) == ["ca.pem", "cert.pem", "key.pem"]
