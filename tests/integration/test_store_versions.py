"""Versions: immutable in the database itself, gap-free numbering under concurrency."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from core_monitor.domain.stack import Variable
from core_monitor.errors import Conflict, NotFound
from core_monitor.store import stacks as stack_store
from core_monitor.store.db import Database


def new_version(tag: str = "1") -> stack_store.NewVersion:
    return stack_store.NewVersion(
        compose_text=f"services:\n  web:\n    image: busybox:{tag}\n",
        definition={"services": {"web": {"image": f"busybox:{tag}"}}},
        variables={"TAG": Variable(value=tag)},
        content_hash=f"hash-{tag}",
        author="alice",
        comment=f"v {tag}",
    )


def test_create_stack_stores_version_one(db: Database) -> None:
    with db.write() as s:
        stack, v1 = stack_store.create_stack(s, "shop", new_version())
    assert v1.version == 1 and v1.parent_version is None
    with db.read() as s:
        assert stack_store.get_stack(s, "shop").stack_id == stack.stack_id
        got = stack_store.get_version(s, stack.stack_id, 1)
    assert got.compose_text == new_version().compose_text
    assert got.variables["TAG"].value == "1"


def test_duplicate_live_name_conflicts_but_deleted_name_is_reusable(db: Database) -> None:
    with db.write() as s:
        stack, _ = stack_store.create_stack(s, "shop", new_version())
    with pytest.raises(Conflict), db.write() as s:
        stack_store.create_stack(s, "shop", new_version())
    with db.write() as s:
        stack_store.soft_delete(s, stack.stack_id)
    with db.write() as s:
        again, _ = stack_store.create_stack(s, "shop", new_version())
    assert again.stack_id != stack.stack_id
    with db.read() as s:  # history of the deleted stack is kept
        assert stack_store.get_version(s, stack.stack_id, 1).version == 1


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE stack_versions SET compose_text = 'hacked'",
        "UPDATE stack_versions SET definition = '{}'",
        "DELETE FROM stack_versions",
    ],
)
def test_database_refuses_to_change_a_stored_version(db: Database, statement: str) -> None:
    with db.write() as s:
        stack, _ = stack_store.create_stack(s, "shop", new_version())
    with pytest.raises(DBAPIError, match="immutable"), db.write() as s:
        s.execute(text(statement))
    with db.read() as s:
        assert stack_store.get_version(s, stack.stack_id, 1).compose_text.startswith("services")


def test_stale_parent_version_conflicts(db: Database) -> None:
    with db.write() as s:
        stack, _ = stack_store.create_stack(s, "shop", new_version())
        stack_store.add_version(s, stack.stack_id, new_version("2"), parent_version=1)
    with pytest.raises(Conflict, match="stale"), db.write() as s:
        stack_store.add_version(s, stack.stack_id, new_version("3"), parent_version=1)
    with db.write() as s:
        v3 = stack_store.add_version(s, stack.stack_id, new_version("3"), parent_version=2)
    assert (v3.version, v3.parent_version) == (3, 2)


def test_editing_the_applied_version_after_rollback_branches_the_tree(db: Database) -> None:
    with db.write() as s:
        stack, _ = stack_store.create_stack(s, "shop", new_version())
        stack_store.add_version(s, stack.stack_id, new_version("2"), parent_version=None)
        stack_store.set_status(s, stack.stack_id, stack.status, current_version=1)
    with db.write() as s:
        v3 = stack_store.add_version(s, stack.stack_id, new_version("3"), parent_version=1)
    assert (v3.version, v3.parent_version) == (3, 1)


def test_unknown_stack_and_version_are_not_found(db: Database) -> None:
    with pytest.raises(NotFound), db.read() as s:
        stack_store.get_stack(s, "nope")
    with db.write() as s:
        stack, _ = stack_store.create_stack(s, "shop", new_version())
    with pytest.raises(NotFound), db.read() as s:
        stack_store.get_version(s, stack.stack_id, 9)


def test_twenty_concurrent_creators_get_gap_free_numbers(db: Database) -> None:
    with db.write() as s:
        stack, _ = stack_store.create_stack(s, "shop", new_version())
    errors: list[BaseException] = []
    barrier = threading.Barrier(20)

    def create(i: int) -> None:
        try:
            barrier.wait()
            for j in range(3):
                with db.write() as s:
                    stack_store.add_version(s, stack.stack_id, new_version(f"{i}-{j}"), None)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with db.read() as s:
        versions, total = stack_store.list_versions(s, stack.stack_id, limit=500, offset=0)
    numbers = sorted(v.version for v in versions)
    assert total == 61
    assert numbers == list(range(1, 62))
    # each version's parent is the version before it: a clean line, no forks from races
    assert all(v.parent_version == v.version - 1 for v in versions if v.version > 1)
