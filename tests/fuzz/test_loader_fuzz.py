"""Fuzz: mutated fixtures either load or raise ValidationFailed; nothing else may escape."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core_monitor.compose import ComposeProject, load_compose
from core_monitor.errors import ValidationFailed

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "compose"
TEXTS = [p.read_text() for p in sorted(FIXTURES.glob("*/*.yaml")) if p.stat().st_size < 4000]

VARIABLES = {"IMAGE": "redis", "SET": "value", "EMPTY": "", "HTTP_PORT": "8081"}

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(
        [
            "",
            "$",
            "${",
            "${X:?boom}",
            "$$",
            "8080:80",
            "-1",
            "0",
            "65536",
            "1-",
            "a:b:c:d",
            "/abs:/abs:ro",
            "rel:/x",
            "service:web",
            "10s",
            "1.5gb",
            "on-failure:x",
            "CMD",
            "x-foo",
            "<<",
            "default",
        ]
    ),
)
KEYS = st.one_of(
    st.sampled_from(
        ["image", "target", "published", "source", "type", "condition", "test", "x-a", "<<"]
    ),
    st.text(max_size=8),
    st.integers(),
    st.none(),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.one_of(st.text(max_size=8), st.integers(), st.none()), inner, max_size=4
        ),
    ),
    max_leaves=8,
)


def _paths(data: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(data, dict):
        for key, value in data.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found.extend(_paths(value, (*prefix, i)))
    return found


# Documents to mutate as data. The alias bomb expands to ~300,000 nodes once parsed: walking
# and dumping it on every draw that picks it took half this file's time, and a mutated bomb
# only meets the node cap again (the bomb is refused by its own test and fuzzed as text).
MAX_PARSED_NODES = 1000
PARSED = []
for _text in TEXTS:
    try:
        _data = yaml.safe_load(_text)
    except yaml.YAMLError:
        continue
    if isinstance(_data, dict) and len(_paths(_data)) <= MAX_PARSED_NODES:
        PARSED.append(_data)


def _mutate(data: Any, path: tuple[Any, ...], action: str, value: Any, key: str) -> Any:
    if not path:
        if action == "insert" and isinstance(data, dict):
            return {**data, key: value}
        if action == "insert" and isinstance(data, list):
            return [*data, value]
        return value
    head, rest = path[0], path[1:]
    if isinstance(data, dict):
        copy = dict(data)
        if not rest and action == "delete":
            copy.pop(head, None)
        else:
            copy[head] = _mutate(data[head], rest, action, value, key)
        return copy
    if isinstance(data, list):
        copy_list = list(data)
        if not rest and action == "delete":
            del copy_list[head]
        else:
            copy_list[head] = _mutate(data[head], rest, action, value, key)
        return copy_list
    return data


def _check(text: str, variables: dict[str, str] | None = None) -> None:
    errors = None
    try:
        result = load_compose(text, variables if variables is not None else VARIABLES)
    except ValidationFailed as exc:
        errors = exc.errors
    if errors is not None:
        assert errors
        assert all(isinstance(e.path, str) and isinstance(e.message, str) for e in errors)
        return
    assert isinstance(result, ComposeProject)
    assert ComposeProject.model_validate(result.model_dump(mode="json")) == result


@st.composite
def structured(draw: st.DrawFn) -> str:
    data: Any = draw(st.sampled_from(PARSED))
    for _ in range(draw(st.integers(1, 3))):
        paths = _paths(data)
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "delete", "insert"]))
        if action == "delete" and not path:
            action = "replace"
        value = draw(VALUES)
        key = draw(st.sampled_from(["image", "ports", "x-y", "bogus", "networks", "volumes"]))
        data = _mutate(data, path, action, value, key)
    try:
        return yaml.safe_dump(data, sort_keys=False)
    except (yaml.YAMLError, ValueError):
        return "services: {}"


@st.composite
def raw_text(draw: st.DrawFn) -> str:
    text: str = draw(st.sampled_from(TEXTS))
    for _ in range(draw(st.integers(1, 4))):
        if not text:
            break
        position = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "replace"]))
        chunk = draw(
            st.one_of(
                st.text(max_size=6),
                st.sampled_from(
                    ["&a ", "*a", "<<: ", "- ", ": ", "\n  ", "{", "[", "'", '"', "!!"]
                ),
            )
        )
        if kind == "insert":
            text = text[:position] + chunk + text[position:]
        elif kind == "delete":
            text = text[:position] + text[position + len(chunk) + 1 :]
        else:
            text = text[:position] + chunk + text[position + len(chunk) :]
    return text


@settings(
    max_examples=5000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
@given(text=st.one_of(structured(), structured(), raw_text()))
def test_loader_never_raises_anything_but_validation_failed(text: str) -> None:
    _check(text)


def test_fixtures_exist_for_fuzzing() -> None:
    assert len(PARSED) >= 40
    assert len(TEXTS) >= 70
