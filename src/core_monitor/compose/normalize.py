"""Plain parsed data → the normalized, frozen ComposeProject.

Normalization choices (the model is turned into Docker API calls as is):

* durations → integer nanoseconds (Docker's unit; Compose writes "1m30s");
* byte sizes (``512m``, ``1.5gb``, ints) → integer bytes, binary multiples like Docker;
* short syntax → long syntax (ports one entry per port with ranges expanded, as Compose
  does; mounts in long form); ``command``/``entrypoint`` strings are shell-split;
* environment → map; a bare name takes the version's variable of that name, and one that
  has none stays ``None`` (unset in the container, like Compose);
  labels, sysctls, driver options → maps of text; extra_hosts → ``host=ip`` list;
* the implicit ``default`` network for services with neither networks nor network_mode;
  ``network_mode``/``ipc``/``pid: service:X`` add X to depends_on (restart: true);
  declared networks and volumes no service uses are dropped, as Compose drops them;
* ``build`` contexts are read from the version's files (see build.py); a build-only
  service's image is ``<project>-<service>``, as Compose names it;
* defaults are explicit: restart "no", pull_policy "missing", replicas 1.

The reading itself lives in project.py (top level), service.py, ports.py and mounts.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from core_monitor.compose import build
from core_monitor.compose.fields import Reader
from core_monitor.compose.project import read_project
from core_monitor.domain.bundle import NO_FILES, ProjectFiles
from core_monitor.domain.compose import ComposeProject
from core_monitor.errors import FieldError, ValidationFailed


def normalize(
    data: dict[str, Any],
    project_name: str,
    variables: Mapping[str, str] | None = None,
    files: ProjectFiles = NO_FILES,
) -> ComposeProject:
    """``variables`` and ``files``: what env files, secrets and configs read."""
    reader = Reader()
    normalized = read_project(reader, data, project_name, variables, files)
    build.resolve(reader, normalized["services"], project_name, files)
    if reader.errors:
        raise ValidationFailed(reader.errors)
    try:
        return ComposeProject.model_validate(normalized)
    except ValidationError as exc:
        raise ValidationFailed([_field_error(e["loc"], e["msg"]) for e in exc.errors()]) from None


def fill_environment(project: ComposeProject, variables: Mapping[str, str]) -> ComposeProject:
    """A bare `environment` name (`[NAME]`, `NAME:`) takes its value from the project's
    environment, the version's variables, as Compose does; one absent there stays unset
    (None: the engine gets the bare name and the container does not have it)."""
    services = {}
    for name, service in project.services.items():
        environment = {
            key: variables.get(key) if value is None else value
            for key, value in service.environment.items()
        }
        services[name] = service.model_copy(update={"environment": environment})
    return project.model_copy(update={"services": services})


def _field_error(loc: tuple[int | str, ...], message: str) -> FieldError:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return FieldError(path, message)
