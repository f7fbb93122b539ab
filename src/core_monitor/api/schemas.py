"""Request and response bodies. Inputs forbid unknown fields."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError, model_validator
from pydantic_core import PydanticCustomError

from core_monitor.compose import MAX_COMPOSE_BYTES
from core_monitor.domain.auth import ApiToken, AuthKind, Identity, Role, User
from core_monitor.domain.commands import Command, CommandStatus, CommandType, FailureCause
from core_monitor.domain.delivery import Freeze, Pin, parse_duration
from core_monitor.domain.halt import Halt
from core_monitor.domain.stack import Stack, StackStatus, StackVersion, Variable
from core_monitor.domain.validation import Issue, IssueKind
from core_monitor.errors import FieldError, ValidationFailed

T = TypeVar("T")

EXAMPLE_COMPOSE = (
    "services:\n  web:\n    image: coremon/demo-web:1\n    ports: ['127.0.0.1:8081:8080']\n"
)
VARIABLE_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


class StrictInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        """NUL is valid JSON (\\u0000) but no database stores it in text: a 422 naming each
        place it stands (``variables.V``), never the database's 500."""
        found = _nul_locations(data, ())
        if found:
            error = PydanticCustomError("nul_character", "NUL characters are not allowed")
            raise ValidationError.from_exception_data(
                cls.__name__, [{"type": error, "loc": loc, "input": None} for loc in found]
            )
        return data


def _nul_locations(value: Any, at: tuple[str | int, ...]) -> list[tuple[str | int, ...]]:
    if isinstance(value, str):
        return [at] if "\x00" in value else []
    if isinstance(value, dict):
        found: list[tuple[str | int, ...]] = []
        for key, item in value.items():
            inside = (*at, str(key))
            found += [inside] if "\x00" in str(key) else _nul_locations(item, inside)
        return found
    if isinstance(value, list):
        return [loc for i, item in enumerate(value) for loc in _nul_locations(item, (*at, i))]
    return []


class VariableInput(StrictInput):
    value: str = Field(max_length=65536)
    secret: bool = Field(
        False, description="Encrypted at rest, never returned, masked in logs and diffs."
    )


VariableIn = str | VariableInput


class Base64File(StrictInput):
    base64: str = Field(description="The file's bytes, base64-encoded (for binary files).")


FileIn = str | Base64File
FILES_DESCRIPTION = (
    "The files the compose file references (env files, relative binds, secret and config "
    "files, build contexts): relative path → UTF-8 text or {base64}. Secret files (the "
    "compose file's top-level secrets' `file`) are encrypted at rest and never returned."
)


class CreateStackRequest(StrictInput):
    name: str = Field(
        min_length=1,
        max_length=63,
        examples=["shop"],
        description="Compose project name rules: lowercase letters, digits, - and _.",
    )
    compose: str = Field(
        min_length=1,
        max_length=MAX_COMPOSE_BYTES,
        examples=[EXAMPLE_COMPOSE],
        description="Compose file, YAML or JSON.",
    )
    variables: dict[str, VariableIn] = Field(
        default_factory=dict,
        max_length=1000,
        description="Interpolation variables: a string, or {value, secret}.",
        examples=[{"TAG": "1", "DB_PASSWORD": {"value": "s3cret", "secret": True}}],
    )
    files: dict[str, FileIn] = Field(default_factory=dict, description=FILES_DESCRIPTION)
    comment: str = Field("", max_length=2000)
    host: str = Field(
        "local",
        min_length=1,
        max_length=64,
        description="The Docker host it runs on: a host's id or name (GET /api/v1/hosts).",
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"name": "shop", "compose": EXAMPLE_COMPOSE, "comment": "first cut"}]
        },
    )


class CreateVersionRequest(StrictInput):
    compose: str = Field(min_length=1, max_length=MAX_COMPOSE_BYTES, examples=[EXAMPLE_COMPOSE])
    variables: dict[str, VariableIn] | None = Field(
        None,
        max_length=1000,
        description="Omitted (or null): the parent version's variables, secrets included. "
        "Given: they replace the parent's, all of them (send {} for none).",
    )
    files: dict[str, FileIn] | None = Field(
        None,
        description=FILES_DESCRIPTION + " Omitted (or null): the parent version's files. "
        "Given: they replace the parent's, all of them (send {} for none).",
    )
    comment: str = Field("", max_length=2000)
    parent_version: int | None = Field(
        None, ge=1, description="The version this edit starts from; stale → 409."
    )


