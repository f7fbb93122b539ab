"""Every shipped component version, rendered with its needs and default answers, is a file
Docker Compose v2 itself accepts (`docker compose config`), and the project Compose makes of
it has the services and images our loader found."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from core_monitor.compose import load_compose
from core_monitor.domain.catalog import ComponentVersion
from tests.support.helpers import missing
from tests.unit.catalog.test_shipped_catalog import ENTRIES, IDS, rendered


@pytest.fixture(scope="module")
def docker() -> str:
    found = shutil.which("docker")
    if found is None:
        missing("docker CLI not found on PATH")
    assert found is not None
    probe = subprocess.run([found, "compose", "version"], capture_output=True, timeout=30)
    if probe.returncode != 0:
        missing("docker compose unusable")
    return found


def compose_config(docker: str, text: str, variables: dict[str, str], tmp: Path) -> dict:  # type: ignore[type-arg]
    (tmp / "compose.yaml").write_text(text)
    (tmp / "vars.env").write_text("".join(f"{k}={v}\n" for k, v in variables.items()))
    done = subprocess.run(
        [
            docker,
            "compose",
            "-p",
            "wizard-oracle",
            "-f",
            "compose.yaml",
            "--env-file",
            "vars.env",
            "config",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp)},
    )
    assert done.returncode == 0, done.stderr
    assert "not set" not in done.stderr, done.stderr  # every variable the file names is given
    found: dict = json.loads(done.stdout)  # type: ignore[type-arg]
    return found


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_compose_accepts_the_rendered_fragment(
    entry: ComponentVersion, docker: str, tmp_path: Path
) -> None:
    text, variables = rendered(entry.id, entry.version)
    theirs = compose_config(docker, text, variables, tmp_path)
    ours = load_compose(text, variables, project_name="wizard-oracle")
    assert set(theirs.get("services", {})) == set(ours.services)
    for name, service in ours.services.items():
        assert theirs["services"][name]["image"] == service.image
        # the same environment after interpolation (secrets included)
        assert (theirs["services"][name].get("environment") or {}) == dict(service.environment)


def test_compose_accepts_a_ten_component_stack(docker: str, tmp_path: Path) -> None:
    from tests.unit.catalog.test_shipped_catalog import ten_components

    text, variables = ten_components()
    theirs = compose_config(docker, text, variables, tmp_path)
    assert len(theirs["services"]) == 8
    users = theirs["configs"]["tomcat-users"]["content"]
    assert variables["TOMCAT_MANAGER_PASSWORD"] in users  # interpolated as ours does
