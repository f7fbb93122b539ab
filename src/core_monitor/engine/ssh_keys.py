"""SSH keys as text: the one parser of a client's private key and of a server's host key.

A private key (OpenSSH or PEM, unencrypted: the server uses it unattended) is known by its
public half's fingerprint; a host key is kept as its OpenSSH public line ``type base64`` and
shown as its fingerprint (``domain.hosts.key_fingerprint``).
"""

from __future__ import annotations

import binascii

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

KEY_TYPES = frozenset(
    {"ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"}
)
_USABLE = (ed25519.Ed25519PrivateKey, rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey)


class KeyProblem(ValueError):
    """Why a text is not a usable key (said to the admin as is)."""


def private_key_public_line(text: str) -> str:
    """The OpenSSH public line of an unencrypted private key, or KeyProblem."""
    data = text.strip().encode() + b"\n"
    try:
        key = _load_private(data)
    except TypeError:
        raise KeyProblem(
            "the key is protected by a passphrase: Core Monitor connects unattended, "
            "give it a key without one (ssh-keygen -t ed25519 -N '')"
        ) from None
    except (ValueError, binascii.Error, UnsupportedAlgorithm):
        raise KeyProblem("not an OpenSSH or PEM private key") from None
    if not isinstance(key, _USABLE):
        raise KeyProblem("only Ed25519, ECDSA and RSA keys are supported")
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    return public.decode()


def host_key_line(text: str) -> str:
    """A host key given as a ``.pub`` or known_hosts / ssh-keyscan line, as ``type base64``."""
    fields = text.strip().split()
    for at, field in enumerate(fields[:-1]):
        if field in KEY_TYPES:
            line = f"{field} {fields[at + 1]}"
            try:
                serialization.load_ssh_public_key(line.encode())
            except (ValueError, binascii.Error, TypeError, UnsupportedAlgorithm):
                break
            return line
    raise KeyProblem(
        "not an SSH public host key: give a line as ssh-keyscan or the server's "
        "/etc/ssh/ssh_host_ed25519_key.pub prints it (type and base64)"
    )


def _load_private(data: bytes) -> object:
    try:
        return serialization.load_ssh_private_key(data, password=None)
    except ValueError:
        return serialization.load_pem_private_key(data, password=None)
