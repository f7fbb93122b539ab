"""`coremon stack ls | show | create | edit | history | diff` against the real app: the
documented JSON shapes (golden files), YAML the same data, and the exit codes of refusals
(4), usage and authentication errors (2), and of a diff that finds a difference (1)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.cli.conftest import IMAGE, Cli, check_golden, compose_file

pytestmark = pytest.mark.docker

V1 = f"services:\n  web:\n    image: {IMAGE}\n    command: [sleep, '3600']\n"
V2 = V1 + "    environment:\n      MODE: ${MODE}\n"


@pytest.fixture
def idle(make_cli: Callable[[bool], Cli]) -> Cli:
    """A server without a worker: nothing here needs a command to run."""
    return make_cli(False)


def test_definitions_in_their_documented_shapes(idle: Cli, tmp_path: Path) -> None:
    name = idle.stack
    f1 = compose_file(tmp_path, V1)
    created = idle.json("stack", "create", name, "-f", str(f1), "-m", "first")
    check_golden("stack_create", created, name)
    f2 = compose_file(tmp_path, V2, "v2.yaml")
    edited = idle.json("stack", "edit", name, "-f", str(f2), "--var", "MODE=blue", "--parent", "1")
    check_golden("stack_edit", edited, name)
    check_golden("stack_show", idle.json("stack", "show", name), name)
    listed = idle.json("stack", "ls")
    check_golden("stack_ls", [s for s in listed if s["name"] == name], name)
    check_golden("stack_history", idle.json("stack", "history", name), name)
    check_golden("stack_diff", idle.json("stack", "diff", name, "1", "2", code=1), name)
    as_yaml = idle("stack", "show", name, "-o", "yaml")
    assert yaml.safe_load(as_yaml.stdout) == idle.json("stack", "show", name)


def test_diff_exit_codes_and_quiet_ids(idle: Cli, tmp_path: Path) -> None:
    name = idle.stack
    idle("stack", "create", name, "-f", str(compose_file(tmp_path, V1)))
    assert idle("stack", "diff", name, "1", "1").exit_code == 0
    never_applied = idle.json("stack", "diff", name, code=1)
    assert never_applied["from_version"] is None and never_applied["different"]
    quiet = idle("stack", "ls", "-q")
    assert name in quiet.stdout.split()
    table = idle("stack", "ls")
    assert table.exit_code == 0 and name in table.stdout and "LATEST" in table.stdout


def test_tables_for_people_print_text_as_it_is(idle: Cli, tmp_path: Path) -> None:
    name = idle.stack
    idle("stack", "create", name, "-f", str(compose_file(tmp_path, V1)), "-m", "[first] cut")
    idle("stack", "edit", name, "-f", str(compose_file(tmp_path, V2, "v2.yaml")))
    diff = idle("stack", "diff", name, "1", "2")
    assert diff.exit_code == 1
    assert "command: [sleep, '3600']" in diff.stdout  # not taken for rich markup
    assert "+      MODE: ${MODE}" in diff.stdout
    history = idle("stack", "history", name)
    assert "[first] cut" in history.stdout and "VERSION" in history.stdout
    shown = idle("stack", "show", name)
    assert "latest_version" in shown.stdout and name in shown.stdout


def test_a_project_directory_is_sent_as_a_bundle(idle: Cli, tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.env").write_text("MODE=green\n")
    compose_file(project, V1.replace("command:", "env_file: [app.env]\n    command:"))
    name = idle.stack
    assert idle("stack", "create", name, "--dir", str(project)).exit_code == 0
    files = idle.client.get(f"/api/v1/stacks/{name}/versions/1/files").json()
    assert [f["path"] for f in files] == ["app.env"]
    (project / "app.env").write_text("MODE=red\n")
    edited = idle("stack", "edit", name, "--dir", str(project), "-f", str(project / "compose.yaml"))
    assert edited.exit_code == 0, edited.stderr
    diff = idle.json("stack", "diff", name, "1", "2", code=1)
    assert diff["diff"]["files"] == [{"change": "changed", "path": "app.env"}]


def test_refusals_exit_4_with_one_line_per_path(idle: Cli, tmp_path: Path) -> None:
    name = idle.stack
    bad = compose_file(tmp_path, "services:\n  web:\n    ports: ['99999:80']\n")
    result = idle("stack", "create", name, "-f", str(bad))
    assert result.exit_code == 4, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines and all(line.startswith("coremon: services.web") for line in lines), lines
    privileged = compose_file(tmp_path, V1 + "    privileged: true\n", "privileged.yaml")
    policy = idle("stack", "create", name, "-f", str(privileged))
    assert policy.exit_code == 4, policy.stderr
    assert policy.stderr.startswith("coremon: services.web.privileged: policy privileged")
    good = compose_file(tmp_path, V1, "good.yaml")
    assert idle("stack", "create", name, "-f", str(good)).exit_code == 0
    taken = idle("stack", "create", name, "-f", str(good))
    assert taken.exit_code == 4 and "coremon:" in taken.stderr
    assert idle("stack", "edit", name, "-f", str(good)).exit_code == 0  # v2
    stale = idle("stack", "edit", name, "-f", str(good), "--parent", "1")
    assert stale.exit_code == 4, stale.stderr
    secret = idle("stack", "edit", name, "-f", str(good), "--secret", "PASSWORD=s3cret")
    assert secret.exit_code == 0
    shown = idle.client.get(f"/api/v1/stacks/{name}/versions/3").json()
    assert shown["variables"] == {"PASSWORD": {"secret": True, "value": "***"}}


def test_usage_and_authentication_errors_exit_2(idle: Cli, tmp_path: Path) -> None:
    bogus = idle("stack", "ls", COREMON_TOKEN="cm_not-a-token")
    assert bogus.exit_code == 2 and "coremon:" in bogus.stderr
    assert idle("stack", "ls", COREMON_URL=None).exit_code == 2  # no server
    assert idle("stack", "ls", COREMON_TOKEN=None).exit_code == 2  # not logged in
    assert idle("stack", "show", "no-such-stack").exit_code == 2
    assert idle("stack", "create", idle.stack, "--var", "X=1").exit_code == 2  # no -f
    bad_var = idle(
        "stack", "create", idle.stack, "-f", str(compose_file(tmp_path, V1)), "--var", "X"
    )
    assert bad_var.exit_code == 2
    assert idle("stack", "rollback", "no-such-stack").exit_code == 2
    assert idle("stack", "wait", idle.stack).exit_code == 2  # neither --healthy nor --converged


def test_version_and_help_with_examples(idle: Cli) -> None:
    version = idle("--version")
    assert version.exit_code == 0 and version.stdout.startswith("coremon ")
    helped = idle("stack", "apply", "--help")
    assert helped.exit_code == 0
    assert "Example" in helped.stdout and "--wait" in helped.stdout and "--timeout" in helped.stdout
    for group in ("stack", "command"):
        assert idle(group, "--help").exit_code == 0
    root = idle("--help")
    assert "--install-completion" in root.stdout and "--show-completion" in root.stdout
    assert json.loads(idle("queue", "-o", "json").stdout)["halted"] is False
