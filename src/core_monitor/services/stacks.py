"""Creating stacks and versions: synchronous, validated, policy-checked, transactional,
audited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from core_monitor.compose import check_container_count, validate_project_name
from core_monitor.domain.actor import Actor
from core_monitor.domain.bundle import NO_FILES, ProjectFiles
from core_monitor.domain.delivery import image_changes
from core_monitor.domain.diff import VersionDiff, diff_versions, file_changes
from core_monitor.domain.hosts import LOCAL_ID
from core_monitor.domain.project_dir import DEFAULT_PLACES, HostPlaces
from core_monitor.domain.stack import Stack, StackStatus, StackVersion, Variable
from core_monitor.domain.validation import Issue
from core_monitor.errors import Conflict, FieldError, NotFound, ValidationFailed
from core_monitor.services import bundles, definitions, validation
from core_monitor.settings import DEFAULT_MAX_CONTAINERS
from core_monitor.store import audit
from core_monitor.store import delivery as delivery_store
from core_monitor.store import files as file_store
from core_monitor.store import hosts as host_store
from core_monitor.store import stacks as stack_store
from core_monitor.store.db import Database
from core_monitor.store.files import StoredFile
from core_monitor.vault import SecretBox

NO_SECRETS = SecretBox(None)
OnWrite = Callable[[Session, StackVersion], None]
"""More to write in the transaction that adds a version (the wizard's provenance)."""


@dataclass(frozen=True)
class VersionDraft:
    """A new version as asked for: what ``create_version`` validates and stores."""

    compose: str
    variables: dict[str, Variable] | None  # None: the parent's, secrets carried over
    comment: str
    parent_version: int | None
    files: ProjectFiles | None = None  # None: the parent's, secret files carried over


@dataclass(frozen=True)
class StackQuery:
    name_contains: str | None
    status: StackStatus | None
    limit: int
    offset: int
    only: frozenset[str] | None  # the ids the caller may see (None: all)
    deleted: bool = False  # the deleted stacks instead of the live ones


def _prepare(
    db: Database,
    box: SecretBox,
    stack: tuple[str | None, str],  # (id: None before it exists, name)
    compose: str,
    variables: dict[str, Variable],
    author: str,
    comment: str,
    max_containers: int,
    files: ProjectFiles = NO_FILES,
    places: HostPlaces = DEFAULT_PLACES,
) -> stack_store.NewVersion:
    # validation happens entirely before the transaction: a bad file writes nothing
    files = bundles.checked(files)
    definitions.check_secrets(variables)
    stored_files = bundles.sealed(compose, files, box)  # first: the redactor learns secrets
    stack_id, name = stack
    project, _ = definitions.load_masked(name, compose, variables, files)
    check_container_count(project, max_containers)
    definitions.check_policy(db, stack_id, project, places)
    definition, stored_variables, digest = definitions.stored_form(project, variables, box)
    return stack_store.NewVersion(
        compose_text=compose,
        definition=definition,
        variables=stored_variables,
        content_hash=bundles.bundle_hash(digest, stored_files),
        author=author,
        comment=comment,
        files=stored_files,
    )


def _inherited(
    session: Session, box: SecretBox, stack: Stack, draft: VersionDraft
) -> tuple[int | None, dict[str, Variable], ProjectFiles]:
    """(parent, variables, files) of a new version: what the draft omits is the parent's
    (the latest when none is named), secrets decrypted to be re-checked and re-sealed; the
    parent is then pinned, so a version added meanwhile makes this one stale."""
    parent_version, variables, files = draft.parent_version, draft.variables, draft.files
    if variables is not None and files is not None:
        return parent_version, variables, files
    parent_version = parent_version or stack.latest_version
    parent = stack_store.get_parent(session, stack.stack_id, parent_version)
    if variables is None:
        variables = definitions.plain_variables(parent.variables, box)
    if files is None:
        stored = file_store.list_files(session, stack.stack_id, parent_version, content=True)
        files = bundles.opened(stored, box)
    return parent_version, variables, files


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
    places: HostPlaces = DEFAULT_PLACES,
    files: ProjectFiles = NO_FILES,
    on_write: OnWrite | None = None,
    host: str = LOCAL_ID,
) -> tuple[Stack, StackVersion]:
    """``host``: the Docker host it runs on, by id or name (an unknown one: 422 on ``host``)."""
    validate_project_name(name)
    first = _prepare(
        db,
        box,
        (None, name),
        compose,
        variables,
        actor.name,
        comment,
        max_containers,
        files,
        places,
    )
    with db.write() as session:
        host_id = _host_id(session, host)
        stack, version = stack_store.create_stack(session, name, first, host_id=host_id)
        audit.record_by(
            session,
            actor,
            "stack.create",
            f"stack:{stack.stack_id}",
            details={
                "name": name,
                "version": version.version,
                "hash": version.content_hash,
                "files": len(first.files),
                "host": host_id,
            },
        )
        if on_write is not None:
            on_write(session, version)
        return stack_store.get_stack(session, stack.stack_id), version


