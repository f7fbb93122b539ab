"""Opaque credentials: a kind prefix plus 32 random bytes, kept only as a SHA-256 digest."""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIXES = {
    "session": "cms_",
    "access": "cma_",
    "refresh": "cmr_",
    "api": "cmp_",
}


def new_secret(kind: str) -> str:
    return PREFIXES[kind] + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def display_prefix(secret: str) -> str:
    """The first characters, enough to recognise a token in a listing, useless to an attacker."""
    return secret[:10]


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