class ValidateStackRequest(StrictInput):
    """A new stack's definition to check (nothing is stored): as for creating, the name
    optional (the file is then judged as the project ``stack``)."""

    name: str | None = Field(None, min_length=1, max_length=63, examples=["shop"])
    compose: str = Field(min_length=1, max_length=MAX_COMPOSE_BYTES, examples=[EXAMPLE_COMPOSE])
    variables: dict[str, VariableIn] = Field(default_factory=dict, max_length=1000)
    files: dict[str, FileIn] = Field(default_factory=dict, description=FILES_DESCRIPTION)


class ValidateVersionRequest(StrictInput):
    """A new version's definition to check (nothing is stored)."""

    compose: str = Field(min_length=1, max_length=MAX_COMPOSE_BYTES, examples=[EXAMPLE_COMPOSE])
    variables: dict[str, VariableIn] | None = Field(
        None, max_length=1000, description="Omitted (or null): the parent version's."
    )
    files: dict[str, FileIn] | None = Field(
        None, description=FILES_DESCRIPTION + " Omitted (or null): the parent version's."
    )
    parent_version: int | None = Field(
        None, ge=1, description="Whose variables and files are inherited (default: the latest)."
    )


class ValidationIssueOut(BaseModel):
    path: str = Field(description="Dotted path (services.web.ports[0]); empty: the whole file.")
    line: int | None = Field(description="1-based line in the YAML; null when unknown.")
    column: int | None
    message: str
    kind: IssueKind
    rule: str | None = Field(None, description="The policy rule, for kind policy.")


class ValidationReport(BaseModel):
    valid: bool
    errors: list[ValidationIssueOut]

    @classmethod
    def of(cls, issues: list[Issue]) -> ValidationReport:
        return cls(
            valid=not issues,
            errors=[
                ValidationIssueOut(
                    path=i.path,
                    line=i.line,
                    column=i.column,
                    message=i.message,
                    kind=i.kind,
                    rule=i.rule,
                )
                for i in issues
            ],
        )


class DeleteRequest(StrictInput):
    remove_volumes: bool = Field(False, description="Also remove the stack's named volumes.")


class DeployRequest(StrictInput):
    service: str = Field(min_length=1, max_length=200, description="Middleware service.")
    artifact: str = Field(
        min_length=64, max_length=64, pattern=r"^[0-9a-f]{64}$", description="Artifact sha256."
    )
    path: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        examples=["/app"],
        description="Context path (Tomcat, WildFly) or site name (nginx); default: / + the "
        "archive's stem (ROOT.war → /), the `default` site for a static one.",
    )
    comment: str | None = Field(None, max_length=2000)


DURATION = r"^(\d{1,4}|(\d{1,4}h)?(\d{1,5}m)?(\d{1,6}s)?)$"


class ApplyRequest(StrictInput):
    """Options of an APPLY; unset ones take the stack's defaults (PATCH /stacks/{id})."""

    atomic: bool | None = Field(
        None, description="Health-gated: revert to the previous version if the gate fails."
    )
    timeout: str | None = Field(
        None,
        max_length=20,
        pattern=DURATION,
        examples=["5m"],
        description="The gate's timeout (90s, 5m, 1h; at most 1h).",
    )
    allow_repin: bool | None = Field(
        None, description="Pinned images gone: run the tags as they point now, pin those."
    )
    force: bool | None = Field(None, description="Apply although the stack is frozen.")

    def timeout_seconds(self) -> int | None:
        """The timeout in seconds; a 422 naming ``timeout`` when out of bounds."""
        return None if self.timeout is None else duration_seconds("timeout", self.timeout)


class RollbackRequest(StrictInput):
    allow_repin: bool | None = Field(
        None, description="Pinned images gone: run the tags as they point now, pin those."
    )
    reason: str | None = Field(
        None, max_length=1000, description="Why: the stack is frozen at the version with it."
    )


class DeliveryPatch(StrictInput):
    """A stack's APPLY defaults."""

    atomic: bool | None = Field(None, description="APPLY is atomic unless it says otherwise.")
    atomic_timeout: str | None = Field(
        None, max_length=20, pattern=DURATION, examples=["5m"], description="The gate's timeout."
    )


class DeliveryOut(BaseModel):
    atomic: bool
    atomic_timeout_seconds: int
    frozen: Freeze | None


def duration_seconds(field: str, text: str) -> int:
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise ValidationFailed([FieldError(field, str(exc))]) from None


class DismissRequest(StrictInput):
    reason: str = Field(min_length=1, max_length=1000, examples=["fixed by hand"])


