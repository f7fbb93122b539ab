"""The wizard's vocabulary: catalog components, what they provide, require, conflict with
and claim; the rules engine's answer (resolved set, violations, suggestions).

Pure data. Versions and ranges are ``packaging`` versions and specifiers, parsed here once;
a component version's parameters are a JSON Schema object (validated elsewhere, by
``jsonschema``, the same schema the console validates with).
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import cached_property
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version
from pydantic import BaseModel, ConfigDict, Field, field_validator

ID = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
CAPABILITY = re.compile(r"^[a-z][a-z0-9:_-]{0,62}$")
SECRET_REF = "$secret"  # noqa: S105 (a key, not a password)
"""An answer recorded by reference: ``{"$secret": "VARIABLE"}`` (the value is the version's
secret variable of that name)."""


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _version(value: str) -> str:
    try:
        Version(value)
    except InvalidVersion:
        raise ValueError(f"{value!r} is not a version") from None
    return value


def _range(value: str) -> str:
    try:
        SpecifierSet(value)
    except InvalidSpecifier:
        raise ValueError(f"{value!r} is not a version range (e.g. '>=6.0,<7')") from None
    return value


class Versioned(Frozen):
    """A model with a semver ``version``: checked once, parsed once."""

    version: str

    @field_validator("version")
    @classmethod
    def _check_version(cls, value: str) -> str:
        return _version(value)

    @cached_property
    def parsed(self) -> Version:
        return Version(self.version)


class Provided(Versioned):
    """A capability a component version provides, and how a consumer reaches it: each
    ``connection`` value may name the provider's parameters (``{{ param.password }}``)."""

    capability: str = Field(pattern=CAPABILITY.pattern)
    version: str = "0"
    connection: dict[str, str] = Field(default_factory=dict)


class Requirement(Frozen):
    """A capability a component needs, within a version range ('' = any version)."""

    capability: str = Field(pattern=CAPABILITY.pattern)
    range: str = ""
    optional: bool = False
    reason: str = Field(min_length=1, max_length=300)

    @field_validator("range")
    @classmethod
    def _check_range(cls, value: str) -> str:
        return _range(value)

    @cached_property
    def specifier(self) -> SpecifierSet:
        return SpecifierSet(self.range)

    def wording(self) -> str:
        return f"{self.capability} {self.range}".strip()


class Conflict(Frozen):
    component: str = Field(pattern=ID.pattern)
    reason: str = Field(min_length=1, max_length=300)


class ComponentVersion(Versioned):
    """One catalog entry: a component at one version, and the compose fragment it adds."""

    id: str = Field(pattern=ID.pattern)
    version: str
    title: str = Field(min_length=1, max_length=100)
    description: str = Field("", max_length=2000)
    category: str = Field(min_length=1, max_length=50)
    icon: str = Field("", max_length=100)
    images: list[str] = Field(default_factory=list)
    service: str | None = None  # the service others reach (host of its connections)
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object"})
    provides: list[Provided] = Field(default_factory=list)
    requires: list[Requirement] = Field(default_factory=list)
    conflicts: list[Conflict] = Field(default_factory=list)
    claims: list[str] = Field(
        default_factory=list
    )  # may name parameters: host-port:{{ param.port }}
    compose: dict[str, Any] = Field(default_factory=dict)

    def provided(self, capability: str) -> Provided | None:
        return next((p for p in self.provides if p.capability == capability), None)

    @property
    def properties(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = self.parameters.get("properties", {})
        return found

    def is_secret(self, param: str) -> bool:
        return bool(self.properties.get(param, {}).get("secret"))

    @property
    def deploy(self) -> dict[str, Any] | None:
        """The ``x-coremon-deploy`` settings of its service, if it takes deployments."""
        services = self.compose.get("services") or {}
        for body in services.values():
            if isinstance(body, dict) and isinstance(body.get("x-coremon-deploy"), dict):
                settings: dict[str, Any] = body["x-coremon-deploy"]
                return settings
        return None


class Component(Frozen):
    """A component and its versions, newest first."""

    id: str
    versions: tuple[ComponentVersion, ...]
    default_version: str

    @property
    def newest(self) -> ComponentVersion:
        return self.versions[0]

    def at(self, version: str) -> ComponentVersion | None:
        return next((v for v in self.versions if v.version == version), None)


class Problem(Frozen):
    """A catalog file that was not loaded, and why."""

    path: str
    message: str


class Catalog(Frozen):
    components: dict[str, Component]
    defaults: dict[str, str]  # capability → the component that provides it by default
    digest: str
    problems: tuple[Problem, ...] = ()

    def providers(self, capability: str) -> list[ComponentVersion]:
        return [v for c in self.components.values() for v in c.versions if v.provided(capability)]


class Selected(Frozen):
    """A component asked for, at a version or (None) the newest that fits."""

    component: str = Field(min_length=1, max_length=63)
    version: str | None = Field(None, max_length=40)


class Rule(StrEnum):
    """Why a selection does not resolve (closed)."""

    UNKNOWN = "unknown"  # a component or version the catalog lacks
    MISSING = "missing"  # nothing in the catalog provides a required capability
    VERSION = "version"  # providers exist, none within the required range
    CLAIM = "claim"  # two components claim one exclusive resource
    CONFLICT = "conflict"  # a component declares it cannot run beside another
    PARAMETER = "parameter"  # an answer fails its component's parameter schema


class Violation(Frozen):
    rule: Rule
    components: list[str]
    message: str
    fix: str
    field: str | None = None  # answers.<component>.<param> for a parameter


class Suggestion(Frozen):
    capability: str
    providers: list[str]
    default: str | None
    message: str


class Resolved(Frozen):
    component: str
    version: str
    added_because: str | None = None


class Claim(Frozen):
    """An exclusive resource one component holds (a host port, "the reverse proxy")."""

    resource: str
    component: str


class Resolution(Frozen):
    """The rules engine's answer: the resolved set (empty when violations), and for each
    component the provider chosen for each capability it requires."""

    components: list[Resolved]
    violations: list[Violation]
    suggestions: list[Suggestion]
    bindings: dict[str, dict[str, str]] = Field(default_factory=dict)  # comp → cap → provider

    @property
    def ok(self) -> bool:
        return not self.violations


class HandEdit(Frozen):
    """A place where a version's compose differs from what the wizard would render."""

    path: str
    message: str


class Upgrade(Frozen):
    component: str
    from_version: str = Field(serialization_alias="from")
    to_version: str = Field(serialization_alias="to")


class Provenance(Frozen):
    """What a wizard-made version records: the catalog it came from, what was asked for,
    the answers (secrets by reference: ``{"$secret": VARIABLE}``), what was resolved."""

    catalog_digest: str
    selection: list[Selected]
    answers: dict[str, dict[str, Any]]
    components: list[Resolved]
