"""An SSH host's login as the API gives it, checked and sealed; and back, for a connection.

The private key is stored encrypted (vault.SecretBox) with its public half's fingerprint in
clear (what the API shows); the host key is public and stored as ``type base64``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from core_monitor.domain.hosts import key_fingerprint
from core_monitor.engine.ssh_keys import KeyProblem, host_key_line, private_key_public_line
from core_monitor.errors import FieldError, ValidationFailed
from core_monitor.hosts.clients import SshKey
from core_monitor.store.hosts import SealedSsh
from core_monitor.vault import SecretBox


@dataclass(frozen=True)
class SshLogin:
    """An unencrypted private key (OpenSSH or PEM) and, optionally, the server's host key
    (a ``.pub`` or ssh-keyscan line); without it the first key seen is pinned."""

    private_key: str
    known_host_key: str | None = None


def seal(box: SecretBox, login: SshLogin, pinned: str | None) -> SealedSsh:
    """The login, checked (a 422 naming the field) and sealed; ``pinned`` is kept when the
    login names no host key."""
    problems: list[FieldError] = []
    public = _parse(problems, "ssh.private_key", private_key_public_line, login.private_key)
    host_key = pinned
    if login.known_host_key is not None:
        host_key = _parse(problems, "ssh.known_host_key", host_key_line, login.known_host_key)
    if problems:
        raise ValidationFailed(problems)
    if not box.ready:
        raise ValidationFailed(
            [FieldError("ssh", "SSH keys are stored encrypted: set COREMON_SECRET_KEY first")]
        )
    assert public is not None
    return SealedSsh(box.encrypt(login.private_key), key_fingerprint(public), host_key)


def unseal(
    box: SecretBox, sealed: SealedSsh | None, *, first_use: bool, trust_new: bool = False
) -> SshKey | None:
    """The key to connect with. An unpinned host key is accepted only by a probe of a host
    with none pinned yet (``first_use``), or when an admin confirms a new one
    (``trust_new``); every other connection needs the pinned key."""
    if sealed is None:
        return None
    host_key = None if trust_new else sealed.host_key
    accept = trust_new or (first_use and host_key is None)
    return SshKey(box.decrypt(sealed.key), host_key, first_use=accept)


def _parse(
    problems: list[FieldError], field: str, parse: Callable[[str], str], text: str
) -> str | None:
    try:
        return parse(text)
    except KeyProblem as exc:
        problems.append(FieldError(field, str(exc)))
        return None
