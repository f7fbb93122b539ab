"""The command life cycle's rules: the transition table, what halts the queue, backoff."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core_monitor.domain.commands import (
    CommandStatus,
    OnFailure,
    blocking_statuses,
    can_transition,
    halts,
    retry_delay,
)
from core_monitor.errors import Conflict
from core_monitor.store.commands import move
from core_monitor.store.tables import CommandRow

S = CommandStatus


def test_a_retryable_failure_may_put_a_running_command_back_in_the_queue() -> None:
    assert can_transition(S.RUNNING, S.PENDING)


@pytest.mark.parametrize(
    ("old", "new"),
    [(S.DONE, S.PENDING), (S.CANCELLED, S.RUNNING), (S.PENDING, S.DONE), (S.FAILED, S.DONE)],
)
def test_every_status_write_goes_through_the_table(old: S, new: S) -> None:
    row = CommandRow(command_id="c1", status=old, error=None)
    with pytest.raises(Conflict, match=f"cannot go from {old} to {new}"):
        move(row, new)
    assert row.status == old


def test_a_move_sets_the_times_that_go_with_the_status() -> None:
    row = CommandRow(command_id="c1", status=S.PENDING, error="old", not_before=None)
    move(row, S.RUNNING)
    assert row.status == S.RUNNING and row.started_at is not None and row.error == "old"
    move(row, S.PENDING)
    assert row.started_at is None
    move(row, S.RUNNING)
    move(row, S.FAILED, error="boom")
    assert row.finished_at is not None and row.error == "boom"


def test_whether_a_failure_halts_the_queue_is_the_policy() -> None:
    assert halts(S.FAILED, OnFailure.HALT)
    assert not halts(S.FAILED, OnFailure.CONTINUE)
    assert not halts(S.PENDING, OnFailure.HALT)
    assert S.FAILED in blocking_statuses(OnFailure.HALT)
    assert S.FAILED not in blocking_statuses(OnFailure.CONTINUE)


def test_retry_backoff_grows_and_is_capped() -> None:
    assert retry_delay(1) == timedelta(seconds=2)
    assert retry_delay(2) == timedelta(seconds=4)
    assert retry_delay(10) == timedelta(seconds=30)
