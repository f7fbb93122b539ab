"""The wizard: resolve a selection (a query: violations are data), create a stack from it,
re-render a wizard-made stack, and read its wizard record."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool

from core_monitor.api.deps import ActorDep, WizardDep
from core_monitor.api.security import allow
from core_monitor.api.wizard_schemas import (
    Rerendered,
    RerenderRequest,
    ResolveRequest,
    ResolveResponse,
    WizardStackCreated,
    WizardStackRequest,
    WizardStateOut,
    WizardVariable,
)
from core_monitor.domain.auth import Permission
from core_monitor.services.wizard import Change

router = APIRouter(prefix="/wizard", tags=["wizard"])
stack_router = APIRouter(prefix="/stacks", tags=["wizard"])


@router.post(
    "/resolve",
    response_model=ResolveResponse,
    summary="Resolve a selection: components (with why each was added), violations, "
    "suggestions, the rendered compose and its variables (writes nothing)",
    dependencies=[allow(Permission.READ, "any")],
)
async def resolve(body: ResolveRequest, wizard: WizardDep) -> ResolveResponse:
    catalog, proposal = await run_in_threadpool(wizard.resolve, body.selection, body.answers)
    resolution, rendered = proposal.resolution, proposal.rendered
    return ResolveResponse(
        components=resolution.components,
        violations=resolution.violations,
        suggestions=resolution.suggestions,
        compose=rendered.compose,
        variables=[
            WizardVariable(name=v.name, value=None if v.secret else v.value, secret=v.secret)
            for v in rendered.variables
        ],
        catalog_digest=catalog.digest,
    )


@router.post(
    "/stacks",
    status_code=201,
    response_model=WizardStackCreated,
    summary="Create a stack (v1) from a selection and answers; 422 with the violations",
    responses={409: {"description": "Name taken"}, 422: {"description": "Violations"}},
    dependencies=[allow(Permission.OPERATE)],
)
async def create_stack(
    body: WizardStackRequest, wizard: WizardDep, actor: ActorDep
) -> WizardStackCreated:
    stack, version = await run_in_threadpool(
        wizard.create_stack,
        actor,
        body.name,
        body.selection,
        body.answers,
        body.comment,
        body.host,
    )
    return WizardStackCreated(stack_id=stack.stack_id, version=version.version)


@stack_router.post(
    "/{stack_id}/wizard",
    status_code=201,
    response_model=Rerendered,
    summary="A new version re-rendered from the recorded answers with these changes (and "
    "with upgrade, the newest component versions that fit); the diff and the hand edits "
    "it overwrote",
    responses={404: {"description": "Not made by the wizard"}, 409: {"description": "Stale"}},
    dependencies=[allow(Permission.OPERATE, "stack")],
)
async def rerender(
    stack_id: str, body: RerenderRequest, wizard: WizardDep, actor: ActorDep
) -> Rerendered:
    change = Change(body.selection, body.answers, body.upgrade, body.parent, body.comment)
    remade = await run_in_threadpool(wizard.remake, actor, stack_id, change)
    return Rerendered(
        stack_id=remade.version.stack_id,
        version=remade.version.version,
        diff=remade.diff,
        overwritten_edits=remade.overwritten,
    )


@stack_router.get(
    "/{stack_id}/wizard",
    response_model=WizardStateOut,
    summary="What the wizard recorded for a stack: selection, answers (secrets masked), "
    "upgrades available, hand edits a re-render would overwrite",
    responses={404: {"description": "Not made by the wizard"}},
    dependencies=[allow(Permission.READ, "stack")],
)
def wizard_state(stack_id: str, wizard: WizardDep) -> WizardStateOut:
    state = wizard.state(stack_id)
    record = state.provenance
    return WizardStateOut(
        catalog_digest=record.catalog_digest,
        current_catalog_digest=state.current_digest,
        version=state.version,
        selection=record.selection,
        answers=state.answers,
        components=record.components,
        upgrades=state.upgrades,
        upgrade_available=bool(state.upgrades),
        hand_edits=state.hand_edits,
    )
