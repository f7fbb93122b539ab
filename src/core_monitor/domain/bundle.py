"""A version's bundle: the files that travel with its compose file (issue 15).

Env files, files and directories mounted by relative binds, secret and config files, build
contexts. A bundle is a mapping from a clean relative POSIX path to the file's bytes; the
compose file itself is not in it. Pure: no I/O, no Docker.

Relative bind sources in a ComposeProject are kept relative to the stack's project
directory, written ``./<clean path>`` (``.`` for the directory itself); the engine resolves
them inside the project directory on the engine's host.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath
from types import MappingProxyType

ProjectFiles = Mapping[str, bytes]
NO_FILES: ProjectFiles = MappingProxyType({})  # immutable: safe as a default

MAX_FILES = 1000
MAX_FILE_BYTES = 8 * 1024 * 1024
MAX_BUNDLE_BYTES = 32 * 1024 * 1024
MAX_PATH_LENGTH = 1024


class UnsafePath(ValueError):
    """A path that is not a clean relative path inside the project directory."""


def clean_path(path: str) -> str:
    """``./conf//nginx.conf`` → ``conf/nginx.conf``; refuses absolute paths, ``..``, NUL,
    backslashes and empty paths (UnsafePath says which)."""
    if not isinstance(path, str) or not path or len(path) > MAX_PATH_LENGTH:
        raise UnsafePath("must be a non-empty relative path")
    if "\x00" in path or "\\" in path:
        raise UnsafePath("must not contain NUL or backslash characters")
    if path.startswith("/"):
        raise UnsafePath("must be relative, not absolute")
    parts = [p for p in PurePosixPath(path).parts if p != "."]
    if ".." in parts:
        raise UnsafePath("must not contain '..'")
    if not parts:
        return "."
    return "/".join(parts)


def relative_source(path: str) -> str:
    """The form a relative bind source takes in a normalized project: ``./<clean path>``."""
    cleaned = clean_path(path)
    return "." if cleaned == "." else f"./{cleaned}"


# What `docker compose up` merges over the main file by itself when it finds one beside it
OVERRIDE_FILES = (
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yaml",
    "docker-compose.override.yml",
)


def default_overrides(files: ProjectFiles, variables: Mapping[str, str] | None = None) -> list[str]:
    """The compose files merged over the main one, as Compose picks them without ``-f``:
    the variable ``COMPOSE_FILE`` (``compose.yaml:compose.prod.yaml``, its first entry being
    the main file) when the version sets it; else the bundle's override file (the first of
    OVERRIDE_FILES it has)."""
    listed = (variables or {}).get("COMPOSE_FILE")
    if listed:
        separator = (variables or {}).get("COMPOSE_PATH_SEPARATOR") or ":"
        return [p for p in listed.split(separator)[1:] if p]
    return [name for name in OVERRIDE_FILES if name in files][:1]


def under(files: ProjectFiles, directory: str) -> dict[str, bytes]:
    """The files inside ``directory`` (a clean path; ``.`` for all), keyed relative to it."""
    if directory == ".":
        return dict(files)
    prefix = directory.rstrip("/") + "/"
    return {k[len(prefix) :]: v for k, v in files.items() if k.startswith(prefix)}
