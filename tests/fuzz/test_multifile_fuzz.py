"""Fuzz: the directory fixtures with one file mutated (the main, an override, an extended
or an included one) either load or raise ValidationFailed; nothing else may escape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core_monitor.compose import ComposeProject, load_compose
from core_monitor.errors import ValidationFailed
from tests.fuzz.test_loader_fuzz import VALUES, _mutate, _paths

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "compose"
DIRS = sorted(
    p for kind in ("valid_dirs", "invalid_dirs") for p in (FIXTURES / kind).iterdir() if p.is_dir()
)
MAIN = "compose.yaml"
KEYS = ["extends", "include", "services", "file", "service", "path", "ports", "environment"]
TAGS = ["", "!reset ", "!override "]


def _bundle(directory: Path) -> tuple[str, dict[str, bytes], list[str]]:
    files = {
        p.relative_to(directory).as_posix(): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }
    main = files.pop(MAIN).decode()
    overrides = []
    for line in main.splitlines()[:5]:
        if line.startswith("# overrides:"):
            overrides = line.split(":", 1)[1].split()
    return main, files, overrides


@st.composite
def projects(draw: st.DrawFn) -> tuple[str, dict[str, bytes], list[str]]:
    main, files, overrides = _bundle(draw(st.sampled_from(DIRS)))
    names = [MAIN, *sorted(n for n in files if n.endswith(".yaml"))]
    name = draw(st.sampled_from(names))
    text = main if name == MAIN else files[name].decode()
    data: Any = yaml.safe_load(text.replace("!reset", "").replace("!override", "")) or {}
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(data)))
        action = draw(st.sampled_from(["replace", "delete", "insert"]))
        action = "replace" if action == "delete" and not path else action
        data = _mutate(data, path, action, draw(VALUES), draw(st.sampled_from(KEYS)))
    try:
        mutated = yaml.safe_dump(data, sort_keys=False)
    except (yaml.YAMLError, ValueError):
        mutated = "services: {}"
    tag = draw(st.sampled_from(TAGS))
    mutated = mutated.replace(": ", f": {tag}", 1) if tag else mutated
    if name == MAIN:
        return mutated, files, overrides
    return main, {**files, name: mutated.encode()}, overrides


@settings(
    max_examples=1500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
@given(project=projects())
def test_multifile_loader_never_raises_anything_but_validation_failed(
    project: tuple[str, dict[str, bytes], list[str]],
) -> None:
    main, files, overrides = project
    errors = None
    try:
        result = load_compose(main, {"TAG": "1"}, files=files, overrides=overrides)
    except ValidationFailed as exc:
        errors = exc.errors
    if errors is not None:
        assert errors
        assert all(isinstance(e.path, str) and isinstance(e.message, str) for e in errors)
        return
    assert isinstance(result, ComposeProject)
    assert ComposeProject.model_validate(result.model_dump(mode="json")) == result
