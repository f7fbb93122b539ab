"""Interpolation: every form, from the given variables only."""

from __future__ import annotations

import pytest

from core_monitor.compose import load_compose
from core_monitor.compose.interpolate import InterpolationError, interpolate_value
from core_monitor.errors import ValidationFailed

VARS = {"SET": "value", "EMPTY": ""}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("${SET}", "value"),
        ("$SET", "value"),
        ("$SET-x", "value-x"),
        ("${MISSING}", ""),
        ("$MISSING", ""),
        ("${MISSING:-d}", "d"),
        ("${EMPTY:-d}", "d"),
        ("${EMPTY-d}", ""),
        ("${MISSING-d}", "d"),
        ("${SET:-d}", "value"),
        ("${SET:+alt}", "alt"),
        ("${EMPTY:+alt}", ""),
        ("${EMPTY+alt}", "alt"),
        ("${MISSING+alt}", ""),
        ("${SET:?err}", "value"),
        ("${EMPTY?err}", ""),
        ("$$", "$"),
        ("$${SET}", "${SET}"),
        ("a$$b", "a$b"),
        ("${MISSING:-${SET}}", "value"),
        ("${MISSING:-a b c}", "a b c"),
        ("no dollars", "no dollars"),
        ("a$", "a$"),
        ("$ b", "$ b"),
        ("$1x", "$1x"),
        ("${SET:-}", "value"),
        ("${MISSING:-}", ""),
        ("${SET:-a}}", "value}"),
    ],
)
def test_forms(text: str, expected: str) -> None:
    assert interpolate_value(text, VARS) == expected


@pytest.mark.parametrize("text", ["${MISSING:?need it}", "${EMPTY:?need it}", "${MISSING?x}"])
def test_required_errors(text: str) -> None:
    with pytest.raises(InterpolationError, match="required variable"):
        interpolate_value(text, VARS)


@pytest.mark.parametrize("text", ["${", "${SET", "${1X}", "${SET:x}", "${SET:=x}", "${SET/a/b}"])
def test_bad_syntax(text: str) -> None:
    with pytest.raises(InterpolationError):
        interpolate_value(text, VARS)


def test_error_carries_the_path() -> None:
    with pytest.raises(ValidationFailed) as info:
        load_compose("services: {web: {image: nginx, ports: ['${P:?port please}:80']}}")
    assert [e.path for e in info.value.errors] == ["services.web.ports[0]"]
    assert "port please" in info.value.errors[0].message


def test_interpolated_before_type_checks() -> None:
    project = load_compose(
        "services: {web: {image: nginx, ports: ['${P}:80'], mem_limit: '${M}'}}",
        {"P": "8080", "M": "1g"},
    )
    assert project.services["web"].ports[0].published == "8080"
    assert project.services["web"].mem_limit == 1024**3


def test_process_environment_is_never_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEAKY", "from-os")
    project = load_compose("services: {web: {image: 'nginx${LEAKY}'}}")
    assert project.services["web"].image == "nginx"


def test_keys_are_not_interpolated() -> None:
    project = load_compose("services: {web: {image: nginx, labels: {'$K': v}}}", {"K": "x"})
    assert project.services["web"].labels == {"$K": "v"}
