"""Validating a definition without storing it: every problem at once, each at its line.

Creation stops at the first stage that fails (the YAML, then the schema, then the checks
across the project, then the policy). The editor wants more: while the user types it shows
schema errors, semantic errors and policy violations together, so that a `privileged: true`
in one service is flagged although another service still has a typo. So the policy is also
judged on every service that did load when others did not. Nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from core_monitor.compose import (
    assemble,
    check_container_count,
    check_variables,
    load_compose,
    project_environment,
    validate_project_name,
)
from core_monitor.compose.interpolate import interpolate
from core_monitor.compose.lines import locate, node_tree, syntax_error_at
from core_monitor.compose.loader import parse
from core_monitor.compose.normalize import normalize
from core_monitor.compose.validate import check
from core_monitor.domain.bundle import ProjectFiles, default_overrides
from core_monitor.domain.compose import ComposeProject
from core_monitor.domain.project_dir import DEFAULT_PLACES, HostPlaces
from core_monitor.domain.stack import Variable
from core_monitor.domain.validation import Issue, IssueKind
from core_monitor.errors import FieldError, ValidationFailed
from core_monitor.services import definitions
from core_monitor.store.db import Database
from core_monitor.vault import Redactor

MAX_ISSUES = 200  # an editor shows a screenful; a pathological file must not cost more


@dataclass(frozen=True)
class Draft:
    """What to validate: the stack (id None before it exists, name), the text, variables."""

    stack_id: str | None
    name: str
    compose: str
    variables: dict[str, Variable]
    # the bundle, checked (clean paths, within the limits)
    files: ProjectFiles = field(default_factory=dict)
    places: HostPlaces = DEFAULT_PLACES  # where relative and ~ binds lead on the host


def validate(db: Database, draft: Draft, max_containers: int) -> list[Issue]:
    """Every problem of ``draft`` (empty: it would be accepted as it is)."""
    try:
        issues = _issues(db, draft, max_containers)
    except (RecursionError, MemoryError):
        issues = [Issue("", "file too complex to load", IssueKind.SCHEMA)]
    issues = _masked(issues[:MAX_ISSUES], draft.variables)
    if any(i.line is None and i.path for i in issues):
        tree = node_tree(draft.compose)
        issues = [_placed(i, tree) for i in issues]
    return issues


def _issues(db: Database, draft: Draft, max_containers: int) -> list[Issue]:
    try:
        validate_project_name(draft.name)
    except ValidationFailed as exc:
        # the name is not in the text: the file is still judged (as Compose's default name)
        named = _of(exc.errors, IssueKind.SCHEMA)
        return named + _issues(db, replace(draft, name="stack"), max_containers)
    try:
        data = _parsed(draft)
    except ValidationFailed as exc:
        at = syntax_error_at(draft.compose)  # when the YAML does not parse, it is all there is
        return [
            Issue(e.path, e.message, IssueKind.SCHEMA, line=at and at[0], column=at and at[1])
            for e in exc.errors
        ]
    return _loaded(db, draft, data, max_containers)


def _parsed(draft: Draft) -> dict[str, Any]:
    """The file as plain data, after the variables' own checks."""
    check_variables({k: v.value for k, v in draft.variables.items()})
    definitions.check_secrets(draft.variables)
    return parse(draft.compose)


def _loaded(db: Database, draft: Draft, data: dict[str, Any], max_containers: int) -> list[Issue]:
    """Schema errors and the policy of what loaded; else semantic errors and the policy."""
    errors: list[FieldError] = []
    values = {k: v.value for k, v in draft.variables.items()}
    project: ComposeProject | None = None
    try:
        # the loader's own steps, the bundle's files included (one rule in one place)
        data = assemble(
            draft.compose,
            values,
            project_name=draft.name,
            files=draft.files,
            overrides=default_overrides(draft.files, values),
        )
        env = project_environment(values, draft.name)
        project = normalize(data, draft.name, env, draft.files)
    except ValidationFailed as exc:
        errors = list(exc.errors)
    if project is None:
        # what loads of the main file alone, interpolated, is still judged by the policy
        readable = interpolate(data, project_environment(values, draft.name), "", [])
        partial = _policy(db, draft, _loadable_part(readable, draft.name, errors, values))
        return _of(errors, IssueKind.SCHEMA) + partial
    semantic = list(check(project))
    try:
        check_container_count(project, max_containers)
    except ValidationFailed as exc:
        semantic += exc.errors
    bundled = [] if semantic else _of(_bundle_errors(draft), IssueKind.SCHEMA)
    return bundled + _of(semantic, IssueKind.SEMANTIC) + _policy(db, draft, [project])


