"""The WildFly driver: a WAR or EAR dropped into the deployment scanner's directory, which
lives on the target's named volume, so a deployment survives a recreated container.

Why the scanner and not the management API's ``add-content`` + ``deploy``: a deployment
made through the API lives in the container (its content repository under
``standalone/data`` and its entry in ``standalone.xml``), so a container recreated by an
APPLY comes back without it. The scanner's directory is the volume: at boot WildFly finds
``<name>`` with its ``.deployed`` marker but no such deployment, turns the marker into
``.dodeploy`` and deploys it again (WildFly's ``FileSystemDeploymentService``, AS7-1130) —
as nginx and Tomcat serve again what their volume holds.

transfer copies the archive in hidden (``.coremon-<name>.partial``: not a name the scanner
deploys); activate renames it to ``<name>`` and writes ``<name>.dodeploy`` (deploy, or
redeploy — a full replace — when it is deployed already), then waits for the scanner to
answer with ``.deployed`` or ``.failed`` (its reason inside), bounded by the release's
``ready_seconds`` (a WildFly still booting scans nothing) plus ``SCANNER_SECONDS``.
verify asks the management API for the deployment's ``status`` when management
credentials are given (waited for while it refuses connections), else reads the markers.
A marker file ``<content>/.coremon-<name>.deployment`` holds our deployment id, as for
Tomcat; ``current`` is that id while the archive is there and the scanner has not marked it
failed or undeployed. NOT YET VERIFIED AGAINST A REAL WILDFLY SERVER: covered by recorded
answers and marker files only.
"""

from __future__ import annotations

import io
import json
from typing import Any

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
    when_listening,
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

SCANNER_SECONDS = 120.0  # the scanner's interval (5 s by default) plus the deployment itself
_WRITE_MARKER = 'printf "%s\\n" "$2" > "$1.tmp" && mv -f "$1.tmp" "$1"'
# the previous .deployed stays: removing it would undeploy what serves until the replace
_DROP = 'rm -f "$1.failed" "$1.undeployed" && mv -f "$2" "$1" && touch "$1.dodeploy"'
# the scanner took the .dodeploy (it keeps it until it is done) and said how it went
_SCANNED = (
    '[ ! -f "$1.dodeploy" ] && [ ! -f "$1.isdeploying" ]'
    ' && { [ -f "$1.deployed" ] || [ -f "$1.failed" ]; }'
)
_SERVED = '[ -f "$2" ] && [ ! -f "$2.failed" ] && [ ! -f "$2.undeployed" ] && cat "$1"'


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
        box.put_archive(settings.content, file_tar(_hidden(name), release.content))
        log(f"copied {release.artifact.filename} to {settings.content}/{_hidden(name)}")

    def activate(
        self, box: ContainerAccess, target: DeployTarget, release: Release, log: Log
    ) -> Verdict | None:
        settings, name = _settings(target), _name(release)
        marker = _marker(settings, name)
        checked(box, ["rm", "-f", marker], "forget the previous deployment")
        _deploy_scanned(box, settings, name, release.ready_seconds + SCANNER_SECONDS, log)
        release_id = safe_name(release.deployment_id, "deployment id")
        checked(box, sh(_WRITE_MARKER, marker, release_id), "record the deployment")
        return None

    def verify(
        self, box: ContainerAccess, target: DeployTarget, release: Release, log: Log
    ) -> Verdict:
        settings, name = _settings(target), _name(release)
        if not _managed(settings):
            deployed = f"{_content(settings)}/{name}.deployed"
            if box.run(["test", "-f", deployed]).exit_code == 0:
                return Verdict(True, f"the deployment scanner has {name} deployed")
            return Verdict(False, f"the deployment scanner does not have {name} deployed")
        outcome = _operation(box, settings, api.read_status(name), release.ready_seconds, log)
        if outcome.ok and outcome.result == "OK":
            return Verdict(True, f"WildFly has {name} deployed (status OK)")
        said = f"status {outcome.result}" if outcome.ok else outcome.message
        return Verdict(False, f"WildFly does not have {name} deployed ({said})")

    def current(self, box: ContainerAccess, target: DeployTarget, path: str) -> str | None:
        settings = _settings(target)
        for kind in (ArtifactKind.WAR, ArtifactKind.EAR):
            name = api.deployment_name(path, kind)
            archive = f"{_content(settings)}/{name}"
            result = box.run(sh(_SERVED, _marker(settings, name), archive))
            found = result.output.decode("utf-8", "replace").strip()
            if result.exit_code == 0 and found:
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


def _content(settings: WildflySettings) -> str:
    return settings.content.rstrip("/")


def _hidden(name: str) -> str:
    return f".coremon-{name}.partial"


def _marker(settings: WildflySettings, name: str) -> str:
    return f"{_content(settings)}/.coremon-{name}.deployment"


def _operation(
    box: ContainerAccess,
    settings: WildflySettings,
    operation: dict[str, Any],
    ready_seconds: float,
    log: Log,
) -> api.Outcome:
    """One JSON operation on ``/management`` (digest auth), waited for while it refuses
    connections."""
    user, password = settings.management_user or "", settings.management_password or ""
    url = f"http://127.0.0.1:{settings.management_port}/management"
    args = ["--digest", "-H", "Content-Type: application/json", "--data-binary", "@-", url]
    body = json.dumps(operation).encode()
    result = when_listening(
        lambda: curl(box, user, password, args, stdin=io.BytesIO(body), timeout=60.0),
        ready_seconds,
        log,
        f"WildFly's management API at {url}",
    )
    status, text = split_status(result.output)
    if result.exit_code != 0:
        return api.Outcome(False, None, f"the management API is unreachable: {text.strip()[:300]}")
    return api.parse_outcome(status, text)


def _deploy_scanned(
    box: ContainerAccess, settings: WildflySettings, name: str, seconds: float, log: Log
) -> None:
    content = _content(settings)
    checked(box, sh(_DROP, f"{content}/{name}", f"{content}/{_hidden(name)}"), "drop the archive")
    log(f"{content}/{name}.dodeploy written; waiting for the deployment scanner")
    if not wait_for(box, sh(_SCANNED, f"{content}/{name}"), seconds):
        raise DriverFailed(f"the deployment scanner did not answer within {seconds:.0f} s")
    failed = box.run(["cat", f"{content}/{name}.failed"])
    if failed.exit_code == 0:
        raise DriverFailed(failed.output.decode("utf-8", "replace").strip() or f"{name} failed")
