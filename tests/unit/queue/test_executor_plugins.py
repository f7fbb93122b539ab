"""Executor plug-ins register under a CommandType; an unknown type stops the start."""

from __future__ import annotations

import sys
from types import ModuleType

import pytest

from core_monitor.domain.commands import CommandType
from core_monitor.errors import ConfigurationError
from core_monitor.queue.executors import ExecutionContext, ExecutorRegistry, load_plugins


def _nothing(ctx: ExecutionContext) -> None:
    pass


def _plugin(monkeypatch: pytest.MonkeyPatch, name: str, command_type: str) -> None:
    module = ModuleType(name)
    module.register = lambda registry: registry.register(command_type, _nothing)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, name, module)


def test_a_plugin_registers_an_executor_for_a_command_type(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _plugin(monkeypatch, "coremon_test_deploy_plugin", "DEPLOY")
    registry = ExecutorRegistry()
    load_plugins(registry, ["coremon_test_deploy_plugin"])
    assert registry.types() == frozenset({CommandType.DEPLOY})
    assert registry.get(CommandType.DEPLOY) is _nothing


def test_a_plugin_naming_an_unknown_type_stops_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    _plugin(monkeypatch, "coremon_test_bad_plugin", "TEST_SLEEP")
    with pytest.raises(ConfigurationError, match=r"coremon_test_bad_plugin.*TEST_SLEEP"):
        load_plugins(ExecutorRegistry(), ["coremon_test_bad_plugin"])
