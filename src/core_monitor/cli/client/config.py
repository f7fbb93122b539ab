"""The stored login: `coremon login` keeps a refresh token (and the short-lived access token
it last got) in ``$XDG_CONFIG_HOME/coremon/credentials.json`` (default ``~/.config``),
readable by its owner only (0600, in a 0700 directory)."""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, ValidationError

from core_monitor.cli.client.exits import CliError, ExitCode

FILE_NAME = "credentials.json"
EXPIRY_MARGIN_SECONDS = 30  # an access token this close to its end is refreshed first


class StoredLogin(BaseModel):
    server: str
    username: str
    refresh_token: str
    access_token: str
    expires_at: float  # Unix time the access token ends

    def fresh(self) -> bool:
        return time.time() < self.expires_at - EXPIRY_MARGIN_SECONDS


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "coremon"


def credentials_path() -> Path:
    return config_dir() / FILE_NAME


def load() -> StoredLogin | None:
    path = credentials_path()
    if not path.exists():
        return None
    try:
        return StoredLogin.model_validate_json(path.read_bytes())
    except (OSError, ValidationError) as exc:
        first = str(exc).splitlines()[0]
        raise CliError(
            ExitCode.USAGE, f"{path}: unreadable ({first}); run `coremon login`"
        ) from None


def save(login: StoredLogin) -> None:
    """Written whole to a private temporary file, then renamed over the old one: a reader
    never sees half a file, nor anyone else the token."""
    directory = config_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = credentials_path()
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(login.model_dump(), indent=2))
    os.chmod(temporary, 0o600)  # an older file of the same name kept its mode
    os.replace(temporary, path)


@contextmanager
def locked() -> Iterator[None]:
    """One refresh at a time across processes: the server revokes the whole login when a
    rotated refresh token is presented again, as two commands refreshing at once would."""
    directory = config_dir()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    with open(directory / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def forget() -> bool:
    path = credentials_path()
    if not path.exists():
        return False
    path.unlink()
    return True
