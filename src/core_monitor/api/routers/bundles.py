"""A version's files: read them, upload a project directory, validate a bundle."""

from __future__ import annotations

import functools
import json
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from pydantic import TypeAdapter, ValidationError

from core_monitor.api.bundle_schemas import (
    ComposeValidateRequest,
    ComposeValidation,
    FileOut,
    maybe_files,
)
from core_monitor.api.deps import ActorDep, IdentityDep, StacksDep, VersionNumber
from core_monitor.api.schemas import StackCreated, StackOut, VariableIn, VersionOut, to_variables
from core_monitor.api.security import allow
from core_monitor.domain.auth import Permission
from core_monitor.domain.stack import Variable
from core_monitor.errors import FieldError, NotFound, ValidationFailed
from core_monitor.services.archive import MAX_ARCHIVE_BYTES, Project, read_project
from core_monitor.services.stacks import VersionDraft
from core_monitor.services.validation import service_names
from core_monitor.vault import MASK

router = APIRouter(prefix="/stacks", tags=["stacks"])
compose_router = APIRouter(prefix="/compose", tags=["stacks"])
READ = [allow(Permission.READ, "stack")]
VARIABLES = TypeAdapter(dict[str, VariableIn])
UPLOAD: dict[int | str, dict[str, str]] = {
    413: {"description": "Archive, a file or the bundle too large"},
    422: {"description": "Invalid (names the field or archive member)"},
}


@router.get(
    "/{stack_id}/versions/{version}/files",
    response_model=list[FileOut],
    summary="A version's files (path, size, sha256, secret)",
    dependencies=READ,
)
def list_files(stack_id: str, version: VersionNumber, stacks: StacksDep) -> list[FileOut]:
    return [FileOut.of(f) for f in stacks.files(stack_id, version)]


@router.get(
    "/{stack_id}/versions/{version}/files/{path:path}",
    response_class=Response,
    summary="One file's content (a secret file's is masked)",
    responses={200: {"content": {"application/octet-stream": {}}}},
    dependencies=READ,
)
def get_file(stack_id: str, version: VersionNumber, path: str, stacks: StacksDep) -> Response:
    found = stacks.file(stack_id, version, path)
    if found.secret:
        return Response(MASK, media_type="text/plain", headers={"X-Secret-File": "true"})
    return Response(found.content, media_type="application/octet-stream")


@router.post(
    "/upload",
    status_code=201,
    response_model=StackCreated,
    summary="Create a stack (v1) from a .tar.gz project directory (compose file at its root)",
    responses={409: {"description": "Name taken"}, **UPLOAD},
    dependencies=[allow(Permission.OPERATE)],
)
async def upload_stack(
    stacks: StacksDep,
    actor: ActorDep,
    name: Annotated[str, Form(min_length=1, max_length=63)],
    archive: Annotated[UploadFile, File(description="The project directory, .tar.gz")],
    variables: Annotated[str, Form(description="JSON, as in POST /stacks")] = "{}",
    comment: Annotated[str, Form(max_length=2000)] = "",
    host: Annotated[str, Form(min_length=1, max_length=64, description="Host id or name")] = (
        "local"
    ),
) -> StackCreated:
    project = await _project(archive)
    values = _variables(variables) or {}
    stack, version = await run_in_threadpool(
        functools.partial(stacks.create_stack, host=host),
        actor,
        name,
        project.compose,
        values,
        comment,
        project.files,
    )
    return StackCreated(**StackOut.of(stack).model_dump(), version=version.version)


@router.post(
    "/{stack_id}/versions/upload",
    status_code=201,
    response_model=VersionOut,
    summary="Create a new version from a .tar.gz project directory (its files replace the "
    "parent's)",
    responses={409: {"description": "Stale parent_version"}, **UPLOAD},
    dependencies=[allow(Permission.OPERATE, "stack")],
)
async def upload_version(
    stack_id: str,
    stacks: StacksDep,
    actor: ActorDep,
    archive: Annotated[UploadFile, File(description="The project directory, .tar.gz")],
    variables: Annotated[str | None, Form(description="JSON; omitted: the parent's")] = None,
    comment: Annotated[str, Form(max_length=2000)] = "",
    parent_version: Annotated[int | None, Form(ge=1)] = None,
) -> VersionOut:
    project = await _project(archive)
    draft = VersionDraft(
        project.compose, _variables(variables), comment, parent_version, project.files
    )
    version = await run_in_threadpool(stacks.create_version, actor, stack_id, draft)
    return VersionOut.of(version)


@compose_router.post(
    "/validate",
    response_model=ComposeValidation,
    summary="Check a definition and its files: errors, policy violations, services "
    "(writes nothing; valid when both lists are empty)",
    responses={413: {"description": "A file or the bundle too large"}},
    dependencies=[allow(Permission.OPERATE)],
)
async def validate_compose(
    body: ComposeValidateRequest, stacks: StacksDep, identity: IdentityDep
) -> ComposeValidation:
    variables = None if body.variables is None else to_variables(body.variables)
    files = maybe_files(body.files)
    if body.stack is None:
        issues = await run_in_threadpool(
            stacks.validate_new, None, body.compose, variables or {}, files or {}
        )
    else:
        visible = identity.visible_stacks()
        if visible is not None and stacks.stack_id_of(body.stack) not in visible:
            raise NotFound(f"no stack {body.stack!r}")
        draft = VersionDraft(body.compose, variables, "", None, files)
        issues = await run_in_threadpool(stacks.validate_version, body.stack, draft)
    return ComposeValidation.of(issues, service_names(body.compose))


async def _project(archive: UploadFile) -> Project:
    raw = await archive.read(MAX_ARCHIVE_BYTES + 1)
    return await run_in_threadpool(read_project, raw)


def _variables(raw: str | None) -> dict[str, Variable] | None:
    if raw is None:
        return None
    try:
        return to_variables(VARIABLES.validate_python(json.loads(raw)))
    except (ValueError, ValidationError) as exc:
        message = str(exc).splitlines()[0][:300]
        error = FieldError("variables", f"not a variables object: {message}")
        raise ValidationFailed([error]) from None