def _host_id(session: Session, ref: str) -> str:
    """The id of the host ``ref`` names; ``local`` needs no record (a bare database)."""
    if ref == LOCAL_ID:
        return LOCAL_ID
    try:
        return host_store.get(session, ref).host_id
    except NotFound:
        raise ValidationFailed([FieldError("host", f"no host {ref!r}")]) from None


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
    places: HostPlaces = DEFAULT_PLACES,
    files: ProjectFiles | None = None,
    on_write: OnWrite | None = None,
) -> StackVersion:
    """``variables`` or ``files`` None: the parent's (the latest when no parent is named),
    secrets included; the parent is then pinned, so a version added meanwhile makes this
    one stale."""
    draft = VersionDraft(compose, variables, comment, parent_version, files)
    with db.read() as session:
        stack = stack_store.get_stack(session, stack_ref)
        parent_version, plain, bundle = _inherited(session, box, stack, draft)
    new = _prepare(
        db,
        box,
        (stack.stack_id, stack.name),
        compose,
        plain,
        actor.name,
        comment,
        max_containers,
        bundle,
        places,
    )
    with db.write() as session:
        version = stack_store.add_version(session, stack.stack_id, new, parent_version)
        audit.record_by(
            session,
            actor,
            "version.create",
            f"stack:{stack.stack_id}",
            details={
                "version": version.version,
                "parent_version": version.parent_version,
                "files": len(new.files),
            },
        )
        if on_write is not None:
            on_write(session, version)
        return version


@dataclass(frozen=True)
class Revival:
    """What a restore asks for: the deleted stack's version to start from, and a name
    (None: the deleted stack's own)."""

    version: int
    name: str | None


def restore_stack(
    db: Database,
    actor: Actor,
    stack_ref: str,
    revival: Revival,
    *,
    box: SecretBox = NO_SECRETS,
    max_containers: int = DEFAULT_MAX_CONTAINERS,
    places: HostPlaces = DEFAULT_PLACES,
) -> tuple[Stack, StackVersion]:
    """A new live stack whose v1 is a deleted stack's version (its compose and variables,
    secrets re-encrypted server-side). The deleted stack stays as it was: its history is a
    record, never rewritten, and its id (which roles and tokens may name) never comes back."""
    with db.read() as session:
        old = stack_store.get_stack(session, stack_ref, include_deleted=True)
        if not old.deleted:
            raise Conflict(f"stack {old.name!r} is not deleted: there is nothing to restore")
        source = stack_store.get_version(session, old.stack_id, revival.version)
        stored = file_store.list_files(session, old.stack_id, source.version, content=True)
    name = revival.name or old.name
    validate_project_name(name)
    variables = definitions.plain_variables(source.variables, box)
    comment = f"restored from deleted stack {old.stack_id}, version {source.version}"
    files = bundles.opened(stored, box)
    first = _prepare(
        db,
        box,
        (None, name),
        source.compose_text,
        variables,
        actor.name,
        comment,
        max_containers,
        files,
        places,
    )
    with db.write() as session:
        try:
            stack, version = stack_store.create_stack(session, name, first)
        except Conflict:
            raise Conflict(
                f"name: a live stack is named {name!r}; restore under another name"
            ) from None
        details = {"from_stack_id": old.stack_id, "from_version": source.version, "name": name}
        audit.record_by(session, actor, "stack.restore", f"stack:{stack.stack_id}", details=details)
        # the deleted stack's own trail says where it went
        audit.record_by(
            session,
            actor,
            "stack.restored",
            f"stack:{old.stack_id}",
            details={"to_stack_id": stack.stack_id, "version": source.version, "name": name},
        )
        return stack_store.get_stack(session, stack.stack_id), version


