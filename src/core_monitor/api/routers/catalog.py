"""The wizard's catalog: components, their versions, parameters and rules (READ)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from core_monitor.api.deps import IdentityDep, WizardDep
from core_monitor.api.security import allow
from core_monitor.api.wizard_schemas import CatalogComponent, CatalogList
from core_monitor.domain.auth import Permission, Role
from core_monitor.domain.catalog import Component
from core_monitor.errors import NotFound

router = APIRouter(prefix="/catalog", tags=["wizard"])
READ = [allow(Permission.READ, "any")]


def _matches(component: Component, category: str | None, text: str | None) -> bool:
    newest = component.newest
    if category is not None and newest.category != category:
        return False
    if not text:
        return True
    words = f"{component.id} {newest.title} {newest.description}".lower()
    return text.lower() in words


@router.get(
    "",
    response_model=CatalogList,
    response_model_exclude_none=True,
    summary="The catalog's components (filters: category, text); administrators also see "
    "the files left out",
    dependencies=READ,
)
def list_catalog(
    wizard: WizardDep,
    identity: IdentityDep,
    category: Annotated[str | None, Query(max_length=50)] = None,
    text: Annotated[str | None, Query(max_length=100)] = None,
) -> CatalogList:
    catalog = wizard.catalog()
    items = [c for c in catalog.components.values() if _matches(c, category, text)]
    return CatalogList.of(catalog, items, identity.global_role() == Role.ADMIN)


@router.get(
    "/{component_id}",
    response_model=CatalogComponent,
    summary="One component: its versions, parameters (JSON Schema), provides, requires, "
    "conflicts, claims and deploy target",
    responses={404: {"description": "No such component"}},
    dependencies=READ,
)
def get_component(component_id: str, wizard: WizardDep) -> CatalogComponent:
    catalog = wizard.catalog()
    component = catalog.components.get(component_id)
    if component is None:
        raise NotFound(f"the catalog has no component {component_id!r}")
    return CatalogComponent.of(catalog, component)
