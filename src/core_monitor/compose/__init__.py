"""Compose files: untrusted text → a validated, normalized ComposeProject."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import ValidationError

from core_monitor.compose.fields import Reader
from core_monitor.compose.hashing import content_hash, service_config_hash
from core_monitor.compose.interpolate import interpolate
from core_monitor.compose.loader import MAX_COMPOSE_BYTES, parse
from core_monitor.compose.project import read_project
from core_monitor.compose.validate import check, validate_project_name
from core_monitor.domain.compose import ComposeProject
from core_monitor.errors import FieldError, ValidationFailed

__all__ = [
    "MAX_COMPOSE_BYTES",
    "ComposeProject",
    "content_hash",
    "load_compose",
    "service_config_hash",
    "validate_project_name",
]


def load_compose(
    text: str, variables: Mapping[str, str] | None = None, *, project_name: str = "stack"
) -> ComposeProject:
    """Parse, interpolate, normalize and check. Raises ValidationFailed, never anything else."""
    validate_project_name(project_name)
    try:
        return _load(text, variables or {}, project_name)
    except ValidationFailed:
        raise
    except (RecursionError, MemoryError):
        raise ValidationFailed([FieldError("", "file too complex to load")]) from None


def _load(text: str, variables: Mapping[str, str], project_name: str) -> ComposeProject:
    data = parse(text)
    errors: list[FieldError] = []
    data = interpolate(data, variables, "", errors)
    if errors:
        raise ValidationFailed(errors)
    reader = Reader()
    normalized = read_project(reader, data, project_name)
    if reader.errors:
        raise ValidationFailed(reader.errors)
    try:
        project = ComposeProject.model_validate(normalized)
    except ValidationError as exc:
        raise ValidationFailed(
            [FieldError(".".join(str(p) for p in e["loc"]), e["msg"]) for e in exc.errors()]
        ) from None
    problems = check(project)
    if problems:
        raise ValidationFailed(problems)
    return project
