"""From what the user sent to what is stored, and back: policy, secrets, the real project.

A version with secret variables is stored with its secrets encrypted and masked out of the
normalized definition (which the API shows); the engine rebuilds the real project from the
original text and the decrypted variables when it needs it.
"""

from __future__ import annotations

from typing import Any

from core_monitor.compose import content_hash, load_compose
from core_monitor.compose.hashing import canonical_json, service_config_hash
from core_monitor.domain.bundle import NO_FILES, ProjectFiles, default_overrides
from core_monitor.domain.compose import ComposeProject, current_form
from core_monitor.domain.policy import Violation, breaking
from core_monitor.domain.project_dir import DEFAULT_PLACES, HostPlaces
from core_monitor.domain.stack import StackVersion, Variable
from core_monitor.engine.request_guard import definition_violations
from core_monitor.engine.state import ConfigHasher
from core_monitor.errors import FieldError, TerminalError, ValidationFailed
from core_monitor.store import policy as policy_store
from core_monitor.store import stacks as stack_store
from core_monitor.store.db import Database
from core_monitor.vault import MASK, MIN_SECRET_LENGTH, REDACTOR, Redactor, SecretBox


def check_secrets(variables: dict[str, Variable]) -> None:
    short = [
        FieldError(f"variables.{k}", f"a secret must be at least {MIN_SECRET_LENGTH} characters")
        for k, v in variables.items()
        if v.secret and len(v.value) < MIN_SECRET_LENGTH
    ]
    if short:
        raise ValidationFailed(short)


def load_masked(
    name: str, compose: str, variables: dict[str, Variable], files: ProjectFiles = NO_FILES
) -> tuple[ComposeProject, list[str]]:
    """Load the project with the real values; an error message never quotes a secret.
    ``files``: the version's bundle (env files, secret and config files)."""
    secrets = [v.value for v in variables.values() if v.secret]
    try:
        project = load_compose(
            compose,
            {k: v.value for k, v in variables.items()},
            project_name=name,
            files=files,
            overrides=default_overrides(files, {k: v.value for k, v in variables.items()}),
        )
    except ValidationFailed as exc:
        if not secrets:
            raise
        local = _redactor(secrets)
        raise ValidationFailed(
            [FieldError(e.path, local.mask(e.message)) for e in exc.errors]
        ) from None
    return project, secrets


def check_policy(
    db: Database, stack_id: str | None, project: ComposeProject, places: HostPlaces = DEFAULT_PLACES
) -> None:
    """422 naming each offending path, unless an admin excepted that rule for this stack
    (``stack_id`` None: a stack not created yet, which has no exceptions)."""
    found = policy_violations(db, stack_id, project, places)
    if found:
        raise ValidationFailed([FieldError(v.path, f"policy {v.rule}: {v.message}") for v in found])


def policy_violations(
    db: Database,
    stack_id: str | None,
    project: ComposeProject,
    places: HostPlaces = DEFAULT_PLACES,
) -> list[Violation]:
    """The violations of the stack policy that no exception of the stack covers; relative
    and ``~`` binds judged where ``places`` puts them."""
    with db.read() as session:
        policy = policy_store.get_policy(session)
        allowed = policy_store.allowed_rules(session, stack_id)
    try:
        return breaking(definition_violations(project, policy, places), policy, allowed)
    except TerminalError as exc:  # docker-py refused to render a request
        raise ValidationFailed([FieldError("services", str(exc))]) from None


def stored_form(
    project: ComposeProject, variables: dict[str, Variable], box: SecretBox
) -> tuple[dict[str, Any], dict[str, Variable], str]:
    """(definition, variables, content hash) as stored: secrets encrypted and masked.

    A variable that feeds a Compose secret (``environment:`` source) is stored as a secret
    whatever the client said, and the secret's content is masked even when too short for
    the redactor."""
    variables = _secret_sources_promoted(project, variables)
    definition = project.model_dump(mode="json")
    secrets = [v.value for v in variables.values() if v.secret]
    if not secrets:
        return definition, variables, content_hash(project)
    stored = {
        k: Variable(value="", secret=True, ciphertext=box.encrypt(v.value)) if v.secret else v
        for k, v in variables.items()
    }
    REDACTOR.learn(secrets)
    local = _redactor(secrets)
    # keyed: a plain hash of a definition that holds a secret would let anyone who reads
    # the (masked) rest of it try candidate secrets offline
    masked = _mask_tree(definition, local)
    for service in masked.get("services", {}).values():
        for item in service.get("injected_files", []):
            if item.get("secret"):
                item["content"] = MASK
    return masked, stored, box.keyed_hash(canonical_json(definition))


