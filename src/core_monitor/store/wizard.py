"""The wizard's provenance rows: written in the transaction that adds the version."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core_monitor.domain.catalog import Provenance
from core_monitor.store.tables import WizardProvenanceRow


def save(session: Session, stack_id: str, version: int, provenance: Provenance) -> None:
    session.add(
        WizardProvenanceRow(
            stack_id=stack_id,
            version=version,
            catalog_digest=provenance.catalog_digest,
            record=provenance.model_dump(mode="json"),
        )
    )


def latest(
    session: Session, stack_id: str, at_most: int | None = None
) -> tuple[int, Provenance] | None:
    """The newest wizard-made version of a stack (at or before ``at_most``) and its record."""
    query = select(WizardProvenanceRow).where(WizardProvenanceRow.stack_id == stack_id)
    if at_most is not None:
        query = query.where(WizardProvenanceRow.version <= at_most)
    row = session.scalars(query.order_by(WizardProvenanceRow.version.desc()).limit(1)).first()
    if row is None:
        return None
    return row.version, Provenance.model_validate(row.record)
