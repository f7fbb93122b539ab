"""The rules engine's words: why a selection does not resolve (violations with a fix), and
what a person may want to know about one that does (suggestions).

resolvelib's failure is a list of (requirement, parent) pairs; grouped by what they ask
for, each group becomes one violation a person understands.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from core_monitor.domain.catalog import (
    Catalog,
    ComponentVersion,
    Rule,
    Selected,
    Suggestion,
    Violation,
)

if TYPE_CHECKING:
    from core_monitor.catalog.resolver import Info


def title(catalog: Catalog, component: str) -> str:
    found = catalog.components.get(component)
    return found.newest.title if found else component


def _names(catalog: Catalog, ids: Iterable[str]) -> str:
    names = [title(catalog, i) for i in ids]
    return " and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " and " + names[-1]


def unknown_selection(catalog: Catalog, selection: Sequence[Selected]) -> list[Violation]:
    found = []
    for index, s in enumerate(selection):
        component = catalog.components.get(s.component)
        if component is None:
            message, fix = f"the catalog has no component {s.component!r}", "Remove it"
        elif s.version is not None and component.at(s.version) is None:
            versions = ", ".join(v.version for v in component.versions)
            message = f"{component.newest.title} has no version {s.version!r}"
            fix = f"Choose one of {versions}, or leave the version out for the newest"
        else:
            continue
        found.append(
            Violation(
                rule=Rule.UNKNOWN,
                components=[s.component],
                message=message,
                fix=fix,
                field=f"selection.{index}",
            )
        )
    return found


def _claim(catalog: Catalog, resource: str, holders: list[str]) -> Violation:
    if resource.startswith("conflict:"):
        a, b = resource.removeprefix("conflict:").split("+", 1)
        reasons = [
            c.reason
            for cid, other in ((a, b), (b, a))
            if cid in catalog.components
            for c in catalog.components[cid].newest.conflicts
            if c.component == other
        ]
        return Violation(
            rule=Rule.CONFLICT,
            components=[a, b],
            message=f"{_names(catalog, [a, b])} cannot run in one stack: "
            + (reasons[0] if reasons else "the catalog says they conflict"),
            fix=f"Keep {title(catalog, a)} or {title(catalog, b)}, not both",
        )
    return Violation(
        rule=Rule.CLAIM,
        components=holders,
        message=f"{_names(catalog, holders)} both claim {resource}; only one component can hold it",
        fix="Keep one of them, or change the parameter that sets it (e.g. the published port)",
    )


def _capability(catalog: Catalog, capability: str, infos: list[Info]) -> Violation:
    requirers = sorted({i.parent.component for i in infos if i.parent is not None})
    needs = [i.requirement for i in infos if i.requirement.why is not None]
    wanted = needs[0].why.wording() if needs and needs[0].why else capability
    who = _names(catalog, requirers) if requirers else "The selection"
    providers = catalog.providers(capability)
    if not providers:
        return Violation(
            rule=Rule.MISSING,
            components=requirers,
            message=f"{who} requires {wanted}, and no component in the catalog provides it",
            fix=f"Remove {who}, or add a component that provides {capability} to the catalog",
        )
    offered = ", ".join(
        f"{p.title} {p.version} ({capability} {p.provided(capability).version})"  # type: ignore[union-attr]
        for p in providers
    )
    return Violation(
        rule=Rule.VERSION,
        components=requirers + sorted({p.id for p in providers}),
        message=f"{who} requires {wanted}; no provider fits together with the rest of the "
        f"selection (the catalog offers {offered})",
        fix=f"Choose other versions, or a provider of {capability} within the range",
    )


def _asked(info: Info) -> str:
    need = info.requirement
    said = str(need.spec) or "any version"
    return f"{said} (as the provider of {need.via})" if need.via else f"{said} (as asked for)"


def _component(catalog: Catalog, component: str, infos: list[Info]) -> Violation:
    asked = sorted({_asked(i) for i in infos})
    parents = sorted(
        {i.parent.component for i in infos if i.parent is not None and i.parent.ident[0] == "c"}
    )
    return Violation(
        rule=Rule.VERSION,
        components=sorted({component, *parents}),
        message=f"{title(catalog, component)} is needed at {' and at '.join(asked)}, which "
        "no single version satisfies",
        fix=f"Choose one version of {title(catalog, component)} that fits every requirement",
    )


def explain(catalog: Catalog, causes: Sequence[Info]) -> list[Violation]:
    groups: dict[str, list[Info]] = {}
    for info in causes:
        groups.setdefault(info.requirement.ident, []).append(info)
    found = []
    for ident, infos in sorted(groups.items()):
        kind, name = ident[0], ident[2:]
        if kind == "r":
            holders = sorted({i.requirement.holder for i in infos if i.requirement.holder})
            found.append(_claim(catalog, name, holders))
        elif kind == "p":
            found.append(_capability(catalog, name, infos))
        else:
            found.append(_component(catalog, name, infos))
    return found


def too_deep(selection: Sequence[Selected]) -> Violation:
    return Violation(
        rule=Rule.CONFLICT,
        components=[s.component for s in selection],
        message="the selection has too many combinations of versions and providers to try",
        fix="Name the versions of some components",
    )


def _choice(catalog: Catalog, capability: str, providers: list[str], why: str) -> Suggestion:
    default = catalog.defaults.get(capability)
    said = f"{_names(catalog, providers)} provide {capability}"
    if default:
        said += f"; {title(catalog, default)} is the default"
    return Suggestion(
        capability=capability, providers=providers, default=default, message=why + said
    )


def suggestions(
    catalog: Catalog,
    entries: Sequence[ComponentVersion],
    bindings: Mapping[str, Mapping[str, str]],
    explicit: frozenset[str],
) -> list[Suggestion]:
    """Alternatives to providers the engine chose, and optional capabilities not in use."""
    found: dict[str, Suggestion] = {}
    for entry in entries:
        for r in entry.requires:
            providers = sorted({p.id for p in catalog.providers(r.capability)})
            chosen: Any = bindings.get(entry.id, {}).get(r.capability)
            if chosen is None and r.optional and providers:
                why = f"{entry.title} can use {r.capability} ({r.reason}): "
                found.setdefault(r.capability, _choice(catalog, r.capability, providers, why))
            elif chosen not in explicit and len(providers) > 1:
                found.setdefault(r.capability, _choice(catalog, r.capability, providers, ""))
    return [found[k] for k in sorted(found)]
