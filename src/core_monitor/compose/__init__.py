"""Compose files: untrusted text → a validated, normalized ComposeProject."""

from __future__ import annotations

from collections.abc import Mapping

from core_monitor.compose.hashing import content_hash, service_config_hash
from core_monitor.compose.interpolate import interpolate
from core_monitor.compose.loader import MAX_COMPOSE_BYTES, parse
from core_monitor.compose.normalize import fill_environment, normalize
from core_monitor.compose.validate import check, check_container_count, validate_project_name
from core_monitor.domain.bundle import NO_FILES, ProjectFiles
from core_monitor.domain.compose import ComposeProject
from core_monitor.errors import FieldError, ValidationFailed

NUL = "\x00"  # no engine field and no database text column takes it

__all__ = [
    "MAX_COMPOSE_BYTES",
    "ComposeProject",
    "check_container_count",
    "check_variables",
    "content_hash",
    "load_compose",
    "service_config_hash",
    "validate_project_name",
]


def load_compose(
    text: str,
    variables: Mapping[str, str] | None = None,
    *,
    project_name: str = "stack",
    files: ProjectFiles = NO_FILES,
) -> ComposeProject:
    """Parse, interpolate, normalize and check. Raises ValidationFailed, never anything else.

    ``files``: the version's bundle (clean relative path → bytes), where env files, extended
    and included files, secret and config files and build contexts are read from."""
    validate_project_name(project_name)
    if not isinstance(text, str):
        raise ValidationFailed([FieldError("", "the compose file must be text")])
    check_variables(variables or {})
    try:
        return _load(text, variables or {}, project_name, files)
    except ValidationFailed:
        raise
    except (RecursionError, MemoryError):
        raise ValidationFailed([FieldError("", "file too complex to load")]) from None


def check_variables(variables: Mapping[str, str]) -> None:
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in variables.items()):
        raise ValidationFailed([FieldError("variables", "names and values must be text")])
    nul = sorted(k for k, v in variables.items() if NUL in k or NUL in v)
    if nul:
        raise ValidationFailed(
            [
                FieldError(f"variables.{k.replace(NUL, '?')}", "must not contain a NUL character")
                for k in nul
            ]
        )


def _load(
    text: str, variables: Mapping[str, str], project_name: str, files: ProjectFiles
) -> ComposeProject:
    del files  # read by the loader's bundle-aware steps (issue 15)
    # Compose's project environment: the version's variables, and the project's name (which
    # Compose sets whatever the environment says, as `-p` wins)
    variables = {**variables, "COMPOSE_PROJECT_NAME": project_name}
    data = parse(text)
    errors: list[FieldError] = []
    data = interpolate(data, variables, "", errors)
    if errors:
        raise ValidationFailed(errors)
    project = fill_environment(normalize(data, project_name), variables)
    problems = check(project)
    if problems:
        raise ValidationFailed(problems)
    return project
