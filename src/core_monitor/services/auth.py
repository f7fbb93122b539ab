"""Logins, credentials and identities: who may call, checked on every request.

Credentials are opaque random strings kept as SHA-256 digests (auth/credentials.py), so a
revocation or a disabled user takes effect on the very next request.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from core_monitor.auth import credentials
from core_monitor.auth.oidc import OidcClient, OidcError, parse_role_map, role_from_claims
from core_monitor.auth.passwords import hash_password, needs_rehash, verify_password
from core_monitor.domain.actor import Actor
from core_monitor.domain.auth import AuthKind, Identity, Role
from core_monitor.errors import LoginFailed, TooManyRequests
from core_monitor.log import get_logger
from core_monitor.services.revocations import RevocationMark
from core_monitor.settings import Settings
from core_monitor.store import audit
from core_monitor.store import users as user_store
from core_monitor.store.clock import aware, utcnow
from core_monitor.store.db import Database
from core_monitor.store.tables import AuthTokenRow, UserRow

log = get_logger("core_monitor.auth")

FAILURE_WINDOW = timedelta(minutes=15)
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is a hint, not worth a write per request
ADMIN = "admin"
_KIND_OF_PREFIX = {
    credentials.PREFIXES["session"]: ("session",),
    credentials.PREFIXES["access"]: ("access",),
    credentials.PREFIXES["api"]: ("api",),
}
_AUTH_KIND = {"session": AuthKind.SESSION, "access": AuthKind.BEARER, "api": AuthKind.TOKEN}


def record_login(
    session: Session, username: str, source: str | None, outcome: str, via: str | None = None
) -> None:
    """A login attempt in the audit trail (the name as typed: it may exist or not)."""
    audit.record(
        session,
        actor=username[:200],
        source=source,
        action="auth.login",
        target=f"user:{username[:190]}",
        outcome=outcome,
        details={"via": via} if via else None,
    )


@dataclass(frozen=True)
class SessionGrant:
    secret: str
    csrf: str
    expires_in: int


@dataclass(frozen=True)
class TokenGrant:
    access_token: str
    refresh_token: str
    expires_in: int


class AuthService:
    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self.settings = settings
        self.revocations = RevocationMark(db)

    # -- first start ---------------------------------------------------------------------
    def bootstrap_admin(self) -> None:
        """While no enabled admin exists (a first start), creates `admin`: with
        COREMON_ADMIN_PASSWORD, or a one-time password printed once in the log. A user named
        `admin` that already exists is left as it is."""
        with self.db.write() as session:
            if user_store.count_enabled_admins(session) > 0 or user_store.find_user_row(
                session, ADMIN
            ):
                return
            given = self.settings.admin_password
            password = given.get_secret_value() if given else secrets.token_urlsafe(18)
            user_store.create_user(
                session, ADMIN, password_hash=hash_password(password), role=Role.ADMIN
            )
            audit.record(session, actor="system", action="user.create", target=f"user:{ADMIN}")
        if given is None:
            # printed once, on purpose: the only way to learn it (change it after logging in)
            log.warning(
                "created user 'admin' with a one-time password; change it after logging in",
                username=ADMIN,
                password=password,
            )

    # -- password logins -------------------------------------------------------------------
    def login(self, username: str, password: str, source: str | None) -> UserRow:
        """The user, if the password is right; LoginFailed (same words whether the name
        exists or not) or TooManyRequests otherwise. Every attempt is audited."""
        keys = [f"user:{username.lower()}", f"addr:{source or '?'}"]
        with self.db.read() as session:
            locked = user_store.locked_until(session, keys)
            row = user_store.find_user_row(session, username)
        if locked is not None:
            self._audit_login(username, source, "throttled")
            wait = max(1, int((locked - utcnow()).total_seconds()))
            raise TooManyRequests(f"too many failed logins; try again in {wait} s", wait)
        stored = row.password_hash if row is not None and row.enabled else None
        if not verify_password(stored, password) or row is None:
            with self.db.write() as session:
                user_store.record_failure(
                    session,
                    keys,
                    max_failures=self.settings.login_max_failures,
                    window=FAILURE_WINDOW,
                    lockout=timedelta(seconds=self.settings.login_lockout_seconds),
                )
                record_login(session, username, source, "denied")
            raise LoginFailed("invalid username or password")
        with self.db.write() as session:
            user_store.clear_failures(session, keys)
            if stored and needs_rehash(stored):
                user_store.update_user(session, row.username, password_hash=hash_password(password))
        self._audit_login(row.username, source, "ok")
        return row

    def _audit_login(self, username: str, source: str | None, outcome: str) -> None:
        with self.db.write() as session:
            record_login(session, username, source, outcome)

    # -- issuing credentials --------------------------------------------------------------
    def open_session(self, user_id: str) -> SessionGrant:
        csrf = secrets.token_urlsafe(24)
        ttl = self.settings.session_seconds
        with self.db.write() as session:
            user_store.purge_expired(session, utcnow() - timedelta(days=1))
            secret, _ = user_store.issue(
                session, user_id, "session", expires_at=_after(ttl), csrf=csrf
            )
        return SessionGrant(secret, csrf, ttl)

    def issue_tokens(self, user_id: str, family: str | None = None) -> TokenGrant:
        """An access token and the refresh token that renews it; both belong to the family
        of the first refresh token of this login."""
        settings = self.settings
        with self.db.write() as session:
            refresh, row = user_store.issue(
                session,
                user_id,
                "refresh",
                expires_at=_after(settings.refresh_token_seconds),
                family=family,
            )
            row.family = family or row.token_id
            access, _ = user_store.issue(
                session,
                user_id,
                "access",
                expires_at=_after(settings.access_token_seconds),
                family=row.family,
            )
        return TokenGrant(access, refresh, settings.access_token_seconds)

    def refresh(self, refresh_secret: str, source: str | None) -> TokenGrant:
        """Rotate: the old refresh token dies. Presenting a dead one again means it was
        stolen or replayed, so its whole family (every token it led to) is revoked."""
        digest = credentials.digest(refresh_secret)
        with self.db.write() as session:
            row = user_store.live_credential(session, digest, ("refresh",))
            if row is None:
                reused = user_store.credential_by_digest(session, digest)
                if reused is not None and reused.kind == "refresh" and reused.family:
                    user_store.revoke_family(session, reused.family)
                    audit.record(
                        session,
                        actor="system",
                        source=source,
                        action="auth.refresh_reuse",
                        target=f"token:{reused.token_id}",
                        outcome="denied",
                    )
                family, user_id = None, None
            else:
                user = session.get(UserRow, row.user_id)
                user_store.revoke(session, row.token_id)
                family = row.family
                user_id = row.user_id if user is not None and user.enabled else None
        self.revocations.changed()
        if user_id is None:
            raise LoginFailed("invalid or expired refresh token")
        return self.issue_tokens(user_id, family)

    def logout(self, identity: Identity, source: str | None) -> None:
        with self.db.write() as session:
            if identity.session_id:
                user_store.revoke(session, identity.session_id)
                row = session.get(AuthTokenRow, identity.session_id)
                if row is not None and row.family:
                    user_store.revoke_family(session, row.family)
            audit.record(
                session,
                actor=identity.username,
                source=source,
                action="auth.logout",
                target=f"user:{identity.username}",
            )
        self.revocations.changed()

    # -- every request ----------------------------------------------------------------------
    def authenticate(self, secret: str) -> Identity | None:
        kinds = _KIND_OF_PREFIX.get(secret[:4])
        if kinds is None or len(secret) > 200:
            return None
        with self.db.read() as session:
            row = user_store.live_credential(session, credentials.digest(secret), kinds)
            if row is None:
                return None
            user = session.get(UserRow, row.user_id)
            if user is None or not user.enabled:
                return None
            roles = user_store.stack_roles(session, user.user_id)
            identity = Identity(
                username=user.username,
                role=Role(user.role) if user.role else None,
                stack_roles=roles,
                kind=_AUTH_KIND[row.kind],
                token_role=Role(row.role) if row.role else None,
                token_stacks=frozenset(row.stacks) if row.stacks is not None else None,
                session_id=row.token_id,
                csrf=row.csrf,
            )
            stale = row.last_used_at is None or aware(row.last_used_at) + TOUCH_EVERY < utcnow()
            token_id = row.token_id
        if stale:
            with self.db.write() as session:
                user_store.touch(session, token_id, utcnow())
        return identity


def _after(seconds: int) -> datetime:
    return utcnow() + timedelta(seconds=seconds)


def actor_of(identity: Identity, source: str | None) -> Actor:
    return Actor(name=identity.username, source=source)


def expires_at(days: int | None) -> datetime | None:
    return None if days is None else utcnow() + timedelta(days=days)


class SingleSignOn:
    """OIDC logins: the flow's state lives in the database (one use, ten minutes), users
    are matched by issuer and subject, and their role follows the provider's claim."""

    def __init__(self, db: Database, settings: Settings, client: OidcClient) -> None:
        self.db = db
        self.settings = settings
        self.client = client
        self.role_map = parse_role_map(settings.oidc_role_map)

    def start(self, redirect_uri: str) -> str:
        flow = self.client.start(redirect_uri)
        with self.db.write() as session:
            user_store.save_oidc_login(
                session,
                credentials.digest(flow.state),
                flow.code_verifier,
                flow.nonce,
                flow.redirect_uri,
            )
        return flow.url

    def finish(self, state: str, code: str, source: str | None) -> UserRow:
        with self.db.write() as session:
            pending = user_store.take_oidc_login(session, credentials.digest(state))
            found = (
                None
                if pending is None
                else (pending.code_verifier, pending.nonce, pending.redirect_uri)
            )
        if found is None:
            raise OidcError("unknown or expired login; start again")
        claims = self.client.finish(code, *found)
        subject = f"{self.client.issuer}|{claims['sub']}"
        username = str(claims.get(self.settings.oidc_username_claim) or claims["sub"])[:64]
        role = role_from_claims(claims, self.settings.oidc_role_claim, self.role_map)
        try:
            row = self._upsert(subject, username, role)
        except OidcError:
            self._audit(username, source, "denied")
            raise
        self._audit(row.username, source, "ok")
        return row

    def _upsert(self, subject: str, username: str, role: Role | None) -> UserRow:
        if role is None:
            raise OidcError(
                f"{username} has no role in Core Monitor (claim {self.settings.oidc_role_claim!r})"
            )
        with self.db.write() as session:
            row = user_store.find_by_subject(session, subject)
            if row is None:
                if user_store.find_user_row(session, username) is not None:
                    raise OidcError(f"the name {username!r} belongs to another user")
                user_store.create_user(
                    session,
                    username,
                    password_hash=None,
                    role=role,
                    source="oidc",
                    oidc_subject=subject,
                )
                row = user_store.user_row(session, username)
            elif not row.enabled:
                raise OidcError(f"{row.username} is disabled")
            else:
                row.role = role  # the provider is the source of truth for its users
                row.updated_at = utcnow()
            session.flush()
            session.expunge(row)
            return row

    def _audit(self, username: str, source: str | None, outcome: str) -> None:
        with self.db.write() as session:
            record_login(session, username, source, outcome, via="oidc")
