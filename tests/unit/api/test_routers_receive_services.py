"""Routers translate HTTP into calls on the services they receive: they never hold the
composition root, reach through one service into another, or touch the database."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[3] / "src" / "core_monitor"
ROUTERS = sorted((SRC / "api" / "routers").glob("*.py"))
# modules routers call that answer HTTP themselves: they receive services like routers do
HTTP_HELPERS = [SRC / "api" / "streams.py"]


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _names(path: Path) -> set[str]:
    """Names, arguments and attributes (``request.app.state.runtime`` counts)."""
    tree = ast.parse(path.read_text())
    return (
        {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        | {n.arg for n in ast.walk(tree) if isinstance(n, ast.arg)}
        | {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
    )


def test_the_composition_root_lives_outside_the_api() -> None:
    assert (SRC / "runtime.py").is_file()
    assert not (SRC / "api" / "runtime.py").exists()


@pytest.mark.parametrize("router", ROUTERS + HTTP_HELPERS, ids=lambda p: p.name)
def test_a_router_receives_services_not_the_runtime(router: Path) -> None:
    assert {"runtime", "RuntimeDep", "Runtime"} & _names(router) == set()


@pytest.mark.parametrize("router", ROUTERS, ids=lambda p: p.name)
def test_a_router_touches_neither_the_store_nor_sqlalchemy(router: Path) -> None:
    banned = {m for m in _imports(router) if m.split(".")[0] == "sqlalchemy" or ".store" in m}
    assert banned == set()
