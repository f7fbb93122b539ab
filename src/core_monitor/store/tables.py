"""Tables. The schema is built only by Alembic migrations; these mirror it (tested)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL wants BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, datetime: DateTime(timezone=True)}


class StackRow(Base):
    __tablename__ = "stacks"

    stack_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(63))
    current_version: Mapped[int | None] = mapped_column(Integer)
    desired_version: Mapped[int | None] = mapped_column(Integer)
    latest_version: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    deleted_at: Mapped[datetime | None]
    # the Docker host the stack runs on (hosts.host_id); moving it is an explicit command
    host_id: Mapped[str] = mapped_column(String(36), default="local", server_default="local")

    __table_args__ = (
        # a name is unique among live stacks; a soft-deleted stack frees its name
        Index(
            "uq_stacks_live_name",
            "name",
            unique=True,
            sqlite_where=text("deleted = 0"),
            postgresql_where=text("deleted = false"),
        ),
    )


class StackVersionRow(Base):
    """Immutable: database triggers refuse UPDATE and DELETE."""

    __tablename__ = "stack_versions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    stack_id: Mapped[str] = mapped_column(ForeignKey("stacks.stack_id"))
    version: Mapped[int] = mapped_column(Integer)
    parent_version: Mapped[int | None] = mapped_column(Integer)
    author: Mapped[str] = mapped_column(String(200))
    comment: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
    compose_text: Mapped[str] = mapped_column(Text)
    definition: Mapped[dict[str, Any]]
    variables: Mapped[dict[str, Any]]
    content_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (UniqueConstraint("stack_id", "version", name="uq_stack_versions_number"),)


class VersionFileRow(Base):
    """One file of a version's bundle. Immutable like the version: triggers refuse UPDATE and
    DELETE. A secret file's content is its ciphertext and its digest an HMAC under the key."""

    __tablename__ = "stack_version_files"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    stack_id: Mapped[str] = mapped_column(ForeignKey("stacks.stack_id"))
    version: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(1024))
    size: Mapped[int] = mapped_column(Integer)
    digest: Mapped[str] = mapped_column(String(64))
    secret: Mapped[bool] = mapped_column(Boolean, default=False)
    content: Mapped[bytes] = mapped_column(LargeBinary)

    __table_args__ = (
        UniqueConstraint("stack_id", "version", "path", name="uq_stack_version_files_path"),
    )


class VersionRuntimeRow(Base):
    """The mutable side of a version (runtime mapping and status), kept out of the snapshot."""

    __tablename__ = "version_runtime"

    stack_id: Mapped[str] = mapped_column(ForeignKey("stacks.stack_id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    desired: Mapped[bool] = mapped_column(Boolean, default=False)
    actual: Mapped[str | None] = mapped_column(String(32))
    mapping: Mapped[dict[str, Any]]
    last_updated: Mapped[datetime]


class StoppedServiceRow(Base):
    """A service a STOP command stopped on purpose, until a START, RESTART or APPLY of it."""

    __tablename__ = "stack_stopped_services"

    stack_id: Mapped[str] = mapped_column(ForeignKey("stacks.stack_id"), primary_key=True)
    service: Mapped[str] = mapped_column(String(200), primary_key=True)


class AdoptedContainerRow(Base):
    """A container an adoption found running: Compose's config hash it carried then, and the
    hash of ours it stands for (``differences`` empty) or the fields that differ."""

    __tablename__ = "adopted_containers"

    stack_id: Mapped[str] = mapped_column(ForeignKey("stacks.stack_id"), primary_key=True)
    container_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    compose_hash: Mapped[str] = mapped_column(String(128))
    our_hash: Mapped[str] = mapped_column(String(128))
    differences: Mapped[list[str]] = mapped_column(JSON)


class CommandRow(Base):
    __tablename__ = "commands"

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    command_id: Mapped[str] = mapped_column(String(36), unique=True)
    stack_id: Mapped[str | None] = mapped_column(ForeignKey("stacks.stack_id"))
    type: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]]
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    requested_by: Mapped[str] = mapped_column(String(200))
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
    # a retry waits until then: the claim leaves it (and so the whole queue) alone before
    not_before: Mapped[datetime | None]
    # why it FAILED (domain FailureCause): a host's failure does not halt the queue
    failure_cause: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        Index("ix_commands_status_seq", "status", "seq"),
        Index("ix_commands_stack", "stack_id", "seq"),
    )


class CommandLogRow(Base):
    __tablename__ = "command_logs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    command_id: Mapped[str] = mapped_column(ForeignKey("commands.command_id"), index=True)
    time: Mapped[datetime]
    level: Mapped[str] = mapped_column(String(10))
    message: Mapped[str] = mapped_column(Text)
    attempt: Mapped[int] = mapped_column(Integer)
    fields: Mapped[dict[str, Any]]


class QueueLeaseRow(Base):
    """One row: who may execute commands, until when, and the fencing generation."""

    __tablename__ = "queue_lease"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(200))
    generation: Mapped[int] = mapped_column(BigInteger, default=0)
    expires_at: Mapped[float] = mapped_column(Float, default=0.0)


class AuditRow(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    time: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(200))
    source: Mapped[str | None] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(16))
    details: Mapped[dict[str, Any]]


