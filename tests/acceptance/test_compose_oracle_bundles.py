"""Docker Compose v2 as the oracle for what a compose file takes from its project directory:
env files, file/environment/content secrets and configs.

Each fixture is a directory under ``tests/fixtures/compose_bundles/{valid,invalid}``: its
``compose.yaml``, the files it references, and an optional ``variables.env`` (the version's
variables; Compose gets it as ``--env-file``). The directory minus ``compose.yaml`` is the
bundle our loader reads. Valid fixtures: each service's environment and where each secret and
config lands must be the same. Invalid ones: both refuse, and one of our errors carries the
``# expect-path:`` and says the ``# expect-message:`` of the file's first lines.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from core_monitor.compose import load_compose
from core_monitor.domain.compose import ComposeProject
from core_monitor.errors import ValidationFailed
from tests.support.helpers import missing

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "compose_bundles"
VALID = sorted(p for p in (FIXTURES / "valid").iterdir() if p.is_dir())
INVALID = sorted(p for p in (FIXTURES / "invalid").iterdir() if p.is_dir())
PROJECT = "oracle"


def _docker() -> str:
    docker = shutil.which("docker")
    if docker is None:
        missing("docker CLI not found on PATH")
    assert docker is not None
    return docker


def _compose_config(directory: Path, tmp: Path) -> subprocess.CompletedProcess[str]:
    variables = directory / "variables.env"
    if not variables.exists():
        variables = tmp / "empty.env"
        variables.write_text("")
    command = [_docker(), "compose", "-p", PROJECT, "-f", "compose.yaml"]
    return subprocess.run(
        [*command, "--env-file", str(variables), "config", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=directory,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp)},
    )


def _bundle(directory: Path) -> tuple[str, dict[str, str], dict[str, bytes]]:
    files = {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in directory.rglob("*")
        if p.is_file() and p.name != "compose.yaml"
    }
    variables: dict[str, str] = {}
    for line in files.get("variables.env", b"").decode().splitlines():
        key, _, value = line.partition("=")
        variables[key] = value
    return (directory / "compose.yaml").read_text(), variables, files


def _unescape(value: Any) -> Any:
    return value.replace("$$", "$") if isinstance(value, str) else value


def _placed(service: dict[str, Any], top: dict[str, Any], kind: str, directory: Path) -> Any:
    placed = []
    for ref in service.get(kind) or []:
        source = top[ref["source"]]
        base = "/run/secrets" if kind == "secrets" else "/"
        target = posixpath.normpath(posixpath.join(base, ref.get("target") or ref["source"]))
        if "file" in source:
            where = "./" + Path(source["file"]).relative_to(directory.resolve()).as_posix()
            placed.append((target, "bind", where))
        else:
            content = source.get("content")
            if content is None:
                content = _bundle(directory)[1][source["environment"]]
            mode = int(ref["mode"], 8) if "mode" in ref else 0o444
            owner = (int(ref.get("uid", 0)), int(ref.get("gid", 0)))
            placed.append((target, _unescape(content), mode, owner))
    return sorted(placed)


def project_compose(data: dict[str, Any], directory: Path) -> dict[str, Any]:
    return {
        name: {
            "environment": {k: _unescape(v) for k, v in (s.get("environment") or {}).items()},
            "files": sorted(
                _placed(s, data.get("secrets") or {}, "secrets", directory)
                + _placed(s, data.get("configs") or {}, "configs", directory)
            ),
        }
        for name, s in data["services"].items()
    }


def project_ours(project: ComposeProject) -> dict[str, Any]:
    result = {}
    for name, s in project.services.items():
        binds = [(m.target, "bind", m.source) for m in s.volumes if m.read_only]
        injected = [(f.target, f.content, f.mode, (f.uid, f.gid)) for f in s.injected_files]
        result[name] = {"environment": dict(s.environment), "files": sorted(binds + injected)}
    return result


@pytest.mark.parametrize("directory", VALID, ids=lambda p: p.name)
def test_valid_bundle_matches_compose(directory: Path, tmp_path: Path) -> None:
    found = _compose_config(directory, tmp_path)
    assert found.returncode == 0, found.stderr
    text, variables, files = _bundle(directory)
    ours = load_compose(text, variables, project_name=PROJECT, files=files)
    assert project_ours(ours) == project_compose(json.loads(found.stdout), directory)


@pytest.mark.parametrize("directory", INVALID, ids=lambda p: p.name)
def test_invalid_bundle_is_refused_by_both(directory: Path, tmp_path: Path) -> None:
    found = _compose_config(directory, tmp_path)
    assert found.returncode != 0, f"Compose accepts {directory.name}"
    text, variables, files = _bundle(directory)
    match = re.match(r"#\s*expect-path:\s*(\S+)", text)
    assert match, "an invalid fixture names the path its error must carry"
    with pytest.raises(ValidationFailed) as info:
        load_compose(text, variables, project_name=PROJECT, files=files)
    assert match.group(1) in [e.path for e in info.value.errors], info.value.errors
    message = re.search(r"#\s*expect-message:\s*(.+?)\s*$", text, re.MULTILINE)
    assert message, "an invalid fixture names what its error must say"
    assert any(message.group(1) in e.message for e in info.value.errors), info.value.errors
