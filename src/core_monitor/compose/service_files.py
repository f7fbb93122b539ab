"""What a service takes from the bundle and the top level: env files, secrets, configs.

read_service keeps ``env_file``, ``secrets`` and ``configs`` raw (under ``_env_file`` …);
this step, which has the version's variables and files and the top-level definitions,
turns them into the service's environment, read-only binds and injected files.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core_monitor.compose.env_files import read_env_files
from core_monitor.compose.fields import Invalid, Reader
from core_monitor.compose.secrets import Kind, read_references, read_sources
from core_monitor.domain.bundle import ProjectFiles

KINDS: tuple[Kind, Kind] = ("secrets", "configs")


def attach_files(
    reader: Reader,
    data: dict[str, Any],
    services: dict[str, dict[str, Any]],
    variables: Mapping[str, str],
    files: ProjectFiles,
) -> None:
    sources = {
        kind: read_sources(reader, data.get(kind), kind, dict(variables), files) for kind in KINDS
    }
    for name, service in services.items():
        path = f"services.{name}"
        env_file = service.pop("_env_file", None)
        if env_file is not None:
            service["environment"] = read_env_files(
                reader,
                env_file,
                f"{path}.env_file",
                service.get("environment") or {},
                variables,
                files,
            )
        for kind in KINDS:
            raw = service.pop(f"_{kind}", None)
            if raw is None:
                continue
            try:
                mounts, injected = read_references(
                    reader,
                    raw,
                    f"{path}.{kind}",
                    kind,
                    sources[kind],
                    bool(service.get("read_only")),
                )
            except Invalid:
                continue
            service["volumes"] = [*(service.get("volumes") or []), *mounts]
            service["injected_files"] = [*(service.get("injected_files") or []), *injected]
