"""Creating stacks and versions: synchronous, validated, policy-checked, transactional,
audited."""

from __future__ import annotations

from dataclasses import dataclass

from core_monitor.compose import check_container_count, validate_project_name
from core_monitor.domain.stack import Stack, StackVersion, Variable
from core_monitor.services import definitions
from core_monitor.settings import DEFAULT_MAX_CONTAINERS
from core_monitor.store import audit
from core_monitor.store import stacks as stack_store
from core_monitor.store.db import Database
from core_monitor.vault import SecretBox

NO_SECRETS = SecretBox(None)


@dataclass(frozen=True)
class Actor:
    """Who asks, and from where (authentication arrives with the security issue)."""

    name: str
    source: str | None = None


def _prepare(
    db: Database,
    box: SecretBox,
    stack: tuple[str | None, str],  # (id: None before it exists, name)
    compose: str,
    variables: dict[str, Variable],
    author: str,
    comment: str,
    max_containers: int,
) -> stack_store.NewVersion:
    # validation happens entirely before the transaction: a bad file writes nothing
    definitions.check_secrets(variables)
    stack_id, name = stack
    project, _ = definitions.load_masked(name, compose, variables)
    check_container_count(project, max_containers)
    definitions.check_policy(db, stack_id, project)
    definition, stored_variables, digest = definitions.stored_form(project, variables, box)
    return stack_store.NewVersion(
        compose_text=compose,
        definition=definition,
        variables=stored_variables,
        content_hash=digest,
        author=author,
        comment=comment,
    )


def create_stack(
    db: Database,
    actor: Actor,
    *,
    name: str,
    compose: str,
    variables: dict[str, Variable],
    comment: str,
    box: SecretBox = NO_SECRETS,
    max_containers: int = DEFAULT_MAX_CONTAINERS,
) -> tuple[Stack, StackVersion]:
    validate_project_name(name)
    first = _prepare(db, box, (None, name), compose, variables, actor.name, comment, max_containers)
    with db.write() as session:
        stack, version = stack_store.create_stack(session, name, first)
        audit.record_by(
            session,
            actor,
            "stack.create",
            f"stack:{stack.stack_id}",
            details={"name": name, "version": version.version, "hash": version.content_hash},
        )
        return stack_store.get_stack(session, stack.stack_id), version


def create_version(
    db: Database,
    actor: Actor,
    stack_ref: str,
    *,
    compose: str,
    variables: dict[str, Variable] | None,
    comment: str,
    parent_version: int | None,
    box: SecretBox = NO_SECRETS,
    max_containers: int = DEFAULT_MAX_CONTAINERS,
) -> StackVersion:
    """``variables`` None: the parent's (the latest when no parent is named), secrets
    included; the parent is then pinned, so a version added meanwhile makes this one stale."""
    with db.read() as session:
        stack = stack_store.get_stack(session, stack_ref)
        if variables is None:
            parent_version = parent_version or stack.latest_version
            variables = definitions.plain_variables(
                stack_store.get_parent(session, stack.stack_id, parent_version).variables, box
            )
    new = _prepare(
        db,
        box,
        (stack.stack_id, stack.name),
        compose,
        variables,
        actor.name,
        comment,
        max_containers,
    )
    with db.write() as session:
        version = stack_store.add_version(session, stack.stack_id, new, parent_version)
        audit.record_by(
            session,
            actor,
            "version.create",
            f"stack:{stack.stack_id}",
            details={"version": version.version, "parent_version": version.parent_version},
        )
        return version
