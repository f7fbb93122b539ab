"""sshd drops logins at random above MaxStartups: only such a drop is tried again; a refused
key or a changed host key never is."""

from __future__ import annotations

import paramiko

from core_monitor.engine.docker.ssh import _dropped_at_startup


def test_a_reset_before_the_banner_is_a_startup_drop() -> None:
    banner = paramiko.SSHException("Error reading SSH protocol banner[Errno 104] reset")
    assert _dropped_at_startup(banner)
    assert _dropped_at_startup(ConnectionResetError(104, "Connection reset by peer"))


def test_a_refusal_is_not_tried_again() -> None:
    assert not _dropped_at_startup(paramiko.AuthenticationException("Authentication failed."))
    assert not _dropped_at_startup(paramiko.SSHException("No existing session"))
    assert not _dropped_at_startup(ConnectionRefusedError(111, "Connection refused"))
