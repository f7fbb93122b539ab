"""Administering users and personal API tokens; every change is audited."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy.orm import Session

from core_monitor.auth.passwords import hash_password, password_problem
from core_monitor.domain.actor import Actor
from core_monitor.domain.auth import ApiToken, Role, User
from core_monitor.errors import Conflict, FieldError, ValidationFailed
from core_monitor.services.auth import expires_at
from core_monitor.services.revocations import RevocationMark
from core_monitor.store import audit
from core_monitor.store import stacks as stack_store
from core_monitor.store import users as user_store
from core_monitor.store.db import Database

USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")
UNSET: object = object()


@dataclass(frozen=True)
class CreatedToken:
    secret: str  # shown once
    token: ApiToken


def check_username(username: str, path: str = "username") -> None:
    if not USERNAME.match(username):
        raise ValidationFailed(
            [FieldError(path, "1-64 letters, digits, '.', '_', '@' or '-', not starting with one")]
        )


def check_password(password: str, path: str = "password") -> None:
    problem = password_problem(password)
    if problem:
        raise ValidationFailed([FieldError(path, problem)])


def _stack_ids(session: Session, refs: dict[str, Role], path: str) -> dict[str, Role]:
    """Stack names or ids → ids; an unknown one is a field error."""
    resolved: dict[str, Role] = {}
    errors = []
    for ref, role in refs.items():
        try:
            resolved[stack_store.get_stack(session, ref).stack_id] = role
        except Exception:
            errors.append(FieldError(f"{path}.{ref}", "no such stack"))
    if errors:
        raise ValidationFailed(errors)
    return resolved


class UserService:
    def __init__(self, db: Database, revocations: RevocationMark | None = None) -> None:
        self.db = db
        self.revocations = revocations or RevocationMark(db)

    def create(
        self,
        actor: Actor,
        username: str,
        password: str,
        role: Role | None,
        stack_roles: dict[str, Role],
    ) -> User:
        check_username(username)
        check_password(password)
        password_hash = hash_password(password)  # slow on purpose: outside the transaction
        with self.db.write() as session:
            roles = _stack_ids(session, stack_roles, "stack_roles")
            user = user_store.create_user(session, username, password_hash=password_hash, role=role)
            user_store.set_stack_roles(session, user.user_id, roles)
            audit.record_by(
                session,
                actor,
                "user.create",
                f"user:{username}",
                details={"role": role, "stack_roles": roles},
            )
            return user_store.get_user(session, username)

    def update(
        self,
        actor: Actor,
        username: str,
        *,
        role: Role | object | None = UNSET,
        enabled: bool | None = None,
        password: str | None = None,
        stack_roles: dict[str, Role] | None = None,
    ) -> User:
        if password is not None:
            check_password(password)
        password_hash = hash_password(password) if password is not None else None
        with self.db.write() as session:
            before = user_store.get_user(session, username)
            row = user_store.update_user(
                session,
                username,
                role=... if role is UNSET else role,
                enabled=enabled,
                password_hash=password_hash,
            )
            if stack_roles is not None:
                user_store.set_stack_roles(
                    session, row.user_id, _stack_ids(session, stack_roles, "stack_roles")
                )
            if (
                before.role == Role.ADMIN
                and before.enabled
                and (row.role != Role.ADMIN or not row.enabled)
            ):
                session.flush()
                if user_store.count_enabled_admins(session) == 0:
                    raise Conflict("this would leave no enabled admin")
            if enabled is False or password is not None:
                # a disabled user or a changed password ends every open session at once
                user_store.revoke_all_for_user(session, row.user_id, keep_api=enabled is not False)
            changes: dict[str, object] = {}
            if role is not UNSET:
                changes["role"] = role
            if enabled is not None:
                changes["enabled"] = enabled
            if password is not None:
                changes["password"] = "changed"  # noqa: S105 - never the value
            if stack_roles is not None:
                changes["stack_roles"] = stack_roles
            audit.record_by(session, actor, "user.update", f"user:{username}", details=changes)
            user = user_store.get_user(session, username)
        self.revocations.changed()
        return user

    def list_users(self, limit: int, offset: int) -> tuple[list[User], int]:
        with self.db.read() as session:
            return user_store.list_users(session, limit=limit, offset=offset)

    # -- personal API tokens ------------------------------------------------------------------
    def create_token(
        self,
        actor: Actor,
        *,
        name: str,
        owner: str,
        role: Role,
        stacks: list[str] | None,
        expires_in_days: int | None,
    ) -> CreatedToken:
        with self.db.write() as session:
            user = user_store.get_user(session, owner)
            stack_ids = None
            if stacks is not None:
                stack_ids = sorted(_stack_ids(session, dict.fromkeys(stacks, role), "stacks"))
            secret, row = user_store.issue(
                session,
                user.user_id,
                "api",
                expires_at=expires_at(expires_in_days),
                name=name,
                role=role,
                stacks=stack_ids,
            )
            audit.record_by(
                session,
                actor,
                "token.create",
                f"token:{row.token_id}",
                details={"owner": owner, "name": name, "role": role, "stacks": stack_ids},
            )
            return CreatedToken(secret, user_store.to_api_token(row, owner))

    def list_tokens(self, limit: int, offset: int) -> tuple[list[ApiToken], int]:
        with self.db.read() as session:
            return user_store.list_api_tokens(session, limit=limit, offset=offset)

    def revoke_token(self, actor: Actor, token_id: str) -> None:
        with self.db.write() as session:
            user_store.api_token(session, token_id)
            user_store.revoke(session, token_id)
            audit.record_by(session, actor, "token.revoke", f"token:{token_id}")
        self.revocations.changed()
