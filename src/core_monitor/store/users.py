"""Users, their role bindings and credentials, and the login-failure counters."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core_monitor.auth import credentials
from core_monitor.domain.auth import ApiToken, Role, User
from core_monitor.errors import Conflict, NotFound
from core_monitor.store.clock import aware, maybe_aware, utcnow
from core_monitor.store.tables import (
    AuthTokenRow,
    LoginFailureRow,
    OidcLoginRow,
    StackRoleRow,
    UserRow,
)

OIDC_TTL = timedelta(minutes=10)  # the time a person has to log in at the provider

# -- users ---------------------------------------------------------------------------------


def count_users(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(UserRow)) or 0)


def create_user(
    session: Session,
    username: str,
    *,
    password_hash: str | None,
    role: Role | None,
    source: str = "local",
    oidc_subject: str | None = None,
) -> User:
    if session.scalar(select(UserRow.user_id).where(UserRow.username == username)):
        raise Conflict(f"user {username!r} already exists")
    now = utcnow()
    row = UserRow(
        user_id=str(uuid.uuid4()),
        username=username,
        password_hash=password_hash,
        role=role,
        enabled=True,
        source=source,
        oidc_subject=oidc_subject,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    return _user(session, row)


def user_row(session: Session, username: str, *, lock: bool = False) -> UserRow:
    query = select(UserRow).where(UserRow.username == username)
    if lock:
        query = query.with_for_update()
    row = session.scalars(query).first()
    if row is None:
        raise NotFound(f"no user {username!r}")
    return row


def find_user_row(session: Session, username: str) -> UserRow | None:
    return session.scalars(select(UserRow).where(UserRow.username == username)).first()


def find_by_subject(session: Session, subject: str) -> UserRow | None:
    return session.scalars(select(UserRow).where(UserRow.oidc_subject == subject)).first()


def get_user(session: Session, username: str) -> User:
    return _user(session, user_row(session, username))


def user_by_id(session: Session, user_id: str) -> User:
    row = session.get(UserRow, user_id)
    if row is None:
        raise NotFound("no such user")
    return _user(session, row)


def list_users(session: Session, *, limit: int, offset: int) -> tuple[list[User], int]:
    total = count_users(session)
    rows = session.scalars(select(UserRow).order_by(UserRow.username).limit(limit).offset(offset))
    return [_user(session, r) for r in rows], total


def update_user(
    session: Session,
    username: str,
    *,
    role: Role | object | None = ...,
    enabled: bool | None = None,
    password_hash: str | None = None,
) -> UserRow:
    row = user_row(session, username, lock=True)
    if role is not ...:
        row.role = role  # type: ignore[assignment]
    if enabled is not None:
        row.enabled = enabled
    if password_hash is not None:
        row.password_hash = password_hash
    row.updated_at = utcnow()
    return row


def set_stack_roles(session: Session, user_id: str, roles: dict[str, Role]) -> None:
    session.execute(delete(StackRoleRow).where(StackRoleRow.user_id == user_id))
    for stack_id, role in roles.items():
        session.add(StackRoleRow(user_id=user_id, stack_id=stack_id, role=role))
    session.flush()


def stack_roles(session: Session, user_id: str) -> dict[str, Role]:
    rows = session.scalars(select(StackRoleRow).where(StackRoleRow.user_id == user_id))
    return {r.stack_id: Role(r.role) for r in rows}


def count_enabled_admins(session: Session) -> int:
    query = select(func.count()).where(UserRow.role == Role.ADMIN, UserRow.enabled.is_(True))
    return int(session.scalar(query) or 0)


def _user(session: Session, row: UserRow) -> User:
    return User(
        user_id=row.user_id,
        username=row.username,
        role=Role(row.role) if row.role else None,
        stack_roles=stack_roles(session, row.user_id),
        enabled=row.enabled,
        source=row.source,
        created_at=aware(row.created_at),
    )


# -- credentials -----------------------------------------------------------------------------


def issue(
    session: Session,
    user_id: str,
    kind: str,
    *,
    expires_at: datetime | None,
    name: str | None = None,
    role: Role | None = None,
    stacks: list[str] | None = None,
    csrf: str | None = None,
    family: str | None = None,
) -> tuple[str, AuthTokenRow]:
    """A new credential of ``kind``: (its secret, shown to no one but the caller, and the
    stored row, which keeps only a digest)."""
    secret = credentials.new_secret(kind)
    row = AuthTokenRow(
        token_id=str(uuid.uuid4()),
        user_id=user_id,
        kind=kind,
        digest=credentials.digest(secret),
        prefix=credentials.display_prefix(secret),
        name=name,
        role=role,
        stacks=stacks,
        csrf=csrf,
        family=family,
        created_at=utcnow(),
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return secret, row


def live_credential(session: Session, digest: str, kinds: tuple[str, ...]) -> AuthTokenRow | None:
    """The credential with this digest, if it is of one of ``kinds``, unrevoked and unexpired."""
    row = credential_by_digest(session, digest)
    if row is None or row.kind not in kinds or row.revoked_at is not None:
        return None
    if row.expires_at is not None and aware(row.expires_at) <= utcnow():
        return None
    return row


def credential_by_digest(session: Session, digest: str) -> AuthTokenRow | None:
    return session.scalars(select(AuthTokenRow).where(AuthTokenRow.digest == digest)).first()


def touch(session: Session, token_id: str, now: datetime) -> None:
    session.execute(
        update(AuthTokenRow).where(AuthTokenRow.token_id == token_id).values(last_used_at=now)
    )


def revoke(session: Session, token_id: str) -> None:
    session.execute(
        update(AuthTokenRow)
        .where(AuthTokenRow.token_id == token_id, AuthTokenRow.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_family(session: Session, family: str) -> None:
    session.execute(
        update(AuthTokenRow)
        .where(AuthTokenRow.family == family, AuthTokenRow.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_all_for_user(session: Session, user_id: str, *, keep_api: bool = False) -> None:
    query = update(AuthTokenRow).where(
        AuthTokenRow.user_id == user_id, AuthTokenRow.revoked_at.is_(None)
    )
    if keep_api:
        query = query.where(AuthTokenRow.kind != "api")
    session.execute(query.values(revoked_at=utcnow()))


def revocation_mark(session: Session) -> tuple[object, ...]:
    """Changes when a credential is revoked or a user is updated. Counts as well as times: a
    revocation stamped by a server whose clock is behind still changes it."""
    revoked = session.execute(
        select(func.count(AuthTokenRow.revoked_at), func.max(AuthTokenRow.revoked_at))
    ).one()
    users = session.execute(select(func.max(UserRow.updated_at))).one()
    return (*revoked, *users)


def api_token(session: Session, token_id: str) -> AuthTokenRow:
    row = session.get(AuthTokenRow, token_id)
    if row is None or row.kind != "api":
        raise NotFound(f"no API token {token_id}")
    return row


def list_api_tokens(session: Session, *, limit: int, offset: int) -> tuple[list[ApiToken], int]:
    query = select(AuthTokenRow, UserRow.username).join(UserRow).where(AuthTokenRow.kind == "api")
    total = int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = session.execute(
        query.order_by(AuthTokenRow.created_at.desc()).limit(limit).offset(offset)
    ).all()
    return [to_api_token(row, owner) for row, owner in rows], total


def to_api_token(row: AuthTokenRow, owner: str) -> ApiToken:
    return ApiToken(
        token_id=row.token_id,
        name=row.name or "",
        owner=owner,
        role=Role(row.role or Role.VIEWER),
        stacks=row.stacks,
        prefix=row.prefix,
        created_at=aware(row.created_at),
        expires_at=maybe_aware(row.expires_at),
        last_used_at=maybe_aware(row.last_used_at),
        revoked=row.revoked_at is not None,
    )


def purge_expired(session: Session, before: datetime) -> None:
    """Expired short-lived credentials are dead weight; API tokens stay listed."""
    session.execute(
        delete(AuthTokenRow).where(
            AuthTokenRow.kind != "api",
            AuthTokenRow.expires_at.is_not(None),
            AuthTokenRow.expires_at < before,
        )
    )


# -- login throttling ------------------------------------------------------------------------


def locked_until(session: Session, keys: list[str]) -> datetime | None:
    """The latest lock still in force among ``keys``, if any."""
    now = utcnow()
    latest: datetime | None = None
    for row in session.scalars(select(LoginFailureRow).where(LoginFailureRow.key.in_(keys))):
        until = maybe_aware(row.locked_until)
        if until is not None and until > now and (latest is None or until > latest):
            latest = until
    return latest


def record_failure(
    session: Session, keys: list[str], *, max_failures: int, window: timedelta, lockout: timedelta
) -> None:
    now = utcnow()
    for key in keys:
        try:
            with session.begin_nested():  # a concurrent first failure may insert the key too
                _count_failure(session, key, now, max_failures, window, lockout)
        except IntegrityError:
            _count_failure(session, key, now, max_failures, window, lockout)


def _count_failure(
    session: Session,
    key: str,
    now: datetime,
    max_failures: int,
    window: timedelta,
    lockout: timedelta,
) -> None:
    row = session.get(LoginFailureRow, key, with_for_update=True, populate_existing=True)
    if row is None:
        row = LoginFailureRow(key=key, count=0, first_at=now)
        session.add(row)
    elif aware(row.first_at) + window < now:
        row.count, row.first_at, row.locked_until = 0, now, None
    row.count += 1
    if row.count >= max_failures:
        row.locked_until = now + lockout
    session.flush()


def clear_failures(session: Session, keys: list[str]) -> None:
    session.execute(delete(LoginFailureRow).where(LoginFailureRow.key.in_(keys)))


# -- single sign-on in flight ------------------------------------------------------------


def save_oidc_login(
    session: Session, state_digest: str, verifier: str, nonce: str, redirect_uri: str
) -> None:
    session.execute(delete(OidcLoginRow).where(OidcLoginRow.created_at < utcnow() - OIDC_TTL))
    session.add(
        OidcLoginRow(
            state_digest=state_digest,
            code_verifier=verifier,
            nonce=nonce,
            redirect_uri=redirect_uri,
            created_at=utcnow(),
        )
    )


def take_oidc_login(session: Session, state_digest: str) -> OidcLoginRow | None:
    """The login this state started, once: it is deleted as it is read."""
    row = session.get(OidcLoginRow, state_digest, with_for_update=True)
    if row is None:
        return None
    session.delete(row)
    if aware(row.created_at) + OIDC_TTL < utcnow():
        return None
    return row
