"""Parsing untrusted text: limits, duplicate keys, YAML 1.2 scalars, anchors."""

from __future__ import annotations

import pytest

from core_monitor.compose import MAX_COMPOSE_BYTES, load_compose
from core_monitor.compose.loader import MAX_DEPTH, MAX_NODES, parse
from core_monitor.errors import ValidationFailed


def paths(text: str, **kwargs: object) -> list[str]:
    with pytest.raises(ValidationFailed) as info:
        load_compose(text, **kwargs)  # type: ignore[arg-type]
    return [e.path for e in info.value.errors]


def test_size_cap() -> None:
    text = "services:\n  web:\n    image: nginx\n" + "#" * MAX_COMPOSE_BYTES
    with pytest.raises(ValidationFailed, match="larger than"):
        load_compose(text)


def test_size_cap_counts_bytes_not_characters() -> None:
    text = "services:\n  web:\n    image: nginx\n#" + "é" * (MAX_COMPOSE_BYTES // 2)
    with pytest.raises(ValidationFailed, match="larger than"):
        load_compose(text)


def test_just_under_the_cap_loads() -> None:
    head = "services:\n  web:\n    image: nginx\n#"
    text = head + "x" * (MAX_COMPOSE_BYTES - len(head) - 1) + "\n"
    assert len(text.encode()) == MAX_COMPOSE_BYTES
    assert load_compose(text).services["web"].image == "nginx"


@pytest.mark.parametrize("text", ["- a\n- b\n", "just text", "42", "", "null"])
def test_top_level_must_be_a_mapping(text: str) -> None:
    assert paths(text) == [""]


def test_duplicate_keys_refused() -> None:
    with pytest.raises(ValidationFailed, match="duplicate key 'image'"):
        load_compose("services:\n  web:\n    image: a\n    image: b\n")


def test_invalid_yaml_is_validation_failed() -> None:
    with pytest.raises(ValidationFailed, match="not valid YAML"):
        load_compose("services: [\n")


def test_alias_bomb_refused_quickly() -> None:
    lines = ['x-a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 9):
        lines.append(f"x-a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 10) + "]")
    lines.append("services: {web: {image: nginx, x-b: *a8}}")
    with pytest.raises(ValidationFailed) as info:
        load_compose("\n".join(lines))
    assert info.value.errors[0].path == ""
    assert str(MAX_NODES) in info.value.errors[0].message


def test_nesting_cap() -> None:
    deep = "[" * (MAX_DEPTH + 5) + "]" * (MAX_DEPTH + 5)
    with pytest.raises(ValidationFailed, match="nesting"):
        load_compose(f"services: {{web: {{image: nginx}}}}\nx-deep: {deep}\n")


def test_very_deep_nesting_is_not_a_recursion_error() -> None:
    deep = "[" * 5000 + "]" * 5000
    with pytest.raises(ValidationFailed):
        load_compose(f"x: {deep}\n")


def test_non_text_keys_refused_with_path() -> None:
    assert paths("services:\n  web:\n    image: nginx\n    environment: {1: a}\n") == [
        "services.web.environment"
    ]


def test_json_is_accepted() -> None:
    project = load_compose('{"services": {"web": {"image": "nginx", "ports": [8080]}}}')
    assert project.services["web"].ports[0].target == 8080


def test_yaml_12_scalars() -> None:
    data = parse(
        "a: [yes, no, on, off, true, False, ~, 0755, 0o17, 0x1F, 1e3, .5, 1:30, 1_000, 2024-01-01]"
    )
    assert data["a"] == [
        "yes", "no", "on", "off", True, False, None, 493, 15, 31, 1000.0, 0.5, "1:30", 1000,
        "2024-01-01",
    ]  # fmt: skip


def test_numbers_become_go_formatted_text_in_environment() -> None:
    project = load_compose(
        "services: {web: {image: nginx, environment: {A: 1e3, B: .5, C: 0x10, D: true}}}"
    )
    assert project.services["web"].environment == {"A": "1000", "B": "0.5", "C": "16", "D": "true"}


def test_merge_keys_and_anchors() -> None:
    text = """
x-base: &base
  image: busybox
  environment: &env {A: "1"}
services:
  a:
    <<: *base
  b:
    <<: *base
    image: alpine
    environment:
      <<: *env
      B: "2"
"""
    project = load_compose(text)
    assert project.services["a"].image == "busybox"
    assert project.services["b"].image == "alpine"
    assert project.services["b"].environment == {"A": "1", "B": "2"}


def test_python_tags_are_not_constructed() -> None:
    with pytest.raises(ValidationFailed, match="not valid YAML"):
        load_compose("services: !!python/object/apply:os.system ['true']\n")


def test_non_text_input_refused() -> None:
    with pytest.raises(ValidationFailed):
        load_compose(b"services: {}")  # type: ignore[arg-type]