class StackOut(BaseModel):
    """A Stack on the wire (its fields kept in step by a test; ``deleted`` stays inside)."""

    stack_id: str
    name: str
    current_version: int | None
    desired_version: int | None
    latest_version: int
    status: StackStatus
    created_at: datetime
    updated_at: datetime
    latest_version_author: str | None = Field(
        None, description="Who saved the latest version (in lists)."
    )
    latest_version_at: datetime | None = Field(None, description="When (in lists).")
    frozen: Freeze | None = Field(
        None, description="Frozen by a rollback: an APPLY of another version is refused."
    )
    host_id: str = Field("local", description="The Docker host the stack runs on.")

    @classmethod
    def of(cls, stack: Stack, latest: tuple[str, datetime] | None = None) -> StackOut:
        out = cls.model_validate(stack.model_dump())
        if latest is not None:
            out.latest_version_author, out.latest_version_at = latest
        return out


class RestoreRequest(StrictInput):
    version: int = Field(
        ge=1, le=2**31 - 1, description="The deleted stack's version to start from."
    )
    name: str | None = Field(
        None,
        min_length=1,
        max_length=63,
        description="The new stack's name (default: the old one).",
    )


class StackCreated(StackOut):
    version: int


class AdoptRequest(StrictInput):
    project: str = Field(
        min_length=1,
        max_length=63,
        pattern=r"^[a-z0-9][a-z0-9_-]*$",
        description="The Compose project name (its com.docker.compose.project label).",
    )
    compose: str | None = Field(
        None,
        min_length=1,
        max_length=MAX_COMPOSE_BYTES,
        description="Its compose file; absent: reconstructed from the running containers.",
    )
    name: str | None = Field(
        None, min_length=1, max_length=63, description="The stack's name: the project's."
    )
    files: dict[str, FileIn] = Field(
        default_factory=dict,
        description="The project's other files (env files, bound configs, build contexts), "
        "as for a new stack: " + FILES_DESCRIPTION,
    )
    variables: dict[str, VariableIn] = Field(default_factory=dict, max_length=1000)


class DifferenceOut(BaseModel):
    field: str
    ours: JsonValue
    theirs: JsonValue


class AdoptedContainerOut(BaseModel):
    name: str
    service: str
    container_id: str
    matches: bool
    differences: list[DifferenceOut]


class StackAdopted(StackCreated):
    reconstructed: bool = Field(description="The version was rebuilt from the containers.")
    applied: bool = Field(description="Every container matched: recorded as applied at v1.")
    containers: list[AdoptedContainerOut]


class VariableOut(BaseModel):
    value: str
    secret: bool


class VersionSummary(BaseModel):
    stack_id: str
    version: int
    parent_version: int | None
    author: str
    comment: str
    created_at: datetime
    content_hash: str
    services: list[str]
    status: dict[str, Any]

    @classmethod
    def of(cls, v: StackVersion) -> VersionSummary:
        return cls(
            stack_id=v.stack_id,
            version=v.version,
            parent_version=v.parent_version,
            author=v.author,
            comment=v.comment,
            created_at=v.created_at,
            content_hash=v.content_hash,
            services=sorted(v.definition.get("services", {})),
            status={
                "desired": v.runtime.desired,
                "actual": v.runtime.actual,
                "last_updated": v.runtime.last_updated,
            },
        )


class VersionOut(VersionSummary):
    compose: str
    definition: dict[str, Any]
    variables: dict[str, VariableOut]
    runtime: dict[str, Any]
    pins: dict[str, Pin] = Field(
        default_factory=dict, description="Per service, the image it ran when last applied."
    )

    @classmethod
    def of(cls, v: StackVersion) -> VersionOut:
        summary = VersionSummary.of(v)
        return cls(
            **summary.model_dump(),
            compose=v.compose_text,
            definition=v.definition,
            # secrets never leave the server
            variables={
                k: VariableOut(value="***" if var.secret else var.value, secret=var.secret)
                for k, var in v.variables.items()
            },
            runtime=v.runtime.mapping,
            pins=v.pins,
        )


class CommandOut(BaseModel):
    """A Command on the wire (its fields kept in step by a test): the payload without its
    ``type``, as stored; a payload that does not validate is shown as stored."""

    command_id: str
    seq: int
    stack_id: str | None
    type: CommandType
    payload: dict[str, Any]
    status: CommandStatus
    attempts: int
    requested_by: str
    cancel_requested: bool
    error: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime
    not_before: datetime | None = Field(
        description="A retry's backoff: its next attempt starts no earlier."
    )
    failure_cause: FailureCause | None = Field(
        None,
        description="Why it FAILED: its own work (command), or its host (host_unreachable, "
        "engine_changed: such a failure does not halt the queue).",
    )

    @classmethod
    def of(cls, c: Command) -> CommandOut:
        return cls(**c.model_dump(exclude={"payload"}), payload=c.payload.wire())


