"""The rules engine: a selection → the resolved set of component versions, on resolvelib.

Three kinds of identifiers, one candidate each in a resolution:
- ``c:<component>``: the component at one version;
- ``p:<capability>``: which component version provides a capability (its dependency is
  that component at that version), so alternatives and version ranges backtrack;
- ``r:<resource>``: who holds an exclusive resource. Every claimant requires it with
  itself as the holder; two claimants leave no candidate. A declared conflict between A
  and B is the resource both claim.
Failures come back as violations in our own words (``explain``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from packaging.specifiers import SpecifierSet
from packaging.version import Version
from resolvelib import AbstractProvider, BaseReporter, Resolver
from resolvelib.resolvers import ResolutionImpossible, ResolutionTooDeep
from resolvelib.structs import RequirementInformation

from core_monitor.catalog import params
from core_monitor.catalog.explain import explain, too_deep, unknown_selection
from core_monitor.catalog.explain import suggestions as suggest
from core_monitor.domain.catalog import (
    Catalog,
    ComponentVersion,
    Requirement,
    Resolution,
    Resolved,
    Selected,
)

MAX_ROUNDS = 500
ANY = SpecifierSet("")


@dataclass(frozen=True)
class Need:
    """A requirement: on a component's version, a capability's version, or a resource's
    holder. ``requirer``/``why`` say who needs it and why (for messages)."""

    ident: str
    spec: SpecifierSet = ANY
    holder: str | None = None
    requirer: str | None = None
    why: Requirement | None = field(default=None, compare=False)
    via: str | None = None  # c: asked for as the provider of this capability


@dataclass(frozen=True)
class Cand:
    ident: str
    component: str = ""
    version: str = ""
    level: str = ""  # p: the capability's version
    holder: str = ""  # r: who holds it
    parsed: Version | None = field(default=None, compare=False)  # c: version, p: level


Info = RequirementInformation[Need, Cand]


def conflict_resource(a: str, b: str) -> str:
    first, second = sorted((a, b))
    return f"conflict:{first}+{second}"


@dataclass
class Context:
    """What the provider knows besides the catalog: the request's answers, which
    components were asked for, preferred versions, the optional capabilities in play."""

    catalog: Catalog
    answers: Mapping[str, Mapping[str, Any]]
    explicit: frozenset[str]
    prefer: Mapping[str, str]
    active: frozenset[str]
    conflicts: dict[str, set[str]]

    def entry(self, component: str, version: str) -> ComponentVersion:
        found = self.catalog.components[component].at(version)
        assert found is not None  # candidates come from the catalog
        return found

    def claims(self, entry: ComponentVersion) -> list[str]:
        values = params.effective(entry, self.answers.get(entry.id, {}))
        return [params.literal(c, values) for c in entry.claims]


def _context(
    catalog: Catalog,
    selection: Sequence[Selected],
    answers: Mapping[str, Mapping[str, Any]],
    prefer: Mapping[str, str],
) -> Context:
    explicit = frozenset(s.component for s in selection)
    active = frozenset(
        p.capability
        for cid in explicit
        for v in catalog.components[cid].versions
        for p in v.provides
    )
    conflicts: dict[str, set[str]] = {}
    for component in catalog.components.values():
        for version in component.versions:
            for c in version.conflicts:
                conflicts.setdefault(component.id, set()).add(c.component)
                conflicts.setdefault(c.component, set()).add(component.id)
    return Context(catalog, answers, explicit, prefer, active, conflicts)


class Provider(AbstractProvider[Need, Cand, str]):
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def identify(self, requirement_or_candidate: Need | Cand) -> str:
        return requirement_or_candidate.ident

    def get_preference(
        self,
        identifier: str,
        resolutions: Mapping[str, Cand],
        candidates: Mapping[str, Iterator[Cand]],
        information: Mapping[str, Iterator[Info]],
        backtrack_causes: Sequence[Info],
    ) -> Any:
        # claims first (they fail fast), then components, then capabilities
        return ("rcp".index(identifier[0]), identifier)

    def find_matches(
        self,
        identifier: str,
        requirements: Mapping[str, Iterator[Need]],
        incompatibilities: Mapping[str, Iterator[Cand]],
    ) -> list[Cand]:
        needs = list(requirements.get(identifier, ()))
        bad = set(incompatibilities.get(identifier, ()))
        kind, name = identifier[0], identifier[2:]
        if kind == "r":
            holders = {n.holder for n in needs}
            found = [Cand(identifier, holder=h) for h in holders if h] if len(holders) == 1 else []
        elif kind == "c":
            found = self._versions(identifier, name, needs)
        else:
            found = self._providers(identifier, name, needs)
        return [c for c in found if c not in bad]

    def _versions(self, identifier: str, name: str, needs: list[Need]) -> list[Cand]:
        component = self.ctx.catalog.components.get(name)
        if component is None:
            return []
        fits = [
            v for v in component.versions if all(n.spec.contains(v.parsed, True) for n in needs)
        ]
        preferred = self.ctx.prefer.get(name)
        fits.sort(key=lambda v: v.version != preferred)  # stable: newest first otherwise
        return [Cand(identifier, v.id, v.version, parsed=v.parsed) for v in fits]

    def _providers(self, identifier: str, capability: str, needs: list[Need]) -> list[Cand]:
        default = self.ctx.catalog.defaults.get(capability)
        found = []
        for entry in self.ctx.catalog.providers(capability):
            offered = entry.provided(capability)
            assert offered is not None
            if all(n.spec.contains(offered.parsed, True) for n in needs):
                found.append((entry, offered.parsed))

        def rank(item: tuple[ComponentVersion, Version]) -> tuple[int, int, bool, Any]:
            entry = item[0]
            chosen = 0 if entry.id in self.ctx.explicit else 1
            return (
                chosen,
                0 if entry.id == default else 1,
                entry.version != self.ctx.prefer.get(entry.id),
                entry.id,
            )

        found.sort(key=rank)
        return [Cand(identifier, e.id, e.version, str(o), parsed=o) for e, o in found]

    def is_satisfied_by(self, requirement: Need, candidate: Cand) -> bool:
        kind = requirement.ident[0]
        if kind == "r":
            return requirement.holder == candidate.holder
        return requirement.spec.contains(candidate.parsed or candidate.version, True)

    def get_dependencies(self, candidate: Cand) -> Iterable[Need]:
        if candidate.ident[0] == "p":
            spec = SpecifierSet(f"=={candidate.version}")
            return [Need(f"c:{candidate.component}", spec, via=candidate.ident[2:])]
        if candidate.ident[0] == "r":
            return []
        entry = self.ctx.entry(candidate.component, candidate.version)
        needs = [
            Need(f"p:{r.capability}", r.specifier, requirer=entry.id, why=r)
            for r in entry.requires
            if not r.optional or r.capability in self.ctx.active
        ]
        needs += [Need(f"r:{res}", holder=entry.id) for res in self.ctx.claims(entry)]
        needs += [
            Need(f"r:{conflict_resource(entry.id, other)}", holder=entry.id)
            for other in sorted(self.ctx.conflicts.get(entry.id, ()))
        ]
        return needs


def _roots(selection: Sequence[Selected]) -> list[Need]:
    return [
        Need(f"c:{s.component}", SpecifierSet(f"=={s.version}") if s.version else ANY)
        for s in selection
    ]


def _why(ctx: Context, component: str, mapping: Mapping[str, Cand], criteria: Any) -> str:
    for ident, cand in mapping.items():
        if ident[0] != "p" or cand.component != component:
            continue
        for info in criteria[ident].information:
            need, parent = info.requirement, info.parent
            if parent is None or need.why is None:
                continue
            requirer = ctx.entry(parent.component, parent.version)
            chosen = ctx.entry(cand.component, cand.version)
            default = ctx.catalog.defaults.get(ident[2:]) == component
            how = "the default provider" if default else "a provider"
            return (
                f"{requirer.title} requires {need.why.wording()} ({need.why.reason}); "
                f"{chosen.title} {chosen.version} is {how}"
            )
    return "required by another component"


def _bindings(ctx: Context, mapping: Mapping[str, Cand]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for ident, cand in mapping.items():
        if ident[0] != "c":
            continue
        entry = ctx.entry(cand.component, cand.version)
        for r in entry.requires:
            chosen = mapping.get(f"p:{r.capability}")
            if chosen is not None:
                out.setdefault(entry.id, {})[r.capability] = chosen.component
    return out


def resolve(
    catalog: Catalog,
    selection: Sequence[Selected],
    answers: Mapping[str, Mapping[str, Any]] | None = None,
    prefer: Mapping[str, str] | None = None,
) -> Resolution:
    """Resolve a selection. ``prefer``: versions to keep when they still fit (a re-render
    keeps what a stack has; an upgrade passes none, so the newest that fit win)."""
    unknown = unknown_selection(catalog, selection)
    if unknown:
        return Resolution(components=[], violations=unknown, suggestions=[])
    ctx = _context(catalog, selection, answers or {}, prefer or {})
    resolver: Resolver[Need, Cand, str] = Resolver(Provider(ctx), BaseReporter())
    try:
        result = resolver.resolve(_roots(selection), max_rounds=MAX_ROUNDS)
    except ResolutionImpossible as exc:
        causes: list[Info] = list(exc.causes)
        return Resolution(components=[], violations=explain(catalog, causes), suggestions=[])
    except ResolutionTooDeep:
        return Resolution(components=[], violations=[too_deep(selection)], suggestions=[])
    mapping = result.mapping
    chosen = sorted((c for i, c in mapping.items() if i[0] == "c"), key=lambda c: c.component)
    components = [
        Resolved(
            component=c.component,
            version=c.version,
            added_because=None
            if c.component in ctx.explicit
            else _why(ctx, c.component, mapping, result.criteria),
        )
        for c in chosen
    ]
    bindings = _bindings(ctx, mapping)
    entries = [ctx.entry(c.component, c.version) for c in chosen]
    return Resolution(
        components=components,
        violations=[],
        suggestions=suggest(catalog, entries, bindings, ctx.explicit),
        bindings=bindings,
    )
