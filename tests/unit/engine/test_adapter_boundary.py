"""docker-py stays inside the adapter (engine/docker/): the planner, the desired state and
drift load without it, and no other module imports it or reaches its low-level client."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[3] / "src" / "core_monitor"
ADAPTER = SRC / "engine" / "docker"


def _outside_the_adapter() -> list[Path]:
    return [p for p in sorted(SRC.rglob("*.py")) if ADAPTER not in p.parents]


def _is_docker(module: str | None) -> bool:
    return module is not None and (module == "docker" or module.startswith("docker."))


def _imports_docker(tree: ast.AST) -> list[int]:
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            modules = [node.module or ""]
        else:
            continue
        if any(_is_docker(m) for m in modules):
            lines.append(node.lineno)
    return lines


def _reaches_the_client_api(tree: ast.AST) -> list[int]:
    """``<x>.client.api``: docker-py's low-level client, outside the adapter."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute)
        and node.attr == "api"
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "client"
    ]


def test_no_module_outside_the_adapter_imports_docker_py() -> None:
    found = {
        str(path.relative_to(SRC)): lines
        for path in _outside_the_adapter()
        if (lines := _imports_docker(ast.parse(path.read_text(), str(path))))
    }
    assert found == {}


def test_no_module_outside_the_adapter_reaches_the_low_level_client() -> None:
    found = {
        str(path.relative_to(SRC)): lines
        for path in _outside_the_adapter()
        if (lines := _reaches_the_client_api(ast.parse(path.read_text(), str(path))))
    }
    assert found == {}


def test_the_scan_sees_an_import_of_docker() -> None:
    assert _imports_docker(ast.parse("import docker.errors\nfrom docker import types\n")) == [1, 2]
    assert _reaches_the_client_api(ast.parse("gw.client.api.start(x)\n")) == [1]


def test_planner_state_and_drift_load_without_docker_py() -> None:
    code = (
        "import sys\n"
        "import core_monitor.engine.planner, core_monitor.engine.state\n"
        "import core_monitor.engine.model, core_monitor.monitor.drift\n"
        "import core_monitor.engine.docker.rows\n"
        "assert 'docker' not in sys.modules, sorted(m for m in sys.modules if 'docker' in m)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
