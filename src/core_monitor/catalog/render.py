"""Rendering: a resolved set and its answers → compose text and the version's variables.

Parameters become variables (``${POSTGRESQL_PASSWORD}``), secrets secret variables: an
answer never enters the compose text, so nothing in it can collide with Compose's own
syntax. A consumer's ``{{ wire.<capability>.<key> }}`` becomes the chosen provider's
connection value (its service name as host, its port, the provider's own variables for
shared credentials), and the consumer's service starts after the provider's.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from core_monitor.catalog import params
from core_monitor.domain.catalog import Catalog, ComponentVersion, Resolution, Rule, Violation

WIRE = re.compile(r"\{\{\s*wire\.([a-z][a-z0-9:_-]*)\.([A-Za-z0-9_]+)\s*\}\}")
VARIABLE = re.compile(r"\$\{([A-Z0-9_]+)\}")
SECTIONS = ("services", "volumes", "networks", "configs", "secrets")


@dataclass(frozen=True)
class RenderedVariable:
    name: str
    value: str | None  # None: a value generated when the version is created
    secret: bool


@dataclass(frozen=True)
class Rendered:
    compose: str
    variables: list[RenderedVariable]
    clashes: list[Violation]


# libyaml's emitter when present: the pure-Python one is most of a render's time
_Base: type[yaml.SafeDumper] = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _Dumper(_Base):  # type: ignore[valid-type,misc]
    """Block style for multi-line strings (configs' content stays readable)."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def _walk(value: Any, change: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {k: _walk(v, change) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, change) for v in value]
    return value


def _wiring(catalog: Catalog, resolution: Resolution, entry: ComponentVersion) -> Any:
    bound = resolution.bindings.get(entry.id, {})
    versions = {r.component: r.version for r in resolution.components}

    def wire(match: re.Match[str]) -> str:
        provider_id = bound.get(match.group(1))
        if provider_id is None:
            return ""  # an optional capability nobody provides here
        provider = catalog.components[provider_id].at(versions[provider_id])
        offered = provider.provided(match.group(1)) if provider else None
        value = offered.connection.get(match.group(2), "") if offered else ""
        return params.substitute(value, provider_id)

    return lambda text: params.substitute(WIRE.sub(wire, text), entry.id)


def _depends(fragment: dict[str, Any], entry: ComponentVersion, providers: list[str]) -> None:
    service = (fragment.get("services") or {}).get(entry.service or "")
    if not isinstance(service, dict):
        return
    current = service.setdefault("depends_on", [])
    for name in providers:
        if name == entry.service:
            continue
        if isinstance(current, dict):
            current.setdefault(name, {"condition": "service_started"})
        elif name not in current:
            current.append(name)
    if not current:
        del service["depends_on"]


def _fragment(catalog: Catalog, resolution: Resolution, entry: ComponentVersion) -> Any:
    fragment = _walk(copy.deepcopy(entry.compose), _wiring(catalog, resolution, entry))
    versions = {r.component: r.version for r in resolution.components}
    services = []
    for provider_id in resolution.bindings.get(entry.id, {}).values():
        provider = catalog.components[provider_id].at(versions[provider_id])
        if provider and provider.service:
            services.append(provider.service)
    _depends(fragment, entry, sorted(set(services)))
    return fragment


def _merge(project: dict[str, Any], fragment: dict[str, Any], who: str) -> list[Violation]:
    clashes = []
    for section in SECTIONS:
        for name, body in (fragment.get(section) or {}).items():
            target = project.setdefault(section, {})
            if name in target:
                clashes.append(
                    Violation(
                        rule=Rule.CONFLICT,
                        components=[who],
                        message=f"{who} defines {section}.{name}, which another component "
                        "defines too",
                        fix="Remove one of the two components",
                    )
                )
            target[name] = body
    return clashes


def _variables(
    entries: list[ComponentVersion], answers: Mapping[str, Mapping[str, Any]], used: set[str]
) -> list[RenderedVariable]:
    out = []
    for entry in entries:
        given = answers.get(entry.id, {})
        values = params.effective(entry, given)
        generated = set(params.to_generate(entry, given))
        for name in entry.properties:
            variable = params.variable_name(entry.id, name)
            if variable not in used:
                continue
            value = None if name in generated else params.as_text(values.get(name))
            out.append(RenderedVariable(variable, value, entry.is_secret(name)))
    return sorted(out, key=lambda v: v.name)


def render(
    catalog: Catalog, resolution: Resolution, answers: Mapping[str, Mapping[str, Any]]
) -> Rendered:
    """The compose text and variables of a resolved set (components in id order)."""
    entries = []
    for r in resolution.components:
        entry = catalog.components[r.component].at(r.version)
        assert entry is not None
        entries.append(entry)
    project: dict[str, Any] = {}
    clashes = []
    for entry in entries:
        clashes += _merge(project, _fragment(catalog, resolution, entry), entry.id)
    listed = ", ".join(f"{e.id} {e.version}" for e in entries)
    header = f"# made by the Core Monitor wizard: {listed}\n" if entries else ""
    body = yaml.dump(project, Dumper=_Dumper, sort_keys=False, width=1000) if project else ""
    text = header + body
    return Rendered(text, _variables(entries, answers, set(VARIABLE.findall(text))), clashes)