def _bundle_errors(draft: Draft) -> list[FieldError]:
    """What the whole loader says with the bundle (a file it reads that is absent): the
    steps above judge the compose text alone, the loader is the one rule for the files."""
    values = {k: v.value for k, v in draft.variables.items()}
    try:
        load_compose(
            draft.compose,
            values,
            project_name=draft.name,
            files=draft.files,
            overrides=default_overrides(draft.files, values),
        )
    except ValidationFailed as exc:
        return list(exc.errors)
    return []


def service_names(compose: str) -> list[str]:
    """The services the text defines (empty when it does not parse)."""
    try:
        services = parse(compose).get("services")
    except ValidationFailed:
        return []
    return sorted(str(n) for n in services) if isinstance(services, Mapping) else []


def _values(draft: Draft) -> dict[str, str]:
    return {k: v.value for k, v in draft.variables.items()}


def _loadable_part(
    data: dict[str, Any], name: str, errors: list[FieldError], variables: dict[str, str]
) -> list[ComposeProject]:
    """The services without a schema error, as projects the policy can judge: all together
    when they load so, else one by one (a network with an error is left out)."""
    services = data.get("services")
    if not isinstance(services, Mapping):
        return []
    good = {n: c for n, c in services.items() if not _under(errors, f"services.{n}")}
    shared: dict[str, Any] = {
        k: data[k]
        for k in ("networks", "volumes", "secrets", "configs")
        if k in data and not _under(errors, k)
    }
    together = _try_normalize({**shared, "services": good}, name, variables)
    if together is not None or len(good) < 2:
        return [together] if together is not None else []
    alone = (
        _try_normalize({**shared, "services": {n: c}}, name, variables) for n, c in good.items()
    )
    return [p for p in alone if p is not None]


def _try_normalize(
    data: dict[str, Any], name: str, variables: dict[str, str]
) -> ComposeProject | None:
    if not data.get("services"):
        return None
    try:
        return normalize(data, name, variables)
    except ValidationFailed:
        return None


def _under(errors: Iterable[FieldError], prefix: str) -> bool:
    return any(e.path == prefix or e.path.startswith((prefix + ".", prefix + "[")) for e in errors)


def _judgeable(project: ComposeProject) -> ComposeProject | None:
    """The project without the services that have a semantic error (nor those that then
    have one): the policy renders engine requests, which only a checked project makes (an
    undefined network has no endpoint). None when nothing is left to judge."""
    for _ in range(len(project.services) + 1):
        problems = check(project)
        if not problems:
            return project if project.services else None
        bad = {n for n in project.services if _under(problems, f"services.{n}")}
        if not bad:  # a problem outside every service: no safe part to judge
            return None
        kept = {n: s for n, s in project.services.items() if n not in bad}
        project = project.model_copy(update={"services": kept})
    return None


def _policy(db: Database, draft: Draft, projects: list[ComposeProject]) -> list[Issue]:
    found: dict[tuple[str, str], Issue] = {}
    for project in filter(None, map(_judgeable, projects)):
        try:
            violations = definitions.policy_violations(db, draft.stack_id, project, draft.places)
        except ValidationFailed as exc:
            found.update({(e.path, ""): _issue(e, IssueKind.POLICY) for e in exc.errors})
            continue
        for v in violations:
            message = f"policy {v.rule}: {v.message}"
            found[(v.path, v.rule)] = Issue(v.path, message, IssueKind.POLICY, rule=v.rule)
    return list(found.values())


def _of(errors: Iterable[FieldError], kind: IssueKind) -> list[Issue]:
    return [_issue(e, kind) for e in errors]


def _issue(error: FieldError, kind: IssueKind) -> Issue:
    return Issue(error.path, error.message, kind)


def _masked(issues: list[Issue], variables: dict[str, Variable]) -> list[Issue]:
    """A message never quotes a secret (an interpolated value may end up in one)."""
    secrets = [v.value for v in variables.values() if v.secret]
    if not secrets:
        return issues
    local = Redactor()
    local.learn(secrets)
    return [replace(i, message=local.mask(i.message)) for i in issues]


def _placed(issue: Issue, tree: Any) -> Issue:
    if issue.line is not None or not issue.path:
        return issue
    at = locate(tree, issue.path)
    return issue if at is None else replace(issue, line=at[0], column=at[1])
