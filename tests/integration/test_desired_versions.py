"""The desired-state memo of immutable versions: derived once, bounded, never stale."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from core_monitor.domain.actor import Actor
from core_monitor.domain.stack import Variable
from core_monitor.errors import NotFound
from core_monitor.services import stacks as stack_service
from core_monitor.services.desired import DesiredVersions
from core_monitor.services.stacks import NO_SECRETS
from core_monitor.store.db import Database

COMPOSE = "services:\n  web:\n    image: busybox:${TAG}\n    environment: {MODE: blue}\n"


def _stack(db: Database) -> str:
    stack, _ = stack_service.create_stack(
        db,
        Actor("alice"),
        name="shop",
        compose=COMPOSE,
        variables={"TAG": Variable(value="1")},
        comment="first",
    )
    stack_service.create_version(
        db,
        Actor("alice"),
        stack.stack_id,
        compose=COMPOSE.replace("blue", "green"),
        variables={"TAG": Variable(value="2")},
        comment="second",
        parent_version=1,
    )
    return stack.stack_id


def _statements(db: Database) -> list[str]:
    seen: list[str] = []

    def on_execute(*args: Any) -> None:
        seen.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", on_execute)
    return seen


def test_a_version_is_derived_once_then_served_without_the_database(db: Database) -> None:
    stack_id = _stack(db)
    versions = DesiredVersions(db, NO_SECRETS)
    first = versions.get(stack_id, 2)
    assert first.state.services["web"].image == "busybox:2"
    assert first.stored_services["web"]["environment"] == {"MODE": "green"}
    statements = _statements(db)
    again = versions.get(stack_id, 2)
    assert again is first
    assert statements == []


def test_the_memo_is_bounded_least_recently_used_first(db: Database) -> None:
    stack_id = _stack(db)
    versions = DesiredVersions(db, NO_SECRETS, capacity=1)
    one = versions.get(stack_id, 1)
    versions.get(stack_id, 2)  # pushes version 1 out
    statements = _statements(db)
    assert versions.get(stack_id, 1) == one  # derived again, equal
    assert statements != []


def test_previous_configs_skip_versions_that_do_not_exist(db: Database) -> None:
    stack_id = _stack(db)
    versions = DesiredVersions(db, NO_SECRETS)
    configs = versions.previous_configs(stack_id, {1, 9})
    assert set(configs) == {(1, "web")}
    assert configs[(1, "web")]["environment"] == {"MODE": "blue"}
    with pytest.raises(NotFound):
        versions.get(stack_id, 9)
