"""The wizard's and catalog's HTTP shapes (requests bounded; answers are scalars)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema

from core_monitor.domain.catalog import (
    Catalog,
    Component,
    ComponentVersion,
    HandEdit,
    Resolved,
    Selected,
    Suggestion,
    Upgrade,
    Violation,
)
from core_monitor.domain.diff import VersionDiff

Name = Annotated[str, StringConstraints(min_length=1, max_length=63)]
MAX_ANSWER_CHARS = 10_000


def _scalar(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        if len(value) > MAX_ANSWER_CHARS:
            raise ValueError(f"longer than {MAX_ANSWER_CHARS} characters")
        return value
    raise ValueError("must be a string, a number, a boolean or null")


# one check, so a bad answer is one error at its own path (answers.<component>.<param>)
Value = Annotated[
    Any,
    AfterValidator(_scalar),
    WithJsonSchema({"type": ["string", "number", "boolean", "null"]}),
]
Answers = Annotated[
    dict[Name, Annotated[dict[Name, Value], Field(max_length=100)]], Field(max_length=100)
]
Selection = Annotated[list[Selected], Field(max_length=100)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ResolveRequest(Strict):
    selection: Selection
    answers: Answers = Field(default_factory=dict)


class WizardStackRequest(Strict):
    name: Name
    selection: Annotated[list[Selected], Field(min_length=1, max_length=100)]
    answers: Answers = Field(default_factory=dict)
    comment: Annotated[str, StringConstraints(max_length=1000)] = ""
    host: str = Field(
        "local", min_length=1, max_length=64, description="The Docker host: an id or a name."
    )


class RerenderRequest(Strict):
    selection: Selection | None = None
    answers: Answers = Field(default_factory=dict)
    upgrade: bool = False
    parent: Annotated[int | None, Field(ge=1, le=2**31 - 1)] = None
    comment: Annotated[str, StringConstraints(max_length=1000)] = ""


class CatalogItem(BaseModel):
    id: str
    title: str
    description: str
    category: str
    icon: str
    versions: list[str]  # newest first
    default_version: str

    @classmethod
    def of(cls, component: Component) -> CatalogItem:
        newest = component.newest
        return cls(
            id=component.id,
            title=newest.title,
            description=newest.description,
            category=newest.category,
            icon=newest.icon,
            versions=[v.version for v in component.versions],
            default_version=component.default_version,
        )


class CatalogProblem(BaseModel):
    path: str
    message: str


class CatalogList(BaseModel):
    catalog_digest: str
    items: list[CatalogItem]
    problems: list[CatalogProblem] | None = None  # administrators only: files left out

    @classmethod
    def of(cls, catalog: Catalog, items: list[Component], admin: bool) -> CatalogList:
        problems = [CatalogProblem(path=p.path, message=p.message) for p in catalog.problems]
        return cls(
            catalog_digest=catalog.digest,
            items=[CatalogItem.of(c) for c in items],
            problems=problems if admin else None,
        )


class ProvidedOut(BaseModel):
    capability: str
    version: str


class RequirementOut(BaseModel):
    capability: str
    range: str
    optional: bool
    reason: str


class ConflictOut(BaseModel):
    component: str
    reason: str


class VersionEntry(BaseModel):
    version: str
    images: list[str]
    parameters: dict[str, Any]  # a JSON Schema object
    provides: list[ProvidedOut]
    requires: list[RequirementOut]
    conflicts: list[ConflictOut]
    claims: list[str]
    deploy: dict[str, Any] | None

    @classmethod
    def of(cls, entry: ComponentVersion) -> VersionEntry:
        return cls(
            version=entry.version,
            images=entry.images,
            parameters=entry.parameters,
            provides=[
                ProvidedOut(capability=p.capability, version=p.version) for p in entry.provides
            ],
            requires=[RequirementOut(**r.model_dump()) for r in entry.requires],
            conflicts=[ConflictOut(**c.model_dump()) for c in entry.conflicts],
            claims=entry.claims,
            deploy=entry.deploy,
        )


class CatalogComponent(BaseModel):
    catalog_digest: str
    id: str
    title: str
    description: str
    category: str
    icon: str
    versions: list[VersionEntry]

    @classmethod
    def of(cls, catalog: Catalog, component: Component) -> CatalogComponent:
        item = CatalogItem.of(component)
        return cls(
            catalog_digest=catalog.digest,
            id=item.id,
            title=item.title,
            description=item.description,
            category=item.category,
            icon=item.icon,
            versions=[VersionEntry.of(v) for v in component.versions],
        )


class WizardVariable(BaseModel):
    name: str
    value: str | None  # None for a secret (never sent) or a value generated on creation
    secret: bool


class ResolveResponse(BaseModel):
    components: list[Resolved]
    violations: list[Violation]
    suggestions: list[Suggestion]
    compose: str
    variables: list[WizardVariable]
    catalog_digest: str


class WizardStackCreated(BaseModel):
    stack_id: str
    version: int


class Rerendered(BaseModel):
    stack_id: str
    version: int
    diff: VersionDiff
    overwritten_edits: list[HandEdit]


class WizardStateOut(BaseModel):
    catalog_digest: str  # the catalog the wizard-made version came from
    current_catalog_digest: str
    version: int  # the newest version the wizard made
    selection: list[Selected]
    answers: dict[str, dict[str, Any]]  # secret answers masked
    components: list[Resolved]
    upgrades: list[Upgrade]
    upgrade_available: bool
    hand_edits: list[HandEdit]
