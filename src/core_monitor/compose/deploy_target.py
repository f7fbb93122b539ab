"""A service's ``x-coremon-deploy``: its deploy target's settings, parsed once.

The value is parsed by the domain's ``DeploySettings`` (one model per target kind); every
error names ``services.<svc>.x-coremon-deploy.<field>``. Where the middleware keeps its
deployed content must be a named volume of that service, so a deployment survives a
container recreate: a target without one is refused, naming the path.
"""

from __future__ import annotations

import posixpath
from typing import Any

from pydantic import TypeAdapter, ValidationError

from core_monitor.compose.fields import Reader
from core_monitor.domain.deploy import EXTENSION, DeploySettings, TargetKind

_SETTINGS: TypeAdapter[DeploySettings] = TypeAdapter(DeploySettings)


def read_deploy_target(reader: Reader, value: Any, path: str, out: dict[str, Any]) -> None:
    """Puts the parsed settings in ``out["deploy"]`` (after ``volumes`` was read)."""
    where = f"{path}.{EXTENSION}"
    if not isinstance(value, dict):
        reader.fail(where, "must be a mapping with a `kind` (nginx, tomcat or wildfly)")
        return
    if value.get("kind") not in _KINDS:
        reader.fail(f"{where}.kind", f"must be one of {', '.join(sorted(_KINDS))}")
        return
    try:
        settings = _SETTINGS.validate_python(value)
    except ValidationError as exc:
        for error in exc.errors():
            loc = ".".join(str(part) for part in error["loc"] if part not in _KINDS)
            reader.fail(f"{where}.{loc}" if loc else where, error["msg"])
        return
    if not _on_named_volume(settings.content, out.get("volumes") or []):
        reader.fail(
            f"{where}.content",
            f"{settings.content} must be on a named volume of the service (mount one "
            f"there), so deployments survive a container recreate",
        )
        return
    out["deploy"] = settings


_KINDS = {kind.value for kind in TargetKind}  # also pydantic's union tag in error locations


def _on_named_volume(content: str, mounts: list[dict[str, Any]]) -> bool:
    """``content`` is a named volume's mount target, or a directory below one."""
    wanted = posixpath.normpath(content)
    for mount in mounts:
        if mount.get("type") != "volume" or not mount.get("source"):
            continue  # a bind, a tmpfs or an anonymous volume does not survive a recreate
        target = posixpath.normpath(str(mount.get("target", "")))
        if wanted == target or wanted.startswith(target.rstrip("/") + "/"):
            return True
    return False
