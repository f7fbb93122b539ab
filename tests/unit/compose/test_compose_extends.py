"""`extends`, `include` and override files, read from the bundle: references, relative
paths, errors with their place, and bounds."""

from __future__ import annotations

from typing import Any

import pytest

from core_monitor.compose import _assemble, load_compose
from core_monitor.compose.sources import MAX_DEPTH, MAX_READS, Sources
from core_monitor.errors import ValidationFailed

BASE = b"services:\n  base:\n    image: busybox:1.36\n    environment: {A: '1'}\n"


def errors(
    text: str, files: dict[str, bytes] | None = None, **kwargs: Any
) -> list[tuple[str, str]]:
    with pytest.raises(ValidationFailed) as info:
        load_compose(text, files=files or {}, **kwargs)
    return [(e.path, e.message) for e in info.value.errors]


def assembled(
    text: str, files: dict[str, bytes], overrides: tuple[str, ...] = ()
) -> dict[str, Any]:
    return _assemble(text, Sources(files, {}), overrides)


def test_extends_a_service_of_the_same_file_in_both_forms() -> None:
    text = (
        "services:\n  base:\n    image: busybox\n    environment: [A=1]\n"
        "  one:\n    extends: base\n    environment: {B: '2'}\n"
        "  two:\n    extends: {service: one}\n"
    )
    project = load_compose(text)
    assert project.services["two"].environment == {"A": "1", "B": "2"}
    assert project.services["two"].image == "busybox"


def test_extends_a_service_of_another_file() -> None:
    text = "services:\n  web:\n    extends: {file: common/base.yaml, service: base}\n"
    project = load_compose(text, files={"common/base.yaml": BASE})
    assert project.services["web"].environment == {"A": "1"}
    assert set(project.services) == {"web"}  # only the extended service is taken


def test_an_extended_files_references_resolve_against_its_directory() -> None:
    files = {
        "common/mid.yaml": b"services:\n  mid:\n    extends: {file: ../root.yaml, service: base}\n",
        "root.yaml": BASE,
    }
    text = "services:\n  web:\n    extends: {file: common/mid.yaml, service: mid}\n"
    assert load_compose(text, files=files).services["web"].image == "busybox:1.36"


def test_an_extended_files_relative_paths_are_rebased_to_the_project_directory() -> None:
    files = {
        "common/base.yaml": b"services:\n  base:\n    image: busybox\n"
        b"    volumes: ['./conf:/etc/conf', '../shared:/shared', 'data:/data']\n"
        b"    env_file: [app.env]\n    build: {context: ./src}\n",
    }
    text = "services:\n  web:\n    extends: {file: common/base.yaml, service: base}\n"
    web = assembled(text, files)["services"]["web"]
    assert web["volumes"] == ["./common/conf:/etc/conf", "./shared:/shared", "data:/data"]
    assert web["env_file"] == ["./common/app.env"]
    assert web["build"] == {"context": "./common/src"}


def test_an_absent_extended_file_is_named_at_its_place() -> None:
    text = "services:\n  web:\n    extends: {file: nope.yaml, service: base}\n"
    assert errors(text)[0][0] == "services.web.extends.file"


def test_a_path_outside_the_project_is_refused() -> None:
    text = "services:\n  web:\n    extends: {file: ../../etc/x.yaml, service: base}\n"
    path, message = errors(text)[0]
    assert path == "services.web.extends.file"
    assert "outside the project directory" in message


def test_an_extends_cycle_is_refused_with_its_chain() -> None:
    text = "services:\n  a:\n    extends: b\n    image: x\n  b:\n    extends: a\n"
    assert errors(text) == [("services.a.extends", "extends cycle: a -> b -> a")]


def test_unknown_extends_keys_and_missing_services_are_refused() -> None:
    assert (
        errors("services:\n  a:\n    extends: {service: b, x: 1}\n")[0][0] == "services.a.extends.x"
    )
    assert errors("services:\n  a:\n    extends: missing\n")[0][0] == "services.a.extends"


def test_errors_inside_another_file_name_the_file() -> None:
    files = {"bad.yaml": b"services:\n  base:\n    image: ${X:?needs X}\n"}
    text = "services:\n  web:\n    extends: {file: bad.yaml, service: base}\n"
    path, message = errors(text, files)[0]
    assert path == "services.web.extends.file"
    assert "bad.yaml" in message and "needs X" in message


def test_include_short_and_long_forms() -> None:
    files = {
        "db/compose.yaml": b"services:\n  db:\n    image: busybox:${TAG}\n",
        "db/.env": b"TAG=1.35\n",
        "a.yaml": b"services:\n  cache:\n    image: busybox\n    command: [a]\n",
        "b.yaml": b"services:\n  cache:\n    command: [b]\n",
    }
    text = (
        "include:\n  - db/compose.yaml\n  - path: [a.yaml, b.yaml]\n"
        "services:\n  web:\n    image: busybox\n"
    )
    project = load_compose(text, files=files)
    assert project.services["db"].image == "busybox:1.35"
    assert project.services["cache"].command == ["b"]


