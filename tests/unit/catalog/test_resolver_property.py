"""A property of the rules engine over random catalogs and selections: whatever resolves
satisfies every requirement within its range, holds each resource once, keeps what was
asked for, and has no declared conflict; whatever does not resolve says why."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from core_monitor.catalog.resolver import resolve
from core_monitor.domain.catalog import Catalog, ComponentVersion, Selected
from tests.support.catalogs import catalog, entry

CAPS = ["db", "web", "queue", "cache"]
RANGES = ["", ">=1", ">=2", "<2", "==1.0"]
RESOURCES = ["host-port:80", "host-port:8080", "reverse-proxy"]
IDS = ["c0", "c1", "c2", "c3", "c4", "c5"]


@st.composite
def catalogs(draw: st.DrawFn) -> Catalog:
    entries = []
    for cid in draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=6, unique=True)):
        for version in draw(st.lists(st.sampled_from(["1.0.0", "2.0.0"]), min_size=1, unique=True)):
            provides = [
                {"capability": c, "version": draw(st.sampled_from(["1.0", "2.0"]))}
                for c in draw(st.lists(st.sampled_from(CAPS), max_size=2, unique=True))
            ]
            requires = [
                {
                    "capability": c,
                    "range": draw(st.sampled_from(RANGES)),
                    "optional": draw(st.booleans()),
                    "reason": "r",
                }
                for c in draw(st.lists(st.sampled_from(CAPS), max_size=2, unique=True))
            ]
            claims = draw(st.lists(st.sampled_from(RESOURCES), max_size=2, unique=True))
            conflicts = [
                {"component": c, "reason": "r"}
                for c in draw(st.lists(st.sampled_from(IDS), max_size=1))
                if c != cid
            ]
            entries.append(
                entry(
                    cid,
                    version,
                    provides=provides,
                    requires=requires,
                    claims=claims,
                    conflicts=conflicts,
                )
            )
    return catalog(*entries)


def _entry(cat: Catalog, component: str, version: str) -> ComponentVersion:
    found = cat.components[component].at(version)
    assert found is not None
    return found


def _check(cat: Catalog, selection: list[Selected], result: Any) -> None:
    chosen = {r.component: _entry(cat, r.component, r.version) for r in result.components}
    for s in selection:
        assert s.component in chosen
        assert s.version is None or chosen[s.component].version == s.version
    holders: dict[str, str] = {}
    for e in chosen.values():
        for resource in e.claims:
            assert resource not in holders, f"{resource}: {holders[resource]} and {e.id}"
            holders[resource] = e.id
        for c in e.conflicts:
            assert c.component not in chosen
        for r in e.requires:
            bound = result.bindings.get(e.id, {}).get(r.capability)
            if bound is None:
                assert r.optional
                continue
            offered = chosen[bound].provided(r.capability)
            assert offered is not None and r.specifier.contains(offered.parsed, True)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_every_resolved_set_satisfies_every_rule(data: st.DataObject) -> None:
    cat = data.draw(catalogs())
    ids = sorted(cat.components)
    picked = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=4, unique=True))
    selection = [
        Selected(
            component=cid,
            version=data.draw(
                st.sampled_from([None, *(v.version for v in cat.components[cid].versions)])
            ),
        )
        for cid in picked
    ]
    result = resolve(cat, selection)
    if result.violations:
        assert result.components == []
        assert all(v.message and v.fix for v in result.violations)
    else:
        _check(cat, selection, result)
