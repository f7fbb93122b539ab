"""Dependency layers: each node comes after everything it depends on, cycles are named."""

from __future__ import annotations

import pytest

from core_monitor.domain.graph import CycleError, layers


def test_a_node_lands_one_layer_after_its_deepest_dependency() -> None:
    graph = {"db": set(), "cache": set(), "api": {"db"}, "web": {"api", "cache"}, "job": {"db"}}
    assert layers(graph) == [["cache", "db"], ["api", "job"], ["web"]]


def test_dependencies_outside_the_graph_are_ignored() -> None:
    assert layers({"web": {"switched-off"}, "db": set()}) == [["db", "web"]]


def test_a_cycle_is_refused_with_its_path() -> None:
    with pytest.raises(CycleError) as caught:
        layers({"ok": set(), "a": {"b", "ok"}, "b": {"a"}, "c": {"a"}})
    assert caught.value.cycle in (["a", "b", "a"], ["b", "a", "b"])


def test_a_self_dependency_is_a_cycle() -> None:
    with pytest.raises(CycleError):
        layers({"a": {"a"}})
