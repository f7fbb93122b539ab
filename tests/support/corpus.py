"""The corpus of real-world-shaped compose projects, run through Compose v2 and our loader.

Each directory under tests/fixtures/corpus/ is one project: its compose file(s), the files
they reference (config files, env files, Dockerfiles, secret files) and optionally a
``corpus.toml`` with ``project = "name"`` (default: the directory's name) and
``files = ["compose.yaml", "compose.prod.yaml"]`` (the ``-f`` files, in order; default: the
first of Compose's default names). Compose runs ``config --format json`` in the directory;
our loader gets the first compose file's text, the variables of the directory's ``.env``
(read like Compose reads it) and every other file of the directory as the bundle.

``python -m tests.support.corpus`` (``make corpus``) prints the acceptance rate and the
refusals grouped by reason.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from core_monitor.compose import load_compose
from core_monitor.domain.bundle import relative_source
from core_monitor.errors import FieldError, ValidationFailed
from tests.support.compose_projection import project_compose, project_ours

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "corpus"
FLOOR_FILE = CORPUS / "FLOOR"
DEFAULT_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")
METADATA = "corpus.toml"
# Compose expands `~` with $HOME; it runs with this one, and `~/x` is projected back.
FAKE_HOME = "/nonexistent-corpus-home"


@dataclass(frozen=True)
class CorpusProject:
    directory: Path
    name: str
    compose_files: tuple[str, ...]

    @property
    def key(self) -> str:
        return self.directory.name


@dataclass
class Outcome:
    """What Compose and our loader made of one project."""

    project: CorpusProject
    compose_error: str | None = None
    our_errors: list[FieldError] = field(default_factory=list)
    differences: list[str] = field(default_factory=list)

    @property
    def compose_accepts(self) -> bool:
        return self.compose_error is None

    @property
    def we_accept(self) -> bool:
        return not self.our_errors

    @property
    def matches(self) -> bool:
        return self.compose_accepts and self.we_accept and not self.differences


# ---------------------------------------------------------------------------------------
# Reading the corpus


def projects() -> list[CorpusProject]:
    return [load_project(d) for d in sorted(CORPUS.iterdir()) if d.is_dir()]


def load_project(directory: Path) -> CorpusProject:
    meta: dict[str, Any] = {}
    if (directory / METADATA).exists():
        meta = tomllib.loads((directory / METADATA).read_text())
    files = meta.get("files")
    if files is None:
        found = [n for n in DEFAULT_NAMES if (directory / n).exists()]
        files = found[:1]
    if not files:
        raise ValueError(f"{directory.name}: no compose file")
    return CorpusProject(directory, str(meta.get("project", directory.name)), tuple(files))


def read_dotenv(text: str) -> dict[str, str]:
    """KEY=VALUE lines as Compose reads a .env: `export ` prefix, quotes, trailing comments."""
    result: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        else:
            value = re.sub(r"\s+#.*$", "", value)
        result[key.strip()] = value
    return result


def variables(project: CorpusProject) -> dict[str, str]:
    env = project.directory / ".env"
    return read_dotenv(env.read_text()) if env.exists() else {}


def services_of(project: CorpusProject) -> list[str]:
    """The service names the compose files declare (for grouping refusals)."""
    names: list[str] = []
    for name in project.compose_files:
        data = yaml.safe_load((project.directory / name).read_text()) or {}
        names += [str(n) for n in data.get("services") or {}]
    return names


SERVICE_FEATURES = ("build", "env_file", "platform", "runtime", "links", "extends", "secrets")


def features(project: CorpusProject) -> set[str]:
    """What the project uses, among the issue's blockers (for the corpus's mix)."""
    found: set[str] = set()
    for name in project.compose_files:
        data = yaml.safe_load((project.directory / name).read_text()) or {}
        found |= {key for key in ("include", "secrets", "configs") if key in data}
        for service in (data.get("services") or {}).values():
            found |= {key for key in SERVICE_FEATURES if key in service}
            found |= {_bind_kind(v) for v in service.get("volumes") or []} - {""}
    return found


def _bind_kind(volume: Any) -> str:
    source = volume.split(":")[0] if isinstance(volume, str) else volume.get("source", "")
    if source.startswith("~"):
        return "~ bind"
    return "relative bind" if source.startswith(".") else ""


def bundle(project: CorpusProject) -> dict[str, bytes]:
    """Every file of the directory but the (first) compose file and the corpus metadata."""
    skip = {project.compose_files[0], METADATA}
    files = {}
    for path in sorted(project.directory.rglob("*")):
        relative = path.relative_to(project.directory).as_posix()
        if path.is_file() and relative not in skip:
            files[relative] = path.read_bytes()
    return files


# ---------------------------------------------------------------------------------------
# Running both


def compose_problem() -> str | None:
    """Why Docker Compose v2 cannot be the oracle here, or None."""
    docker = shutil.which("docker")
    if docker is None:
        return "docker CLI not found on PATH"
    try:
        out = subprocess.run(
            [docker, "compose", "version"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"docker compose unusable: {exc}"
    return None if out.returncode == 0 else f"docker compose unusable: {out.stderr.strip()}"


def run_compose(project: CorpusProject) -> tuple[dict[str, Any] | None, str | None]:
    """Compose's normalized model of the project, or its error text."""
    args = ["docker", "compose", "-p", project.name]
    for name in project.compose_files:
        args += ["-f", name]
    with tempfile.TemporaryDirectory() as config_dir:
        result = subprocess.run(
            [*args, "--profile", "*", "config", "--format", "json"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=project.directory,
            env={
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": FAKE_HOME,
                "DOCKER_CONFIG": config_dir,
            },
        )
    if result.returncode != 0:
        return None, result.stderr.strip() or f"exit {result.returncode}"
    return json.loads(result.stdout), None


def run_ours(project: CorpusProject) -> tuple[Any, list[FieldError]]:
    text = (project.directory / project.compose_files[0]).read_text()
    try:
        loaded = load_compose(
            text,
            variables(project),
            project_name=project.name,
            files=bundle(project),
            overrides=project.compose_files[1:],
        )
    except ValidationFailed as exc:
        return None, list(exc.errors) or [FieldError("", "refused without a reason")]
    return loaded, []


@functools.cache
def evaluate(key: str) -> Outcome:
    project = load_project(CORPUS / key)
    theirs, compose_error = run_compose(project)
    ours, errors = run_ours(project)
    outcome = Outcome(project, compose_error, errors)
    if theirs is not None and ours is not None:
        expected = project_compose(localize(theirs, project), str(project.directory))
        outcome.differences = differences(project_ours(ours), expected)
    return outcome


# ---------------------------------------------------------------------------------------
# Projecting Compose's absolute paths back to the project's relative ones


def localize(data: dict[str, Any], project: CorpusProject) -> dict[str, Any]:
    """Compose resolves relative bind sources against the project directory and `~` against
    $HOME; a normalized ComposeProject keeps ``./<path>`` (and ``~/<path>``). A build-only
    service has no image in `config`; Compose names the image it builds ``<project>-<service>``.
    """
    root = str(project.directory)
    for name, service in (data.get("services") or {}).items():
        if service.get("image") is None and "build" in service:
            service["image"] = f"{project.name}-{name}"
        for volume in service.get("volumes") or []:
            if volume.get("type") == "bind" and isinstance(volume.get("source"), str):
                volume["source"] = _local_path(volume["source"], root)
    return data


def _local_path(source: str, root: str) -> str:
    if source == root or source.startswith(root + "/"):
        return relative_source(source[len(root) :].lstrip("/") or ".")
    if source == FAKE_HOME or source.startswith(FAKE_HOME + "/"):
        return "~" + source[len(FAKE_HOME) :]
    return source


def differences(ours: Any, theirs: Any, path: str = "") -> list[str]:
    """Paths (``services.web.volumes[2].target``) where the two projections differ."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        found = []
        for key in sorted(set(ours) | set(theirs), key=str):
            sub = f"{path}.{key}" if path else str(key)
            if key not in ours or key not in theirs:
                found.append(f"{sub}: only in {'ours' if key in ours else 'Compose'}")
            else:
                found += differences(ours[key], theirs[key], sub)
        return found
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        return [
            d
            for i, pair in enumerate(zip(ours, theirs, strict=True))
            for d in differences(*pair, f"{path}[{i}]")
        ]
    return [] if ours == theirs else [f"{path}: ours {ours!r} != Compose {theirs!r}"]


# ---------------------------------------------------------------------------------------
# The figure


def reason(error: FieldError, services: Iterable[str] = ()) -> str:
    """A grouping key for a refusal: the field (without service and object names, list
    indices) and the message with its quoted specifics elided."""
    path = re.sub(r"\[\d+\]", "", error.path)
    where = path.split(".")[0] if path else "(file)"
    if path.startswith("services."):
        rest = path.removeprefix("services.")
        # a service name may hold dots (`laravel.test`): drop the longest one that fits
        names = sorted((n for n in services if rest.startswith(n + ".")), key=len)
        name = names[-1] if names else rest.split(".")[0]
        where = rest.removeprefix(name).lstrip(".") or "(service)"
    message = re.sub(r"'[^']*'|\"[^\"]*\"|`[^`]*`", "…", error.message)
    return f"{where}: {message}"


def read_floor() -> int:
    return int(FLOOR_FILE.read_text().split()[0])


def report(outcomes: Iterable[Outcome]) -> str:
    outcomes = list(outcomes)
    valid = [o for o in outcomes if o.compose_accepts]
    accepted = [o for o in valid if o.we_accept]
    matching = [o for o in accepted if o.matches]
    rate = 100.0 * len(accepted) / len(valid) if valid else 0.0
    mix: Counter[str] = Counter(f for o in valid for f in features(o.project))
    lines = [
        f"corpus: {len(outcomes)} projects, Compose v2 accepts {len(valid)}",
        f"Core Monitor accepts {len(accepted)} of {len(valid)} ({rate:.0f} %), "
        f"{len(matching)} with Compose's normalized values (floor {read_floor()})",
        "uses: " + ", ".join(f"{k} {v}" for k, v in mix.most_common()),
    ]
    lax = [o.project.key for o in outcomes if not o.compose_accepts and o.we_accept]
    if lax:
        lines.append(f"accepted although Compose refuses them: {', '.join(lax)}")
    differing = [o for o in accepted if o.differences]
    if differing:
        lines.append("\naccepted, but with values that differ from Compose's:")
        for o in differing:
            lines += [f"  {o.project.key}: {d}" for d in o.differences]
    return "\n".join(lines + refusals(valid))


def refusals(outcomes: Iterable[Outcome]) -> list[str]:
    """Our refusals of the given projects, grouped by reason, most frequent first."""
    by_reason: Counter[str] = Counter()
    examples: dict[str, list[str]] = {}
    for o in outcomes:
        services = services_of(o.project)
        for key in sorted({reason(e, services) for e in o.our_errors}):
            by_reason[key] += 1
            examples.setdefault(key, []).append(o.project.key)
    if not by_reason:
        return []
    lines = ["\nrefusals by reason (projects):"]
    for key, count in by_reason.most_common():
        names = ", ".join(examples[key][:4]) + (", …" if count > 4 else "")
        lines.append(f"  {count:3d}  {key}  [{names}]")
    return lines


def main() -> int:
    problem = compose_problem()
    if problem:
        print(problem, file=sys.stderr)
        return 2
    print(report(evaluate(p.key) for p in projects()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
