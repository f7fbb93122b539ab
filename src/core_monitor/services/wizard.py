"""The wizard's use cases: query a selection, create a stack from it, re-render a stack
from its recorded answers (with changes, or upgrades), and say what a stack's wizard
record is. Versions are made by the stack service (validated, immutable, audited); the
provenance is written in the same transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from core_monitor.catalog import provenance as prov
from core_monitor.catalog.files import CatalogSource
from core_monitor.catalog.render import Rendered, render
from core_monitor.catalog.wizard import Proposal, propose, with_generated
from core_monitor.domain.actor import Actor
from core_monitor.domain.catalog import (
    Catalog,
    HandEdit,
    Provenance,
    Selected,
    Upgrade,
    Violation,
)
from core_monitor.domain.diff import VersionDiff
from core_monitor.domain.stack import Stack, StackVersion, Variable
from core_monitor.errors import FieldError, NotFound, ValidationFailed
from core_monitor.services import definitions
from core_monitor.services.stacks import OnWrite, StackService, VersionDraft
from core_monitor.store import audit
from core_monitor.store import stacks as stack_store
from core_monitor.store import wizard as wizard_store

Answers = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Change:
    """A re-render: a new selection and answers over the recorded ones (None: keep)."""

    selection: list[Selected] | None = None
    answers: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    upgrade: bool = False
    parent: int | None = None
    comment: str = ""


@dataclass(frozen=True)
class Remade:
    version: StackVersion
    diff: VersionDiff
    overwritten: list[HandEdit]


@dataclass(frozen=True)
class WizardState:
    version: int  # the newest wizard-made version
    provenance: Provenance
    answers: dict[str, dict[str, Any]]  # secret answers masked
    current_digest: str
    upgrades: list[Upgrade]
    hand_edits: list[HandEdit]


def refused(violations: Sequence[Violation]) -> ValidationFailed:
    errors = [FieldError(v.field or "selection", v.message) for v in violations]
    return ValidationFailed(errors, violations=[v.model_dump(mode="json") for v in violations])


def _variables(rendered: Rendered) -> dict[str, Variable]:
    return {v.name: Variable(value=v.value or "", secret=v.secret) for v in rendered.variables}


class WizardService:
    def __init__(self, stacks: StackService, catalogs: CatalogSource) -> None:
        self.stacks = stacks
        self.catalogs = catalogs

    def catalog(self) -> Catalog:
        return self.catalogs.current()

    def resolve(self, selection: Sequence[Selected], answers: Answers) -> tuple[Catalog, Proposal]:
        catalog = self.catalog()
        return catalog, propose(catalog, selection, answers)

    def _made(
        self,
        catalog: Catalog,
        selection: Sequence[Selected],
        answers: Answers,
        prefer: Mapping[str, str] | None = None,
    ) -> tuple[Rendered, Provenance]:
        """The compose, variables (generated values made now) and provenance of a valid
        selection; refused (422 with the violations) otherwise."""
        proposal = propose(catalog, selection, answers, prefer)
        if not proposal.ok:
            raise refused(proposal.resolution.violations)
        final = with_generated(catalog, proposal.resolution, answers)
        rendered = render(catalog, proposal.resolution, final)
        record = prov.record(catalog, selection, proposal.resolution.components, final)
        return rendered, record

    def create_stack(
        self,
        actor: Actor,
        name: str,
        selection: Sequence[Selected],
        answers: Answers,
        comment: str,
        host: str = "local",
    ) -> tuple[Stack, StackVersion]:
        rendered, record = self._made(self.catalog(), selection, answers)
        return self.stacks.create_stack(
            actor,
            name,
            rendered.compose,
            _variables(rendered),
            comment or "made by the wizard",
            on_write=_saver(actor, record, "wizard.create"),
            host=host,
        )

    def _recorded(
        self, stack_ref: str, at_most: int | None
    ) -> tuple[Stack, StackVersion, int, Provenance]:
        with self.stacks.db.read() as session:
            stack = stack_store.get_stack(session, stack_ref)
            parent = stack_store.get_version(
                session, stack.stack_id, at_most or stack.latest_version
            )
            found = wizard_store.latest(session, stack.stack_id, parent.version)
        if found is None:
            raise NotFound(f"stack {stack.name!r} was not made by the wizard")
        return stack, parent, found[0], found[1]

    def _edits(
        self, catalog: Catalog, record: Provenance, answers: Answers, version: StackVersion
    ) -> list[HandEdit]:
        """Where a version differs from the rendering of a record's own answers: its
        compose and its variables (what a re-render would overwrite)."""
        again = propose(catalog, record.selection, answers, prov.preferred(record, False))
        if not again.resolution.components:
            message = "the catalog no longer resolves this stack's recorded selection"
            return [HandEdit(path="", message=message)]
        plain = definitions.plain_variables(version.variables, self.stacks.box)
        return prov.hand_edits(version.compose_text, again.rendered.compose) + (
            prov.variable_edits(plain, again.rendered.variables)
        )

    def remake(self, actor: Actor, stack_ref: str, change: Change) -> Remade:
        stack, parent, _, record = self._recorded(stack_ref, change.parent)
        plain = definitions.plain_variables(parent.variables, self.stacks.box)
        recorded = prov.recall(record, plain)
        catalog = self.catalog()
        selection = change.selection if change.selection is not None else record.selection
        if change.upgrade:
            selection = prov.unpinned(selection)
        answers = prov.merge(recorded, change.answers)
        rendered, new_record = self._made(
            catalog, selection, answers, prov.preferred(record, change.upgrade)
        )
        overwritten = self._edits(catalog, record, recorded, parent)
        comment = change.comment or (
            "upgraded by the wizard" if change.upgrade else "re-rendered by the wizard"
        )
        draft = VersionDraft(rendered.compose, _variables(rendered), comment, parent.version)
        version = self.stacks.create_version(
            actor, stack.stack_id, draft, on_write=_saver(actor, new_record, "wizard.render")
        )
        diff = self.stacks.diff(stack.stack_id, parent.version, version.version)
        return Remade(version, diff, overwritten)

    def state(self, stack_ref: str) -> WizardState:
        _, latest, made, record = self._recorded(stack_ref, None)
        plain = definitions.plain_variables(latest.variables, self.stacks.box)
        recorded = prov.recall(record, plain)
        catalog = self.catalog()
        newest = propose(catalog, prov.unpinned(record.selection), recorded)
        upgrades = prov.upgrades(record, newest.resolution.components)
        edits = self._edits(catalog, record, recorded, latest)
        masked = prov.masked(record)
        return WizardState(made, record, masked, catalog.digest, upgrades, edits)


def _saver(actor: Actor, record: Provenance, action: str) -> OnWrite:
    """The provenance row and its audit entry, in the version's own transaction."""

    def save(session: Session, version: StackVersion) -> None:
        wizard_store.save(session, version.stack_id, version.version, record)
        components = [f"{r.component} {r.version}" for r in record.components]
        details = {
            "version": version.version,
            "catalog_digest": record.catalog_digest,
            "components": components,
        }
        audit.record_by(session, actor, action, f"stack:{version.stack_id}", details=details)

    return save
