"""Provenance: what a wizard-made version records, and what a re-render makes of it.

Answers are recorded with secrets by reference (the version's secret variable); a
re-render recalls them from the parent version's variables, merges the changes, keeps the
recorded versions unless asked to upgrade, and says which hand edits it would overwrite.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from core_monitor.catalog import params
from core_monitor.catalog.render import RenderedVariable
from core_monitor.domain.catalog import (
    SECRET_REF,
    Catalog,
    HandEdit,
    Provenance,
    Resolved,
    Selected,
    Upgrade,
)
from core_monitor.domain.stack import Variable

Answers = dict[str, dict[str, Any]]
MAX_EDITS = 200


def record(
    catalog: Catalog, selection: Sequence[Selected], components: list[Resolved], answers: Answers
) -> Provenance:
    stored: Answers = {}
    for r in components:
        entry = catalog.components[r.component].at(r.version)
        assert entry is not None
        given = answers.get(r.component, {})
        stored[r.component] = {
            name: {SECRET_REF: params.variable_name(r.component, name)}
            if entry.is_secret(name)
            else value
            for name, value in given.items()
        }
    return Provenance(
        catalog_digest=catalog.digest,
        selection=list(selection),
        answers={k: v for k, v in stored.items() if v},
        components=components,
    )


def _is_ref(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {SECRET_REF}


def recall(provenance: Provenance, variables: Mapping[str, Variable]) -> Answers:
    """The recorded answers with their secrets' values (from the version's variables,
    decrypted); a secret whose variable is gone is left out (a new one is generated)."""
    out: Answers = {}
    for component, given in provenance.answers.items():
        kept = {}
        for name, value in given.items():
            if not _is_ref(value):
                kept[name] = value
            elif value[SECRET_REF] in variables:
                kept[name] = variables[value[SECRET_REF]].value
        out[component] = kept
    return out


def masked(provenance: Provenance) -> Answers:
    return {
        c: {n: params.MASK if _is_ref(v) else v for n, v in given.items()}
        for c, given in provenance.answers.items()
    }


def merge(recorded: Answers, changes: Mapping[str, Mapping[str, Any]]) -> Answers:
    """Recorded answers with the changes over them: a value replaces, None removes (back
    to the default), the mask keeps the recorded secret."""
    out = {c: dict(given) for c, given in recorded.items()}
    for component, given in changes.items():
        target = out.setdefault(component, {})
        for name, value in given.items():
            if value is None:
                target.pop(name, None)
            elif value == params.MASK and name in target:
                continue
            else:
                target[name] = value
    return out


def preferred(provenance: Provenance, upgrade: bool) -> dict[str, str]:
    """The versions a re-render keeps (none on upgrade: the newest that fit win)."""
    return {} if upgrade else {r.component: r.version for r in provenance.components}


def unpinned(selection: Sequence[Selected]) -> list[Selected]:
    return [Selected(component=s.component) for s in selection]


def upgrades(provenance: Provenance, newest: Sequence[Resolved]) -> list[Upgrade]:
    before = {r.component: r.version for r in provenance.components}
    return [
        Upgrade(component=r.component, from_version=before[r.component], to_version=r.version)
        for r in newest
        if r.component in before and before[r.component] != r.version
    ]


def _walk(actual: Any, expected: Any, path: str, out: list[HandEdit]) -> None:
    if len(out) >= MAX_EDITS or actual == expected:
        return
    if isinstance(actual, dict) and isinstance(expected, dict):
        for key in list(actual) + [k for k in expected if k not in actual]:
            where = f"{path}.{key}" if path else str(key)
            if key not in expected:
                out.append(HandEdit(path=where, message="added by hand: a re-render drops it"))
            elif key not in actual:
                out.append(
                    HandEdit(path=where, message="removed by hand: a re-render puts it back")
                )
            else:
                _walk(actual[key], expected[key], where, out)
        return
    out.append(HandEdit(path=path, message="changed by hand: a re-render overwrites it"))


def variable_edits(
    actual: Mapping[str, Variable], expected: Sequence[RenderedVariable]
) -> list[HandEdit]:
    """Variables set by hand: a value other than the recorded answer's, or one the wizard
    does not make (secrets are recalled from the version itself: never reported)."""
    made = {v.name: v for v in expected}
    out = []
    for name, variable in sorted(actual.items()):
        mine = made.get(name)
        where = f"variables.{name}"
        if mine is None:
            out.append(HandEdit(path=where, message="added by hand: a re-render drops it"))
        elif not mine.secret and mine.value is not None and mine.value != variable.value:
            said = "changed by hand: a re-render sets the recorded answer again"
            out.append(HandEdit(path=where, message=said))
    return out


def hand_edits(actual: str, expected: str) -> list[HandEdit]:
    """Where ``actual`` (a version's compose) differs from ``expected`` (the wizard's
    rendering of that version's own answers): what a re-render would overwrite."""
    try:
        ours, theirs = yaml.safe_load(actual) or {}, yaml.safe_load(expected) or {}
    except yaml.YAMLError:
        return [HandEdit(path="", message="the file no longer parses: a re-render replaces it")]
    out: list[HandEdit] = []
    _walk(ours, theirs, "", out)
    return out