def _secret_sources_promoted(
    project: ComposeProject, variables: dict[str, Variable]
) -> dict[str, Variable]:
    feeding = {
        item.variable
        for service in project.services.values()
        for item in service.injected_files
        if item.secret and item.variable is not None
    }
    return {
        k: Variable(value=v.value, secret=True) if k in feeding and not v.secret else v
        for k, v in variables.items()
    }


def plain_variables(stored: dict[str, Variable], box: SecretBox) -> dict[str, Variable]:
    """A stored version's variables with their secrets decrypted, for a version that inherits
    them: the server re-checks and re-encrypts them; they never go back to the client."""
    return {
        k: Variable(value=box.decrypt(v.ciphertext or ""), secret=True) if v.secret else v
        for k, v in stored.items()
    }


def project_of(
    version: StackVersion, box: SecretBox, files: ProjectFiles = NO_FILES
) -> ComposeProject:
    """The real project of a stored version (secrets decrypted), for the engine only;
    ``files``: its bundle, opened (secret files decrypted), which its env files, secrets and
    build contexts read."""
    if not any(v.secret for v in version.variables.values()) and not files:
        return ComposeProject.model_validate(version.definition)
    values = {
        k: box.decrypt(v.ciphertext or "") if v.secret else v.value
        for k, v in version.variables.items()
    }
    REDACTOR.learn([values[k] for k, v in version.variables.items() if v.secret])
    return load_compose(
        version.compose_text,
        values,
        project_name=version.definition["name"],
        files=files,
        overrides=default_overrides(files, values),
    )


def config_hasher(version: StackVersion, box: SecretBox) -> ConfigHasher:
    """Compose's plain hash for a service whose configuration holds no secret (so it stays
    what it was, and its containers are not recreated); an HMAC under the server's key for one
    that does. A service holds a secret when its stored (masked) configuration differs from
    the real one."""
    if not any(v.secret for v in version.variables.values()):
        return service_config_hash
    stored = current_form(version.definition).get("services", {})

    def hash_of(project: ComposeProject, name: str) -> str:
        # the deploy target (manager credentials) is not hashed: it cannot make it keyed
        real = project.services[name].model_dump(mode="json", exclude={"deploy"})
        masked = {k: v for k, v in (stored.get(name) or {}).items() if k != "deploy"}
        keyed = box.keyed_hash if masked != real else None
        return service_config_hash(project, name, keyed)

    return hash_of


def load_all_secrets(db: Database, box: SecretBox) -> int:
    """At start: every stored secret must decrypt with the configured key (else the process
    refuses to start), and the redactor learns them all before anything is logged."""
    with db.read() as session:
        ciphertexts = stack_store.secret_ciphertexts(session)
    values = [box.decrypt(c) for c in ciphertexts]
    REDACTOR.learn(values)
    return len(values)


def _redactor(secrets: list[str]) -> Redactor:
    local = Redactor()
    local.learn(secrets)
    return local


def _mask_tree(value: Any, redactor: Redactor) -> Any:
    if isinstance(value, str):
        return redactor.mask(value)
    if isinstance(value, list):
        return [_mask_tree(v, redactor) for v in value]
    if isinstance(value, dict):
        return {k: _mask_tree(v, redactor) for k, v in value.items()}
    return value


__all__ = [
    "MASK",
    "check_policy",
    "check_secrets",
    "config_hasher",
    "load_masked",
    "plain_variables",
    "policy_violations",
    "project_of",
    "stored_form",
]
