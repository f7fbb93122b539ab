"""Docker Compose itself is the oracle for the loader.

Every valid fixture goes through ``docker compose config --format json`` and through
``load_compose``; both are projected to one comparable form and must agree. Every invalid
fixture must be refused by us; when Compose accepts one, it must be listed (with the reason)
in STRICTER_THAN_COMPOSE.

Fixture headers (YAML comments on the first lines):
  ``# project: NAME``      the project name to load with (default "stack")
  ``# expect-path: PATH``  (invalid fixtures) one of our errors must carry exactly this path
  ``# files: DIR``         a directory beside the fixture given to us as the version's files
                          (Compose reads it from the project directory, the fixture's own)
  ``# expect-message: TEXT`` (invalid fixtures) and that error's message must contain TEXT
A sidecar ``NAME.env`` holds the variables (KEY=VALUE lines) for both loaders.

Directory fixtures (``valid_dirs/NAME/``, ``invalid_dirs/NAME/``) are projects of several
files: ``compose.yaml`` is the main file, every other file is the bundle (``files``), and a
``# overrides: a.yaml b.yaml`` header names the files merged over it (``-f`` for Compose,
``overrides`` for us). The variables are in the sidecar ``NAME.env`` next to the directory.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from core_monitor.compose import load_compose
from core_monitor.domain.compose import ComposeProject
from core_monitor.errors import ValidationFailed
from tests.support.compose_projection import project_compose, project_ours
from tests.support.helpers import missing

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "compose"
VALID = sorted((FIXTURES / "valid").glob("*.yaml"))
INVALID = sorted((FIXTURES / "invalid").glob("*.yaml"))
VALID_DIRS = sorted(p for p in (FIXTURES / "valid_dirs").iterdir() if p.is_dir())
INVALID_DIRS = sorted(p for p in (FIXTURES / "invalid_dirs").iterdir() if p.is_dir())
MAIN = "compose.yaml"

STRICTER_THAN_COMPOSE: dict[str, str] = {
    "build_refused.yaml": "a build context must be among the version's files (none here)",
    "pull_policy_build.yaml": "pull_policy: build without `build` has nothing to build",
    "relative_bind_escape.yaml": "a relative bind source may not leave the project directory",
    "port_published_twice.yaml": "Compose leaves host-port clashes to the engine at start time",
    "port_clash_all_interfaces.yaml": "0.0.0.0:P clashes with 127.0.0.1:P at start time only",
    "replicas_fixed_port.yaml": "replicas>1 on one fixed host port fails at start time only",
    "alias_bomb.yaml": "our node cap is lower than Compose's",
    "deep_nesting.yaml": "our nesting cap is lower than Compose's",
    "top_configs.yaml": "a config file comes from the stack's files: no absolute host path",
    "port_range_too_wide.yaml": "we cap a published range at 1000 ports",
    "volume_subpath.yaml": "volume.subpath is not supported",
    "ulimit_soft_gt_hard.yaml": "the engine refuses soft > hard at create time",
    "bad_propagation.yaml": "the engine knows six propagation modes; Compose passes any text",
    "bad_volume_mode.yaml": "unknown short-syntax volume modes are refused, not ignored",
    "service_name_leading_dash.yaml": "names become container names and DNS aliases: they "
    "must start with a letter or digit (Compose allows '.', '_', '-' first)",
    "volume_one_letter_name.yaml": "Compose reads `v:/data` as a Windows drive path",
    "external_with_driver.yaml": "Compose ignores (warns about) settings of an external network",
    "no_services.yaml": "a stack without services has nothing to run",
    "services_missing.yaml": "a stack without services has nothing to run",
    "port_long_target_zero.yaml": "container port 0 is refused here, at create time by the engine",
    "unknown_restart.yaml": "Compose passes the policy through; the engine refuses it at create",
    "include_too_deep": "include/extends nesting is capped at 10 levels",
    "deploy_mode_global.yaml": "global is a Swarm mode: one engine runs replicated services only",
    "volumes_from_bad_mode.yaml": "Compose passes the mode on; the engine refuses it at create",
    "links_with_network_mode.yaml": "links go on the service's own network endpoints; the "
    "engine refuses them with network_mode at create",
}

# ---------------------------------------------------------------------------------------
# The Compose binary


def _compose_problem() -> str | None:
    docker = shutil.which("docker")
    if docker is None:
        return "docker CLI not found on PATH"
    try:
        out = subprocess.run(
            [docker, "compose", "version"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"docker compose unusable: {exc}"
    if out.returncode != 0:
        return f"docker compose unusable: {out.stderr.strip()}"
    return None


_PROBLEM: list[str | None] = []


@pytest.fixture
def docker_compose() -> str:
    if not _PROBLEM:
        _PROBLEM.append(_compose_problem())
    if _PROBLEM[0]:
        missing(_PROBLEM[0])
    docker = shutil.which("docker")
    assert docker is not None
    return docker


def _header(path: Path, key: str) -> str | None:
    for line in path.read_text().splitlines()[:5]:
        match = re.match(rf"#\s*{key}:\s*(.+?)\s*$", line)
        if match:
            return match.group(1)
    return None


def _variables(path: Path) -> dict[str, str]:
    env = path.with_suffix(".env")
    result: dict[str, str] = {}
    if env.exists():
        for line in env.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                key, _, value = line.partition("=")
                result[key] = value
    return result


def _files(path: Path) -> dict[str, bytes]:
    """The bundle a ``# files: DIR`` header names, keyed like the project directory's."""
    directory = _header(path, "files")
    if directory is None:
        return {}
    root = path.parent / directory
    return {
        f"{directory}/{f.relative_to(root).as_posix()}": f.read_bytes()
        for f in sorted(root.rglob("*"))
        if f.is_file()
    }


