"""Secret stack variables: encrypted at rest, and masked wherever text leaves the process.

``SecretBox`` encrypts with a key derived from COREMON_SECRET_KEY (Fernet: AES-128-CBC with
HMAC-SHA256). ``REDACTOR`` knows every secret value this process has seen (loaded at start,
added as versions are created) and replaces them with ``***`` in log lines, command logs and
API responses — a second line of defence behind never storing them in clear. It masks the
*values* (``mask_value``) before anything is serialised: searching an encoded body would miss
the forms an encoder gives a secret (escaped quotes and backslashes, ``\\uXXXX`` letters) and
could cut through the encoding's own syntax.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from core_monitor.errors import ConfigurationError, FieldError, ValidationFailed
from core_monitor.settings import Settings

MASK = "***"
MIN_SECRET_LENGTH = 6  # shorter values would mask unrelated text everywhere


class SecretBox:
    def __init__(self, key: str | None) -> None:
        self._fernet = Fernet(_derive(key, "fernet")) if key else None
        self._mac_key = _derive(key, "hash") if key else None
        # without a key no secret exists, and a fingerprint has nothing to hide
        self._print_key = _derive(key or "", "fingerprint")

    @classmethod
    def of(cls, settings: Settings) -> SecretBox:
        key = settings.secret_key
        return cls(key.get_secret_value() if key else None)

    @property
    def ready(self) -> bool:
        return self._fernet is not None

    def encrypt(self, value: str) -> str:
        if self._fernet is None:
            raise ValidationFailed(
                [FieldError("variables", "secret variables need COREMON_SECRET_KEY on the server")]
            )
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        if self._fernet is None:
            raise ConfigurationError(
                "secret variables exist but COREMON_SECRET_KEY is not set: set it to the key "
                "they were encrypted with"
            )
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise ConfigurationError(
                "COREMON_SECRET_KEY does not decrypt the stored secret variables"
            ) from None

    def encrypt_bytes(self, value: bytes) -> bytes:
        """A secret file's content, sealed (the caller checks ``ready`` and says which file)."""
        assert self._fernet is not None
        return self._fernet.encrypt(value)

    def decrypt_bytes(self, token: bytes) -> bytes:
        if self._fernet is None:
            raise ConfigurationError(
                "secret files exist but COREMON_SECRET_KEY is not set: set it to the key "
                "they were encrypted with"
            )
        try:
            return self._fernet.decrypt(token)
        except InvalidToken:
            raise ConfigurationError(
                "COREMON_SECRET_KEY does not decrypt the stored secret files"
            ) from None

    def keyed_digest(self, value: bytes) -> str:
        """``keyed_hash`` of bytes: a secret file's digest, comparable, not guessable."""
        assert self._mac_key is not None
        return hmac.new(self._mac_key, value, hashlib.sha256).hexdigest()

    def keyed_hash(self, text: str) -> str:
        """A digest nobody can brute-force without the key (for content that holds secrets)."""
        assert self._mac_key is not None
        return hmac.new(self._mac_key, text.encode(), hashlib.sha256).hexdigest()

    def fingerprint(self, text: str) -> str:
        """A short stand-in for a value (equal values share it) that tells nothing about the
        value to whoever lacks the key: what viewers see of a configuration hash."""
        return hmac.new(self._print_key, text.encode(), hashlib.sha256).hexdigest()[:16]


def _derive(key: str, purpose: str) -> bytes:
    raw = hashlib.sha256(f"coremon/{purpose}/v1:{key}".encode()).digest()
    return base64.urlsafe_b64encode(raw) if purpose == "fernet" else raw


class Redactor:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def learn(self, values: list[str] | set[str]) -> None:
        fresh = {form for v in values for form in _forms(v)} - self._values
        if not fresh:
            return
        with self._lock:
            self._values |= fresh
            # longest first, so a secret that contains another is masked whole
            ordered = sorted(self._values, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(v) for v in ordered))

    def mask(self, text: str) -> str:
        pattern = self._pattern
        if pattern is None:
            return text
        return pattern.sub(MASK, text)

    def mask_value(self, value: Any) -> Any:
        """Every string inside a JSON-like value masked (dict keys are the answer's own
        structure and stay): the encoder then writes ``***`` whatever form it gives text."""
        if self._pattern is None:
            return value
        if isinstance(value, str):
            return self.mask(value)
        if isinstance(value, dict):
            return {k: self.mask_value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.mask_value(v) for v in value]
        return value

    @property
    def active(self) -> bool:
        return self._pattern is not None

    def forget_all(self) -> None:
        """Tests start from a clean slate."""
        with self._lock:
            self._values.clear()
            self._pattern = None


def _forms(value: str) -> set[str]:
    """The value, and each line of a value that spans lines: logs and health checks report
    line by line, so the whole value never appears there in one piece."""
    lines = {line.rstrip("\r") for line in value.split("\n")} if "\n" in value else set()
    return {v for v in {value, *lines} if len(v) >= MIN_SECRET_LENGTH}


REDACTOR = Redactor()