class CommandAccepted(BaseModel):
    command_id: str
    seq: int
    status: CommandStatus
    location: str


class LogLineOut(BaseModel):
    id: int
    time: datetime
    level: str
    message: str
    attempt: int
    fields: dict[str, Any]


class QueueOut(BaseModel):
    halted: bool
    halted_reason: str | None
    depth: int = Field(description="PENDING commands.")
    on_failure: str
    head: CommandOut | None = Field(description="None also when it is on a stack you cannot see.")
    running: CommandOut | None
    halted_by: Halt | None = Field(
        None, description="The FAILED command halting the queue, and who may retry or dismiss it."
    )


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def to_variables(raw: dict[str, VariableIn]) -> dict[str, Variable]:
    """The request's variables as the domain's; a bad name is a 422 naming it."""
    import re

    from core_monitor.errors import FieldError, ValidationFailed

    bad = [k for k in raw if not re.match(VARIABLE_NAME, k)]
    if bad:
        raise ValidationFailed([FieldError(f"variables.{k}", "invalid variable name") for k in bad])
    return {
        k: Variable(value=v.value, secret=v.secret)
        if isinstance(v, VariableInput)
        else Variable(value=v)
        for k, v in raw.items()
    }


# -- identities, users, tokens, audit -------------------------------------------------------


class MeOut(BaseModel):
    username: str
    role: Role | None = Field(description="Global role; null when only per-stack roles.")
    stack_roles: dict[str, Role] = Field(description="stack_id → role")
    auth: AuthKind

    @classmethod
    def of(cls, identity: Identity) -> MeOut:
        return cls(
            username=identity.username,
            role=identity.global_role() if identity.token_stacks is None else None,
            stack_roles={
                s: r
                for s in set(identity.stack_roles) | set(identity.token_stacks or ())
                if (r := identity.role_on(s)) is not None
            },
            auth=identity.kind,
        )


class UserOut(BaseModel):
    username: str
    role: Role | None
    stack_roles: dict[str, Role]
    enabled: bool
    source: str
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls.model_validate(user.model_dump())


class CreateUserRequest(StrictInput):
    username: str = Field(min_length=1, max_length=64, examples=["alice"])
    password: str = Field(min_length=1, max_length=1024)
    role: Role | None = Field(Role.VIEWER, description="Global role; null for none.")
    stack_roles: dict[str, Role] = Field(
        default_factory=dict, max_length=1000, description="Stack name or id → role."
    )


class UpdateUserRequest(StrictInput):
    role: Role | None = None
    enabled: bool | None = None
    password: str | None = Field(None, min_length=1, max_length=1024)
    stack_roles: dict[str, Role] | None = Field(None, max_length=1000)


class ApiTokenOut(BaseModel):
    token_id: str
    name: str
    owner: str
    role: Role
    stacks: list[str] | None
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked: bool

    @classmethod
    def of(cls, token: ApiToken) -> ApiTokenOut:
        return cls.model_validate(token.model_dump())


class ApiTokenCreated(ApiTokenOut):
    token: str = Field(description="The secret. Shown this once; only its digest is kept.")


class CreateTokenRequest(StrictInput):
    name: str = Field(min_length=1, max_length=100, examples=["ci deploys"])
    owner: str | None = Field(None, max_length=64, description="Default: you.")
    role: Role = Role.VIEWER
    stacks: list[str] | None = Field(
        None, max_length=1000, description="Stack names or ids; null: every stack."
    )
    expires_in_days: int | None = Field(90, ge=1, le=3650, description="null: never expires.")


class AuditOut(BaseModel):
    id: int
    time: datetime
    actor: str
    source: str | None
    action: str
    target: str
    outcome: str
    details: dict[str, Any]


class MoveRequest(StrictInput):
    host: str = Field(min_length=1, max_length=64, description="The target host's id or name.")
    remove_volumes: bool = Field(
        False,
        description="Also remove the stack's named volumes from the old host (they are never "
        "carried to the new one).",
    )


VOLUMES_NOT_MOVED = (
    "named volumes are not migrated: the stack starts on the new host with empty volumes "
    "(the old host's are {fate})"
)


class MoveAccepted(CommandAccepted):
    note: str = Field(description="What a move does not carry over.")
