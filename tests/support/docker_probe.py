"""Read the engine directly (docker CLI) to check what the product did."""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

from tests.support.helpers import missing


def require_docker() -> None:
    if shutil.which("docker") is None:
        missing("docker CLI not installed")
    if subprocess.run(["docker", "info"], capture_output=True, timeout=30).returncode != 0:
        missing("no Docker engine answers")


def docker(*args: str) -> str:
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise AssertionError(f"docker {' '.join(args)}: {result.stderr}")
    return result.stdout


def containers(project: str) -> dict[str, dict[str, Any]]:
    """name → inspect, for every container of a project.

    Read while an APPLY runs, a container listed may be gone by the time it is inspected
    (a recreate's replaced container, a host-path probe): those are left out, as a later
    listing would not show them either."""
    ids = docker("ps", "-aq", "--filter", f"label=com.docker.compose.project={project}").split()
    if not ids:
        return {}
    result = subprocess.run(
        ["docker", "inspect", *ids], capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0 and "No such object" not in result.stderr:
        raise AssertionError(f"docker inspect {' '.join(ids)}: {result.stderr}")
    return {c["Name"].lstrip("/"): c for c in json.loads(result.stdout or "[]")}


def remove_project(project: str) -> None:
    ids = docker("ps", "-aq", "--filter", f"label=com.docker.compose.project={project}").split()
    if ids:
        docker("rm", "-f", *ids)
    for kind in ("network", "volume"):
        names = docker(
            kind, "ls", "-q", "--filter", f"label=com.docker.compose.project={project}"
        ).split()
        if names:
            subprocess.run(["docker", kind, "rm", *names], capture_output=True, timeout=60)
