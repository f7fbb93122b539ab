"""The wizard's one pure step: a selection and answers → resolution, parameter checks and
the rendered compose (what a query shows and what a new version is made of)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from core_monitor.catalog import params
from core_monitor.catalog.render import Rendered, render
from core_monitor.catalog.resolver import resolve
from core_monitor.domain.catalog import Catalog, Resolution, Selected

EMPTY = Rendered("", [], [])


@dataclass(frozen=True)
class Proposal:
    resolution: Resolution  # its violations include the answers' and the rendering's
    rendered: Rendered

    @property
    def ok(self) -> bool:
        return self.resolution.ok


def propose(
    catalog: Catalog,
    selection: Sequence[Selected],
    answers: Mapping[str, Mapping[str, Any]],
    prefer: Mapping[str, str] | None = None,
) -> Proposal:
    resolution = resolve(catalog, selection, answers, prefer)
    if not resolution.ok:
        return Proposal(resolution, EMPTY)
    violations = []
    for r in resolution.components:
        entry = catalog.components[r.component].at(r.version)
        assert entry is not None
        violations += params.check(entry, answers.get(r.component, {}))
    rendered = render(catalog, resolution, answers)
    violations += rendered.clashes
    return Proposal(resolution.model_copy(update={"violations": violations}), rendered)


def with_generated(
    catalog: Catalog, resolution: Resolution, answers: Mapping[str, Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """The answers of the resolved components, with a fresh value for each parameter to
    generate (made once here, then recorded and kept)."""
    out: dict[str, dict[str, Any]] = {}
    for r in resolution.components:
        entry = catalog.components[r.component].at(r.version)
        assert entry is not None
        given = dict(answers.get(r.component, {}))
        out[r.component] = {**given, **params.generate(entry, given)}
    return out
