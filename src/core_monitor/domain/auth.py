"""Who is asking and what they may do: roles, permissions, identities (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum

from pydantic import BaseModel, ConfigDict


class Role(StrEnum):
    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Role.VIEWER: 1, Role.OPERATOR: 2, Role.ADMIN: 3}


class Permission(IntEnum):
    """What a route needs; a role grants every permission up to its rank."""

    READ = 1  # viewer: every READ query
    OPERATE = 2  # operator: versions, apply, rollback, deploy, runtime actions, cancel, retry,
    # dismiss (a stack's operator unblocks the queue its failed command halts)
    ADMIN = 3  # admin: users, tokens, audit, policy, delete

    @property
    def label(self) -> str:
        return self.name.lower()


class AuthKind(StrEnum):
    SESSION = "session"  # browser cookie
    BEARER = "bearer"  # access token from /auth/token
    TOKEN = "token"  # noqa: S105 - personal API token (a kind, not a secret)


def higher(a: Role | None, b: Role | None) -> Role | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if a.rank >= b.rank else b


def lower(a: Role | None, b: Role | None) -> Role | None:
    if a is None or b is None:
        return None
    return a if a.rank <= b.rank else b


@dataclass(frozen=True)
class Identity:
    """An authenticated caller. A personal API token narrows its owner's rights: its role
    caps theirs and, when it names stacks, it reaches only those."""

    username: str
    role: Role | None  # global binding
    stack_roles: dict[str, Role] = field(default_factory=dict)  # stack_id → role
    kind: AuthKind = AuthKind.BEARER
    token_role: Role | None = None
    token_stacks: frozenset[str] | None = None  # stack ids; None: every stack
    session_id: str | None = None
    csrf: str | None = None  # sessions only: what X-CSRF-Token must say

    def _capped(self, role: Role | None) -> Role | None:
        if self.kind == AuthKind.TOKEN:
            return lower(role, self.token_role)
        return role

    def global_role(self) -> Role | None:
        """The role on things that belong to no stack (host, queue, users…)."""
        if self.token_stacks is not None:
            return None  # a token bound to stacks reaches nothing else
        return self._capped(self.role)

    def role_on(self, stack_id: str) -> Role | None:
        if self.token_stacks is not None and stack_id not in self.token_stacks:
            return None
        return self._capped(higher(self.role, self.stack_roles.get(stack_id)))

    def can(self, permission: Permission, stack_id: str | None = None) -> bool:
        role = self.global_role() if stack_id is None else self.role_on(stack_id)
        return role is not None and role.rank >= permission

    def sees(self, stack_id: str) -> bool:
        return self.role_on(stack_id) is not None

    def visible_stacks(self) -> frozenset[str] | None:
        """The stack ids this caller may see; None means every stack."""
        if self.global_role() is not None:
            return None
        candidates = set(self.stack_roles) | set(self.token_stacks or ())
        return frozenset(s for s in candidates if self.sees(s))

    def sees_some_stack(self) -> bool:
        visible = self.visible_stacks()
        return visible is None or bool(visible)

    def can_somewhere(self, permission: Permission) -> bool:
        """Whether the caller has ``permission`` on at least one stack (or globally)."""
        if self.can(permission):
            return True
        candidates = set(self.stack_roles) | set(self.token_stacks or ())
        return any(self.can(permission, s) for s in candidates)


class User(BaseModel):
    model_config = ConfigDict(frozen=True)

    user_id: str
    username: str
    role: Role | None
    stack_roles: dict[str, Role]  # stack_id → role
    enabled: bool
    source: str  # local | oidc
    created_at: datetime


class ApiToken(BaseModel):
    """A personal API token as listed (never its secret)."""

    model_config = ConfigDict(frozen=True)

    token_id: str
    name: str
    owner: str
    role: Role
    stacks: list[str] | None  # stack ids
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked: bool
