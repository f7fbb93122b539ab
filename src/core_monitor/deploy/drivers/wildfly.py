"""The WildFly driver: a WAR or EAR through the management HTTP API or, without
management credentials, the deployment scanner's marker files.

With the API (reached with curl from inside the container, on 127.0.0.1, digest auth):
transfer uploads the archive with ``add-content`` and checks the hash WildFly answers
against our own (its content repository is addressed by SHA-1, so activate knows the hash
without remembering anything); activate runs ``full-replace-deployment`` when the deployment
exists, else a composite ``add`` + ``deploy``; verify reads the deployment's ``status``.
Note: that content lives in WildFly's own repository (``standalone/data``), so a recreated
container keeps it only if that is on a volume too; ``current`` asks WildFly, so a lost
deployment shows as drift.
Without: the archive is copied into ``content`` hidden, renamed to ``<name>``, ``.dodeploy``
written; the scanner answers with ``.deployed`` or ``.failed`` (its reason inside).
A marker file ``<content>/.coremon-<name>.deployment`` holds our deployment id, as for
Tomcat. NOT YET VERIFIED AGAINST A REAL WILDFLY SERVER: covered by recorded answers only.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
from pathlib import Path
from typing import Any, BinaryIO

from core_monitor.deploy.driver import ContainerAccess, Log, Release, Verdict
from core_monitor.deploy.drivers import wildfly_api as api
from core_monitor.deploy.drivers.base import (
    DriverFailed,
    checked,
    curl,
    file_tar,
    kind_errors,
    safe_name,
    sh,
    split_status,
    wait_for,
)
from core_monitor.domain.deploy import (
    ACCEPTS,
    Artifact,
    ArtifactKind,
    DeployTarget,
    TargetKind,
    WildflySettings,
)
from core_monitor.errors import FieldError

DEPLOY_SECONDS = 300.0
SCANNER_SECONDS = 120.0
_WRITE_MARKER = 'printf "%s\\n" "$2" > "$1.tmp" && mv -f "$1.tmp" "$1"'
_SCANNED = '[ -f "$1.deployed" ] || [ -f "$1.failed" ]'
_DROP = 'rm -f "$1.deployed" "$1.failed" && mv -f "$2" "$1" && touch "$1.dodeploy"'


class WildflyDriver:
    kind = TargetKind.WILDFLY
    accepts = ACCEPTS[TargetKind.WILDFLY]

    def preflight(self, target: DeployTarget, artifact: Artifact, path: str) -> list[FieldError]:
        errors = kind_errors(self.kind, artifact)
        problem = api.context_path_problem(path)
        if problem:
            errors.append(FieldError("path", problem))
        return errors

    def transfer(
        self, box: ContainerAccess, target: DeployTarget, release: Release, log: Log
    ) -> None:
        settings, name = _settings(target), _name(release)
        if not _managed(settings):
            box.put_archive(settings.content, file_tar(_hidden(name), release.content))
            log(f"copied {release.artifact.filename} to {settings.content}/{_hidden(name)}")
            return
        url = _url(settings, "/management/add-content")
        with release.content.open("rb") as stdin:
            outcome = _call(box, settings, ["-F", "file=@-", url], stdin, DEPLOY_SECONDS)
        if not outcome.ok:
            raise DriverFailed(f"add-content: {outcome.message}")
        if api.content_hash(outcome) != _digest(release.content):
            raise DriverFailed("add-content: WildFly's hash differs from the artifact's")
        log(f"uploaded {release.artifact.filename} to WildFly's content repository")

    def activate(
        self, box: ContainerAccess, target: DeployTarget, release: Release, log: Log
    ) -> None:
        settings, name = _settings(target), _name(release)
        marker = _marker(settings, name)
        checked(box, ["rm", "-f", marker], "forget the previous deployment")
        if _managed(settings):
            _deploy_managed(box, settings, name, _digest(release.content), log)
        else:
            _deploy_scanned(box, settings, name, log)
        release_id = safe_name(release.deployment_id, "deployment id")
        checked(box, sh(_WRITE_MARKER, marker, release_id), "record the deployment")

    def verify(
        self, box: ContainerAccess, target: DeployTarget, release: Release, log: Log
    ) -> Verdict:
        settings, name = _settings(target), _name(release)
        if _serves(box, settings, name):
            return Verdict(True, f"WildFly has {name} deployed")
        return Verdict(
            False, f"WildFly does not have {name} deployed ({_why(box, settings, name)})"
        )

    def current(self, box: ContainerAccess, target: DeployTarget, path: str) -> str | None:
        settings = _settings(target)
        for kind in (ArtifactKind.WAR, ArtifactKind.EAR):
            name = api.deployment_name(path, kind)
            result = box.run(["cat", _marker(settings, name)])
            found = result.output.decode("utf-8", "replace").strip()
            if result.exit_code == 0 and found and _serves(box, settings, name):
                return found
        return None


def _settings(target: DeployTarget) -> WildflySettings:
    if not isinstance(target.settings, WildflySettings):
        raise TypeError(f"{target.service} is not a WildFly target")
    return target.settings


def _managed(settings: WildflySettings) -> bool:
    return bool(settings.management_user and settings.management_password)


def _name(release: Release) -> str:
    return api.deployment_name(release.path, release.artifact.kind)


def _hidden(name: str) -> str:
    return f".coremon-{name}.partial"


def _marker(settings: WildflySettings, name: str) -> str:
    return f"{settings.content.rstrip('/')}/.coremon-{name}.deployment"


def _url(settings: WildflySettings, path: str) -> str:
    return f"http://127.0.0.1:{settings.management_port}{path}"


def _digest(content: Path) -> str:
    sha1 = hashlib.sha1()  # noqa: S324  (WildFly's content repository is addressed by SHA-1)
    with content.open("rb") as data:
        while chunk := data.read(1024 * 1024):
            sha1.update(chunk)
    return base64.b64encode(sha1.digest()).decode()


def _call(
    box: ContainerAccess,
    settings: WildflySettings,
    args: list[str],
    stdin: BinaryIO | None,
    timeout: float = 60.0,
) -> api.Outcome:
    user, password = settings.management_user or "", settings.management_password or ""
    result = curl(box, user, password, ["--digest", *args], stdin=stdin, timeout=timeout)
    status, body = split_status(result.output)
    if result.exit_code != 0:
        return api.Outcome(False, None, f"the management API is unreachable: {body.strip()[:300]}")
    return api.parse_outcome(status, body)


def _operation(
    box: ContainerAccess, settings: WildflySettings, operation: dict[str, Any]
) -> api.Outcome:
    args = ["-H", "Content-Type: application/json", "--data-binary", "@-"]
    stdin = io.BytesIO(json.dumps(operation).encode())
    return _call(box, settings, [*args, _url(settings, "/management")], stdin, DEPLOY_SECONDS)


def _deploy_managed(
    box: ContainerAccess, settings: WildflySettings, name: str, digest: str, log: Log
) -> None:
    exists = _operation(box, settings, api.read_status(name)).ok
    operation = api.full_replace(name, digest) if exists else api.add_and_deploy(name, digest)
    outcome = _operation(box, settings, operation)
    log(f"{operation['operation']} {name}: {outcome.message}")
    if not outcome.ok:
        raise DriverFailed(outcome.message)


def _deploy_scanned(box: ContainerAccess, settings: WildflySettings, name: str, log: Log) -> None:
    content = settings.content.rstrip("/")
    checked(box, sh(_DROP, f"{content}/{name}", f"{content}/{_hidden(name)}"), "drop the archive")
    log(f"{content}/{name}.dodeploy written; waiting for the deployment scanner")
    if not wait_for(box, sh(_SCANNED, f"{content}/{name}"), SCANNER_SECONDS):
        raise DriverFailed(f"the deployment scanner did not answer within {SCANNER_SECONDS:.0f} s")
    failed = box.run(["cat", f"{content}/{name}.failed"])
    if failed.exit_code == 0:
        raise DriverFailed(failed.output.decode("utf-8", "replace").strip() or f"{name} failed")


def _serves(box: ContainerAccess, settings: WildflySettings, name: str) -> bool:
    if _managed(settings):
        outcome = _operation(box, settings, api.read_status(name))
        return outcome.ok and outcome.result == "OK"
    deployed = f"{settings.content.rstrip('/')}/{name}.deployed"
    return box.run(["test", "-f", deployed]).exit_code == 0


def _why(box: ContainerAccess, settings: WildflySettings, name: str) -> str:
    if _managed(settings):
        outcome = _operation(box, settings, api.read_status(name))
        return f"status {outcome.result}" if outcome.ok else outcome.message
    failed = box.run(["cat", f"{settings.content.rstrip('/')}/{name}.failed"])
    return (
        failed.output.decode("utf-8", "replace").strip() if failed.exit_code == 0 else "no marker"
    )