class StackService:
    """Stacks and versions as the API reads and writes them: the secret box and the
    container cap are its own, so that callers hand over only what the request says."""

    def __init__(
        self,
        db: Database,
        box: SecretBox,
        max_containers: int,
        places: HostPlaces = DEFAULT_PLACES,
    ) -> None:
        self.db = db
        self.box = box
        self.max_containers = max_containers
        self.places = places  # where relative and ~ binds lead: the policy judges them there

    def create_stack(
        self,
        actor: Actor,
        name: str,
        compose: str,
        variables: dict[str, Variable],
        comment: str,
        files: ProjectFiles = NO_FILES,
        on_write: OnWrite | None = None,
        host: str = LOCAL_ID,
    ) -> tuple[Stack, StackVersion]:
        return create_stack(
            self.db,
            actor,
            name=name,
            compose=compose,
            variables=variables,
            comment=comment,
            box=self.box,
            max_containers=self.max_containers,
            places=self.places,
            files=files,
            on_write=on_write,
            host=host,
        )

    def create_version(
        self, actor: Actor, stack_ref: str, draft: VersionDraft, on_write: OnWrite | None = None
    ) -> StackVersion:
        return create_version(
            self.db,
            actor,
            stack_ref,
            compose=draft.compose,
            variables=draft.variables,
            comment=draft.comment,
            parent_version=draft.parent_version,
            box=self.box,
            max_containers=self.max_containers,
            places=self.places,
            files=draft.files,
            on_write=on_write,
        )

    def validate_new(
        self,
        name: str | None,
        compose: str,
        variables: dict[str, Variable],
        files: ProjectFiles = NO_FILES,
    ) -> list[Issue]:
        """Every problem of a new stack's definition; writes nothing. Without a name (the
        user has not typed one yet) the file is judged as Compose's default project."""
        bundle = bundles.checked(files)
        draft = validation.Draft(None, name or "stack", compose, variables, bundle, self.places)
        return validation.validate(self.db, draft, self.max_containers)

    def validate_version(self, stack_ref: str, draft: VersionDraft) -> list[Issue]:
        """Every problem of a new version of ``stack_ref``; writes nothing. No variables or
        files: the parent's (the latest when none is named), as ``create_version`` inherits
        them."""
        with self.db.read() as session:
            stack = stack_store.get_stack(session, stack_ref)
            _, variables, files = _inherited(session, self.box, stack, draft)
        bundle = bundles.checked(files)
        checked = validation.Draft(
            stack.stack_id, stack.name, draft.compose, variables, bundle, self.places
        )
        return validation.validate(self.db, checked, self.max_containers)

    def list_stacks(
        self, query: StackQuery
    ) -> tuple[list[Stack], int, dict[str, tuple[str, datetime]]]:
        """A page of stacks, their total, and who changed each last and when."""
        with self.db.read() as session:
            items, total = stack_store.list_stacks(
                session,
                q=query.name_contains,
                status=query.status,
                limit=query.limit,
                offset=query.offset,
                only=query.only,
                deleted=query.deleted,
            )
            latest = stack_store.latest_versions(session, items)
            frozen = delivery_store.freezes(session, [s.stack_id for s in items])
        items = [s.model_copy(update={"frozen": frozen.get(s.stack_id)}) for s in items]
        return items, total, latest

    # the reads below include deleted stacks: their history stays readable (by id, or by
    # a name no live stack holds); every write refuses them

    def get(self, stack_ref: str) -> Stack:
        with self.db.read() as session:
            stack = stack_store.get_stack(session, stack_ref, include_deleted=True)
            frozen = delivery_store.freeze_of(session, stack.stack_id)
        return stack.model_copy(update={"frozen": frozen}) if frozen else stack

    def stack_id_of(self, stack_ref: str) -> str | None:
        """The id of a stack, deleted ones included; None when there is none."""
        with self.db.read() as session:
            try:
                return stack_store.get_stack(session, stack_ref, include_deleted=True).stack_id
            except (NotFound, Conflict):  # none, or a name several deleted stacks had
                return None

    def versions(self, stack_ref: str, limit: int, offset: int) -> tuple[list[StackVersion], int]:
        with self.db.read() as session:
            stack = stack_store.get_stack(session, stack_ref, include_deleted=True)
            return stack_store.list_versions(session, stack.stack_id, limit=limit, offset=offset)

    def version(self, stack_ref: str, version: int) -> StackVersion:
        with self.db.read() as session:
            stack = stack_store.get_stack(session, stack_ref, include_deleted=True)
            found = stack_store.get_version(session, stack.stack_id, version)
            pins = delivery_store.pins(session, stack.stack_id, version)
        return found.model_copy(update={"pins": pins})

    def restore(
        self, actor: Actor, stack_ref: str, version: int, name: str | None
    ) -> tuple[Stack, StackVersion]:
        return restore_stack(
            self.db,
            actor,
            stack_ref,
            Revival(version, name),
            box=self.box,
            max_containers=self.max_containers,
            places=self.places,
        )

    def diff(self, stack_ref: str, a: int, b: int) -> VersionDiff:
        with self.db.read() as session:
            stack = stack_store.get_stack(session, stack_ref, include_deleted=True)
            va = stack_store.get_version(session, stack.stack_id, a)
            vb = stack_store.get_version(session, stack.stack_id, b)
            fa = file_store.list_files(session, stack.stack_id, a)
            fb = file_store.list_files(session, stack.stack_id, b)
            pa = delivery_store.pins(session, stack.stack_id, a)
            pb = delivery_store.pins(session, stack.stack_id, b)
        found = diff_versions(
            va.version, va.compose_text, va.definition, vb.version, vb.compose_text, vb.definition
        )
        digests = ({f.path: f.digest for f in fa}, {f.path: f.digest for f in fb})
        return found.model_copy(
            update={"files": file_changes(*digests), "images": image_changes(pa, pb)}
        )

    def files(self, stack_ref: str, version: int) -> list[StoredFile]:
        """A version's files, without their content (deleted stacks' too)."""
        with self.db.read() as session:
            stack = stack_store.get_stack(session, stack_ref, include_deleted=True)
            stack_store.require_version(session, stack.stack_id, version)
            return file_store.list_files(session, stack.stack_id, version)

    def file(self, stack_ref: str, version: int, path: str) -> StoredFile:
        """One file as stored: a secret file's content is its ciphertext (never shown)."""
        with self.db.read() as session:
            stack = stack_store.get_stack(session, stack_ref, include_deleted=True)
            stack_store.require_version(session, stack.stack_id, version)
            return file_store.get_file(session, stack.stack_id, version, path)