class UserRow(Base):
    __tablename__ = "users"

    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(Text)  # None: single sign-on only
    role: Mapped[str | None] = mapped_column(String(16))  # global binding
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(16))  # local | oidc
    oidc_subject: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class StackRoleRow(Base):
    """A per-stack role binding (on top of the user's global one)."""

    __tablename__ = "stack_roles"

    user_id: Mapped[str] = mapped_column(ForeignKey("users.user_id"), primary_key=True)
    stack_id: Mapped[str] = mapped_column(ForeignKey("stacks.stack_id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))


class AuthTokenRow(Base):
    """Every credential but passwords: browser sessions, access and refresh tokens, personal
    API tokens. Only a SHA-256 digest of the secret is kept."""

    __tablename__ = "auth_tokens"

    token_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.user_id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # session | access | refresh | api
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # shown in listings, not secret
    name: Mapped[str | None] = mapped_column(String(100))
    role: Mapped[str | None] = mapped_column(String(16))  # api tokens: the cap
    stacks: Mapped[list[str] | None] = mapped_column(JSON)  # api tokens: stack ids
    csrf: Mapped[str | None] = mapped_column(String(64))  # sessions: the CSRF token
    family: Mapped[str | None] = mapped_column(String(36), index=True)  # a refresh chain
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class LoginFailureRow(Base):
    """Failed logins per user name and per source address, for throttling."""

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    first_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]


class PolicyRow(Base):
    """One row: the stack policy document (see domain/policy.py)."""

    __tablename__ = "policy"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(200))


class PolicyExceptionRow(Base):
    """An administrator's permission for one stack to break one policy rule. Keyed by the
    stack's id, not its name: it goes with the stack, and a new stack that takes a deleted
    one's name inherits nothing."""

    __tablename__ = "policy_exceptions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    stack_id: Mapped[str] = mapped_column(ForeignKey("stacks.stack_id"))
    stack: Mapped[str] = mapped_column(String(63))  # the stack's name, for people
    rule: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    granted_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime]

    __table_args__ = (
        UniqueConstraint("stack_id", "rule", name="uq_policy_exceptions_stack_id_rule"),
    )


class OidcLoginRow(Base):
    """A single sign-on in flight: what the callback needs to finish it (used once)."""

    __tablename__ = "oidc_logins"

    state_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    code_verifier: Mapped[str] = mapped_column(String(128))
    nonce: Mapped[str] = mapped_column(String(128))
    redirect_uri: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(index=True)


class HostRow(Base):
    """A Docker host. TLS and SSH keys are ciphertext (vault.SecretBox), never returned."""

    __tablename__ = "hosts"

    host_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    address: Mapped[str] = mapped_column(String(500))
    labels: Mapped[dict[str, Any]]
    tls_ca: Mapped[str | None] = mapped_column(Text)
    tls_cert: Mapped[str | None] = mapped_column(Text)
    tls_key: Mapped[str | None] = mapped_column(Text)
    ssh_key: Mapped[str | None] = mapped_column(Text)  # ciphertext, like the TLS key
    ssh_key_fingerprint: Mapped[str | None] = mapped_column(String(100))
    ssh_host_key: Mapped[str | None] = mapped_column(Text)  # pinned, "type base64" (public)
    engine_id: Mapped[str | None] = mapped_column(String(200))
    facts: Mapped[dict[str, Any] | None]
    state: Mapped[str] = mapped_column(String(20))
    problem: Mapped[str | None] = mapped_column(Text)
    last_seen: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class WizardProvenanceRow(Base):
    """What a wizard-made version came from (see domain/catalog.Provenance): the catalog's
    digest, the selection, the answers (secrets by reference), the resolved components."""

    __tablename__ = "wizard_provenance"

    stack_id: Mapped[str] = mapped_column(ForeignKey("stacks.stack_id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    catalog_digest: Mapped[str] = mapped_column(String(80))
    record: Mapped[dict[str, Any]]


class ArtifactRow(Base):
    """An uploaded artifact; its content is a file of the artifact store (by sha256)."""

    __tablename__ = "artifacts"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    uploaded_by: Mapped[str] = mapped_column(String(200))
    uploaded_at: Mapped[datetime] = mapped_column(index=True)


class DeploymentRow(Base):
    """One deploy of an artifact into a stack's service at a path."""

    __tablename__ = "deployments"

    deployment_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    stack_id: Mapped[str] = mapped_column(ForeignKey("stacks.stack_id"))
    service: Mapped[str] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(String(200))
    artifact: Mapped[str] = mapped_column(ForeignKey("artifacts.sha256"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    command_id: Mapped[str | None] = mapped_column(String(36))
    previous: Mapped[str | None] = mapped_column(String(36))
    message: Mapped[str | None] = mapped_column(Text)
    health: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_deployments_target", "stack_id", "service", "path", "requested_at"),
    )


class VersionPinRow(Base):
    """The image a service of a version ran (issue 20): kept apart from the runtime mapping,
    which a later apply of another version clears; a pin outlives that."""

    __tablename__ = "version_pins"

    stack_id: Mapped[str] = mapped_column(ForeignKey("stacks.stack_id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    service: Mapped[str] = mapped_column(String(200), primary_key=True)
    reference: Mapped[str] = mapped_column(String(1000))
    image_id: Mapped[str] = mapped_column(String(200))
    repo_digest: Mapped[str | None] = mapped_column(String(1000))
    recorded_at: Mapped[datetime]


class StackDeliveryRow(Base):
    """A stack's delivery state (issue 20): its freeze (version, who, why, when; no version:
    not frozen) and its APPLY defaults (atomic, gate timeout)."""

    __tablename__ = "stack_delivery"

    stack_id: Mapped[str] = mapped_column(ForeignKey("stacks.stack_id"), primary_key=True)
    frozen_version: Mapped[int | None] = mapped_column(Integer)
    frozen_by: Mapped[str | None] = mapped_column(String(200))
    frozen_reason: Mapped[str | None] = mapped_column(Text)
    frozen_at: Mapped[datetime | None]
    atomic: Mapped[bool] = mapped_column(Boolean, default=False)
    atomic_timeout: Mapped[int] = mapped_column(Integer, default=300)
