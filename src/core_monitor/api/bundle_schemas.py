"""The bodies of a version's files on the wire, and of the compose validate endpoint."""

from __future__ import annotations

import base64
import binascii

from pydantic import BaseModel, Field

from core_monitor.api.schemas import FILES_DESCRIPTION, FileIn, StrictInput, VariableIn
from core_monitor.compose import MAX_COMPOSE_BYTES
from core_monitor.domain.validation import Issue, IssueKind
from core_monitor.errors import FieldError, ValidationFailed
from core_monitor.store.files import StoredFile


def to_files(raw: dict[str, FileIn]) -> dict[str, bytes]:
    """The request's files as bytes; bad base64 is a 422 naming ``files.<path>``."""
    files: dict[str, bytes] = {}
    errors: list[FieldError] = []
    for path, content in raw.items():
        if isinstance(content, str):
            files[path] = content.encode()
            continue
        try:
            files[path] = base64.b64decode(content.base64, validate=True)
        except (binascii.Error, ValueError):
            errors.append(FieldError(f"files.{path}", "not valid base64"))
    if errors:
        raise ValidationFailed(errors)
    return files


def maybe_files(raw: dict[str, FileIn] | None) -> dict[str, bytes] | None:
    return None if raw is None else to_files(raw)


class FileOut(BaseModel):
    path: str
    size: int
    sha256: str | None = Field(description="Of the content; null for a secret file.")
    secret: bool = Field(description="A secret file: encrypted at rest, never returned.")

    @classmethod
    def of(cls, f: StoredFile) -> FileOut:
        return cls(path=f.path, size=f.size, sha256=None if f.secret else f.digest, secret=f.secret)


class ComposeValidateRequest(StrictInput):
    """A definition to check, nothing stored: as a new stack's, or (``stack``) as a new
    version of that stack (whose latest version's variables and files are used when these
    are omitted)."""

    compose: str = Field(min_length=1, max_length=MAX_COMPOSE_BYTES)
    variables: dict[str, VariableIn] | None = Field(None, max_length=1000)
    files: dict[str, FileIn] | None = Field(None, description=FILES_DESCRIPTION)
    stack: str | None = Field(None, min_length=1, max_length=63, description="Id or name.")


class ProblemOut(BaseModel):
    path: str
    message: str
    line: int | None = None
    column: int | None = None


class ViolationOut(ProblemOut):
    rule: str


class ComposeValidation(BaseModel):
    """Valid when both lists are empty."""

    errors: list[ProblemOut]
    policy_violations: list[ViolationOut]
    services: list[str]

    @classmethod
    def of(cls, issues: list[Issue], services: list[str]) -> ComposeValidation:
        errors = [i for i in issues if i.kind != IssueKind.POLICY]
        violations = [i for i in issues if i.kind == IssueKind.POLICY]
        return cls(
            errors=[
                ProblemOut(path=i.path, message=i.message, line=i.line, column=i.column)
                for i in errors
            ],
            policy_violations=[
                ViolationOut(
                    path=i.path, message=i.message, line=i.line, column=i.column, rule=i.rule or ""
                )
                for i in violations
            ],
            services=services,
        )