def _run_compose(
    docker: str, path: Path, project: str, tmp: Path
) -> subprocess.CompletedProcess[str]:
    env_file = path.with_suffix(".env")
    if not env_file.exists():
        env_file = tmp / "empty.env"
        env_file.write_text("")
    compose_files = [path] if path.is_file() else [path / n for n in _project(path)[1]]
    return subprocess.run(
        [
            docker,
            "compose",
            "-p",
            project,
            *[arg for f in compose_files for arg in ("-f", str(f))],
            "--env-file",
            str(env_file),
            "--profile",
            "*",
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


def _project(directory: Path) -> tuple[dict[str, bytes], list[str]]:
    """A directory fixture: its bundle, and its compose files in ``-f`` order."""
    main = directory / MAIN
    files = {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file() and p != main
    }
    overrides = (_header(main, "overrides") or "").split()
    return files, [MAIN, *overrides]


def _load_ours(path: Path, project_name: str) -> ComposeProject:
    """One fixture, a file or a directory, through our loader."""
    if path.is_file():
        return load_compose(
            path.read_text(), _variables(path), project_name=project_name, files=_files(path)
        )
    files, compose_files = _project(path)
    return load_compose(
        (path / MAIN).read_text(),
        _variables(path),
        project_name=project_name,
        files=files,
        overrides=compose_files[1:],
    )


def _main(path: Path) -> Path:
    return path if path.is_file() else path / MAIN


# ---------------------------------------------------------------------------------------
# The tests


def test_enough_fixtures() -> None:
    assert len(VALID) >= 40
    assert len(INVALID) >= 30


def test_enough_directory_fixtures() -> None:
    assert len(VALID_DIRS) >= 5
    assert len(INVALID_DIRS) >= 5


def test_stricter_list_names_real_fixtures() -> None:
    names = {p.name for p in INVALID + INVALID_DIRS}
    assert set(STRICTER_THAN_COMPOSE) <= names


@pytest.mark.parametrize("path", VALID + VALID_DIRS, ids=[p.name for p in VALID + VALID_DIRS])
def test_valid_fixture_matches_compose(path: Path, docker_compose: str, tmp_path: Path) -> None:
    project_name = _header(_main(path), "project") or "stack"
    ours = _load_ours(path, project_name)
    # The store keeps the JSON dump: it must round-trip exactly.
    assert ComposeProject.model_validate(ours.model_dump(mode="json")) == ours
    result = _run_compose(docker_compose, path, project_name, tmp_path)
    assert result.returncode == 0, f"Compose refused a valid fixture: {result.stderr}"
    theirs = json.loads(result.stdout)
    assert project_ours(ours) == project_compose(theirs, str(_main(path).parent))


@pytest.mark.parametrize(
    "path", INVALID + INVALID_DIRS, ids=[p.name for p in INVALID + INVALID_DIRS]
)
def test_invalid_fixture_is_refused(path: Path, docker_compose: str, tmp_path: Path) -> None:
    project_name = _header(_main(path), "project") or "stack"
    with pytest.raises(ValidationFailed) as info:
        _load_ours(path, project_name)
    errors = info.value.errors
    assert errors
    expected_path = _header(_main(path), "expect-path")
    if expected_path is not None:
        wanted = "" if expected_path == "-" else expected_path
        assert wanted in [e.path for e in errors], errors
        expected_message = _header(_main(path), "expect-message")
        if expected_message is not None:
            assert any(e.path == wanted and expected_message in e.message for e in errors), errors
    compose_name = project_name if re.fullmatch(r"[a-z0-9][a-z0-9_-]*", project_name) else "x"
    result = _run_compose(docker_compose, path, compose_name, tmp_path)
    if path.name in STRICTER_THAN_COMPOSE:
        assert result.returncode == 0, (
            f"{path.name} is listed as stricter than Compose, but Compose refuses it too: "
            f"{result.stderr.strip()}"
        )
    elif project_name != compose_name:
        # Compose refuses the bad project name itself.
        bad = subprocess.run(
            ["docker", "compose", "-p", project_name, "-f", str(path), "config", "-q"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)},
        )
        assert bad.returncode != 0
    else:
        assert result.returncode != 0, (
            f"Compose accepts {path.name}: list it in STRICTER_THAN_COMPOSE with the reason"
        )


def _keys_used(section: str) -> set[str]:
    import yaml

    used: set[str] = set()
    for path in VALID:
        data = yaml.safe_load(path.read_text())
        for item in (data.get(section) or {}).values():
            used.update(item or {})
    return used


def test_valid_fixtures_cover_every_supported_key() -> None:
    from core_monitor.compose.project import NETWORK_KEYS, VOLUME_KEYS
    from core_monitor.compose.service import HANDLERS

    # keys that read files from the bundle: covered by test_compose_oracle_bundles
    bundle_keys = {"env_file", "secrets", "configs"}
    assert set(HANDLERS) - bundle_keys - _keys_used("services") == set()
    assert NETWORK_KEYS - _keys_used("networks") == set()
    assert VOLUME_KEYS - _keys_used("volumes") == set()
