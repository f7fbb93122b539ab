"""A version's files, from what the user sent to what is stored, and back.

Checked (clean paths, bounded count and sizes) before anything is written; the files the
compose file names as secret files (top-level ``secrets: {name: {file: PATH}}``) sealed with
the server's key and their digest keyed; the version's content hash covering the files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from core_monitor.compose.hashing import canonical_json
from core_monitor.compose.loader import parse
from core_monitor.domain.bundle import (
    MAX_BUNDLE_BYTES,
    MAX_FILE_BYTES,
    MAX_FILES,
    ProjectFiles,
    UnsafePath,
    clean_path,
)
from core_monitor.errors import FieldError, PayloadTooLarge, ValidationFailed
from core_monitor.store.files import StoredFile
from core_monitor.vault import REDACTOR, SecretBox


def checked(files: Mapping[str, bytes]) -> dict[str, bytes]:
    """The bundle with clean paths: 422 naming ``files.<path>`` for an unsafe or repeated
    path or too many files, 413 naming it for a file or a bundle too large."""
    if len(files) > MAX_FILES:
        raise ValidationFailed([FieldError("files", f"more than {MAX_FILES} files")])
    cleaned: dict[str, bytes] = {}
    errors: list[FieldError] = []
    for path, content in files.items():
        try:
            clean = clean_path(path)
        except UnsafePath as exc:
            errors.append(FieldError(f"files.{path}", str(exc)))
            continue
        if clean == "." or clean in cleaned:
            errors.append(FieldError(f"files.{path}", "names no file, or one already given"))
        cleaned[clean] = content
    if errors:
        raise ValidationFailed(errors)
    for path, content in cleaned.items():
        if len(content) > MAX_FILE_BYTES:
            raise PayloadTooLarge(f"files.{path}: larger than {MAX_FILE_BYTES} bytes")
    if sum(map(len, cleaned.values())) > MAX_BUNDLE_BYTES:
        raise PayloadTooLarge(f"files: together larger than {MAX_BUNDLE_BYTES} bytes")
    return cleaned


def secret_paths(compose: str) -> frozenset[str]:
    """The bundle paths the compose file's top-level secrets read (``file:``)."""
    try:
        secrets = parse(compose).get("secrets")
    except ValidationFailed:
        return frozenset()
    if not isinstance(secrets, Mapping):
        return frozenset()
    found = set()
    for spec in secrets.values():
        source = spec.get("file") if isinstance(spec, Mapping) else None
        if not isinstance(source, str):
            continue
        try:
            found.add(clean_path(source))
        except UnsafePath:
            continue  # the loader names it
    return frozenset(found)


def sealed(compose: str, files: ProjectFiles, box: SecretBox) -> tuple[StoredFile, ...]:
    """The files as stored: secret files encrypted, with a digest only the key reproduces."""
    secret = secret_paths(compose) & set(files)
    if secret and not box.ready:
        need = "secret files need COREMON_SECRET_KEY on the server"
        raise ValidationFailed([FieldError(f"files.{p}", need) for p in sorted(secret)])
    _learn(files[p] for p in secret)
    return tuple(
        StoredFile(p, len(c), box.keyed_digest(c), True, box.encrypt_bytes(c))
        if p in secret
        else StoredFile(p, len(c), hashlib.sha256(c).hexdigest(), False, c)
        for p, c in sorted(files.items())
    )


def opened(stored: list[StoredFile], box: SecretBox) -> dict[str, bytes]:
    """The real bundle (secret files decrypted), for the loader and the engine only."""
    files = {f.path: box.decrypt_bytes(f.content) if f.secret else f.content for f in stored}
    _learn(files[f.path] for f in stored if f.secret)
    return files


def bundle_hash(definition_hash: str, files: tuple[StoredFile, ...]) -> str:
    """The version's content hash: the definition's alone without files (as before them),
    else one over the definition's and every file's path and digest."""
    if not files:
        return definition_hash
    listing: dict[str, Any] = {"definition": definition_hash}
    listing["files"] = {f.path: f.digest for f in files}
    return hashlib.sha256(canonical_json(listing).encode()).hexdigest()


def _learn(contents: Any) -> None:
    """Secret file contents are masked in logs like secret variables (text ones)."""
    REDACTOR.learn([c.decode("utf-8", "replace") for c in contents])