def test_the_versions_variables_win_over_an_included_env_file() -> None:
    files = {"inc.yaml": b"services:\n  db:\n    image: busybox:${TAG}\n", "t.env": b"TAG=1\n"}
    text = "include:\n  - path: inc.yaml\n    env_file: t.env\nservices: {}\n"
    assert load_compose(text, {"TAG": "2"}, files=files).services["db"].image == "busybox:2"


def test_an_included_conflicting_service_is_refused() -> None:
    files = {"inc.yaml": b"services:\n  web:\n    image: other\n"}
    text = "include: [inc.yaml]\nservices:\n  web:\n    image: busybox\n"
    assert errors(text, files)[0][0] == "include[0]"


def test_an_absent_included_file_is_named_at_its_place() -> None:
    assert errors("include: [nope.yaml]\nservices: {}\n")[0][0] == "include[0]"
    long_form = "include:\n  - path: [nope.yaml]\nservices: {}\n"
    assert errors(long_form)[0][0] == "include[0].path"


def test_an_included_files_resources_are_rebased_to_its_project_directory() -> None:
    files = {
        "sub/inc.yaml": b"services:\n  db:\n    image: busybox\n    volumes: ['./d:/d']\n"
        b"secrets:\n  s:\n    file: ./s.txt\n",
    }
    data = assembled("include: [sub/inc.yaml]\nservices: {}\n", files)
    assert data["services"]["db"]["volumes"] == ["./sub/d:/d"]
    assert data["secrets"] == {"s": {"file": "./sub/s.txt"}}
    assert "include" not in data


def test_include_depth_is_bounded() -> None:
    files = {f"f{i}.yaml": f"include: [f{i + 1}.yaml]\n".encode() for i in range(MAX_DEPTH + 2)}
    message = errors("include: [f0.yaml]\nservices:\n  web:\n    image: x\n", files)[0][1]
    assert f"deeper than {MAX_DEPTH}" in message


def test_an_include_cycle_is_refused() -> None:
    files = {"a.yaml": b"include: [b.yaml]\n", "b.yaml": b"include: [a.yaml]\n"}
    assert errors("include: [a.yaml]\nservices: {}\n", files)[0][0] == "include[0]"


def test_the_number_of_files_read_is_bounded() -> None:
    files = {
        f"f{i}.yaml": f"services:\n  s{i}:\n    image: x\n".encode() for i in range(MAX_READS + 1)
    }
    text = (
        "include:\n" + "".join(f"  - f{i}.yaml\n" for i in range(MAX_READS + 1)) + "services: {}\n"
    )
    assert "exceed" in errors(text, files)[0][1]


def test_an_absent_override_file_is_named() -> None:
    assert (
        errors("services:\n  web:\n    image: x\n", overrides=["nope.yaml"])[0][0] == "overrides[0]"
    )


def test_override_files_merge_in_order() -> None:
    files = {
        "a.yaml": b"services:\n  web:\n    image: a\n",
        "b.yaml": b"services:\n  web:\n    image: b\n",
    }
    text = "services:\n  web:\n    image: x\n"
    assert (
        load_compose(text, files=files, overrides=["a.yaml", "b.yaml"]).services["web"].image == "b"
    )
    assert (
        load_compose(text, files=files, overrides=["b.yaml", "a.yaml"]).services["web"].image == "a"
    )


def test_an_extends_chain_is_bounded_with_a_clear_message() -> None:
    chain = "".join(f"  s{i}:\n    extends: s{i - 1}\n" for i in range(1, MAX_DEPTH + 3))
    text = f"services:\n  s0:\n    image: busybox\n{chain}"
    path, message = errors(text)[0]
    assert path.endswith(".extends")
    assert f"deeper than {MAX_DEPTH}" in message


def test_a_shared_base_is_resolved_once_and_not_shared_between_services() -> None:
    files = {"common.yaml": BASE}
    text = "services:\n" + "".join(
        f"  w{i}:\n    extends: {{file: common.yaml, service: base}}\n"
        f"    environment: {{N: '{i}'}}\n"
        for i in range(50)
    )
    project = load_compose(text, files=files)
    assert project.services["w7"].environment == {"A": "1", "N": "7"}
    assert project.services["w8"].environment == {"A": "1", "N": "8"}


def test_an_included_env_file_is_read_with_compose_dotenv_syntax() -> None:
    from core_monitor.compose.include_env import parse_dotenv

    text = '# c\nexport A=1\nB=\'x # y\'\nC="q\\"r"\nD=v # note\nE\n\n'
    assert parse_dotenv(text) == {"A": "1", "B": "x # y", "C": 'q"r', "D": "v"}
    with pytest.raises(ValueError, match="line 1"):
        parse_dotenv("not a line\n")


def test_a_rebased_path_that_leaves_the_project_is_refused() -> None:
    files = {"sub/base.yaml": b"services:\n  base:\n    image: x\n    env_file: ../../e.env\n"}
    text = "services:\n  web:\n    extends: {file: sub/base.yaml, service: base}\n"
    path, message = errors(text, files)[0]
    assert path.startswith("services.web")
    assert "outside the project directory" in message
