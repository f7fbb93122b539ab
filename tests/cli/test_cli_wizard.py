"""`coremon wizard render | catalog` against the real app: the compose file on stdout (and
the documented JSON), violations as exit 4 with their paths, a stack created from the answers
(refused whole when they break a rule), and `--create --wait` applied on the real engine from
an operator's catalog directory."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.cli.conftest import IMAGE, Cli, check_golden

pytestmark = pytest.mark.docker

SELECTION = {
    "selection": [{"component": "postgresql"}],
    "answers": {"postgresql": {"user": "shop"}},
}
BAD_ANSWER = {
    "selection": [{"component": "postgresql"}],
    "answers": {"postgresql": {"user": "Bad!"}},
}
SLEEPER = f"""\
id: clisleeper
version: 1.0.0
title: Sleeper
category: tools
images: ["{IMAGE}"]
service: sleeper
parameters:
  type: object
  properties:
    word: {{type: string, default: hello, maxLength: 20}}
compose:
  services:
    sleeper:
      image: {IMAGE}
      command: ["sh", "-c", "echo {{{{ param.word }}}}; exec sleep 3600"]
"""
# what changes with every edit of the shipped catalog
WIZARD_VOLATILE = ("catalog_digest",)


@pytest.fixture
def idle(make_cli: Callable[..., Cli]) -> Cli:
    return make_cli(False)


def answers_file(directory: Path, body: object, name: str = "answers.yaml") -> str:
    path = directory / name
    path.write_text(yaml.safe_dump(body) if name.endswith(".yaml") else json.dumps(body))
    return str(path)


def test_render_prints_the_compose_and_the_documented_json(idle: Cli, tmp_path: Path) -> None:
    given = answers_file(tmp_path, SELECTION)
    rendered = idle("wizard", "render", "--answers", given)
    assert rendered.exit_code == 0, rendered.stderr
    compose = yaml.safe_load(rendered.stdout)  # stdout is the compose file alone
    assert compose["services"]["postgresql"]["environment"]["POSTGRES_USER"] == "${POSTGRESQL_USER}"
    assert "variable POSTGRESQL_USER = shop" in rendered.stderr  # what fills it in
    assert "component postgresql 16.4.0" in rendered.stderr
    assert "variable POSTGRESQL_PASSWORD = (secret)" in rendered.stderr
    as_json = idle.json(
        "wizard", "render", "--answers", answers_file(tmp_path, SELECTION, "a.json")
    )
    check_golden("wizard_render", as_json, idle.stack, *WIZARD_VOLATILE)
    listed = idle.json("wizard", "catalog", "relational")
    assert sorted(i["id"] for i in listed["items"]) == ["mariadb", "postgresql"]
    quiet = idle("wizard", "catalog", "--category", "database", "-q")
    assert quiet.stdout.split() == ["mariadb", "postgresql"]
    table = idle("wizard", "catalog")
    assert table.exit_code == 0 and "tomcat" in table.stdout and "DEFAULT" in table.stdout


def test_violations_exit_4_with_their_paths(idle: Cli, tmp_path: Path) -> None:
    bad = answers_file(tmp_path, BAD_ANSWER)
    refused = idle("wizard", "render", "--answers", bad)
    assert refused.exit_code == 4, refused.stderr
    assert refused.stderr.startswith("coremon: answers.postgresql.user: "), refused.stderr
    assert refused.stdout == ""  # no broken compose file for `> compose.yaml` to keep
    unknown = answers_file(tmp_path, {"selection": [{"component": "no-such-thing"}]}, "u.yaml")
    result = idle("wizard", "render", "--answers", unknown, "-o", "json")
    assert result.exit_code == 4
    assert json.loads(result.stdout)["violations"][0]["rule"] == "unknown"  # the data, too
    assert result.stderr.startswith("coremon: selection.0: "), result.stderr
    not_made = idle("wizard", "render", "--answers", bad, "--create", idle.stack)
    assert not_made.exit_code == 4, not_made.stderr
    assert "coremon: answers.postgresql.user: " in not_made.stderr
    assert idle("stack", "show", idle.stack).exit_code == 2  # nothing half-written


def test_a_stack_is_created_from_the_answers(idle: Cli, tmp_path: Path) -> None:
    given = answers_file(tmp_path, {**SELECTION, "comment": "from the cli"})
    created = idle.json("wizard", "render", "--answers", given, "--create", idle.stack)
    check_golden("wizard_create", created, idle.stack)
    history = idle.json("stack", "history", idle.stack)
    assert [(v["version"], v["comment"]) for v in history] == [(1, "from the cli")]
    taken = idle("wizard", "render", "--answers", given, "--create", idle.stack)
    assert taken.exit_code == 4, taken.stderr  # the name is taken: 409


def test_usage_errors_exit_2(idle: Cli, tmp_path: Path) -> None:
    not_a_mapping = answers_file(tmp_path, ["postgresql"])
    assert idle("wizard", "render", "--answers", not_a_mapping).exit_code == 2
    extra = answers_file(tmp_path, {**SELECTION, "name": "x"}, "extra.yaml")
    result = idle("wizard", "render", "--answers", extra)
    assert result.exit_code == 2 and "unknown keys name" in result.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("selection: [\n")
    assert idle("wizard", "render", "--answers", str(broken)).exit_code == 2
    assert idle("wizard", "render", "--answers", str(tmp_path / "none.yaml")).exit_code == 2
    given = answers_file(tmp_path, SELECTION)
    assert idle("wizard", "render", "--answers", given, "--wait").exit_code == 2  # no --create
    bogus = idle("wizard", "render", "--answers", given, COREMON_TOKEN="cm_not-a-token")
    assert bogus.exit_code == 2 and "coremon:" in bogus.stderr


def test_create_wait_applies_the_stack(make_cli: Callable[..., Cli], tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    (catalog / "clisleeper").mkdir(parents=True)
    (catalog / "clisleeper" / "1.0.0.yaml").write_text(SLEEPER)
    cli = make_cli(True, catalog_dirs=str(catalog))
    given = answers_file(
        tmp_path,
        {"selection": [{"component": "clisleeper"}], "answers": {"clisleeper": {"word": "hi"}}},
    )
    done = cli(
        "wizard", "render", "--answers", given, "--create", cli.stack, "--wait", "-o", "json"
    )
    assert done.exit_code == 0, done.stderr
    command = json.loads(done.stdout)
    assert command["type"] == "APPLY" and command["status"] == "DONE"
    status = cli.json("stack", "status", cli.stack)
    assert status["status"] == "RUNNING" and status["current_version"] == 1
    assert "sleeper-1 | hi" in cli("stack", "logs", cli.stack, "--tail", "5").stdout
