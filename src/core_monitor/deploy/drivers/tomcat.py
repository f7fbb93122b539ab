"""The Tomcat driver: a WAR at a context path, through the manager's text API or, without
manager credentials, by dropping the WAR into ``webapps`` and waiting for Tomcat.

With the manager (reached from inside the container, on 127.0.0.1, so it is never
published): ``curl -T - …/manager/text/deploy?path=…&update=true`` with the WAR on stdin;
the first line of the body decides (``FAIL - …`` comes with HTTP 200); ``list`` says
whether the context is ``running``. Both in one exec (the WAR streamed once, the marker
rewritten around the deploy, ``list`` right after an ``OK``, then a GET of the path's
probe URL without credentials, whose status the executor takes for its first probe): on
this path an exec costs more than any of those calls. A manager that refuses connections
(Tomcat's first seconds after a start: an APPLY just before) is waited for, up to the
release's ``ready_seconds``; any answer it gives (401, 404, ``FAIL``) is final.

Without it: the WAR is copied into ``webapps`` as ``.coremon-<name>.war.partial`` (Tomcat
deploys only ``*.war`` files and directories), renamed to ``<name>.war`` (autoDeploy sees
it whole), and the driver waits for Tomcat to expand it and answer on the path.

Tomcat does not know our deployment ids: a marker file ``<content>/.coremon-<name>.deployment``
(a plain file in appBase, which Tomcat does not deploy or serve — a directory there would be
deployed as an application) holds the id, removed before a deploy and written after it
succeeded (through the manager: by the deploy's own exec, on HTTP 200 + ``OK - ``), so
``current`` is None for a target left half-way.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote

from core_monitor.deploy.driver import ContainerAccess, ExecResult, Log, Release, Verdict
from core_monitor.deploy.drivers.base import (
    DriverFailed,
    Record,
    checked,
    curl,
    file_tar,
    http_probe,
    kind_errors,
    safe_name,
    sh,
    split_status,
    split_then,
    wait_for,
    when_listening,
)
from core_monitor.deploy.drivers.tomcat_text import (
    OK,
    ManagerAnswer,
    context_path_problem,
    parse_answer,
    parse_list,
    war_name,
)
from core_monitor.deploy.probe import probe_url
from core_monitor.domain.deploy import ACCEPTS, Artifact, DeployTarget, TargetKind, TomcatSettings
from core_monitor.errors import FieldError

DEPLOY_SECONDS = 300.0  # a manager deploy of a large WAR (streaming + expanding + starting)
AUTODEPLOY_SECONDS = 90.0  # Tomcat's background check runs every 10 s, then expands the WAR
STARTUP_SECONDS = 60.0  # then starts its context
_WRITE_MARKER = 'printf "%s\\n" "$2" > "$1.tmp" && mv -f "$1.tmp" "$1"'
_READ_MARKER = '[ -f "$1" ] && cat "$2"'
# the expanded directory appears after the WAR was renamed into place
_EXPANDED = '[ -n "$(find "$1" -maxdepth 0 -newer "$1.war" 2>/dev/null)" ]'


class TomcatDriver:
    kind = TargetKind.TOMCAT
    accepts = ACCEPTS[TargetKind.TOMCAT]

    def preflight(self, target: DeployTarget, artifact: Artifact, path: str) -> list[FieldError]:
        errors = kind_errors(self.kind, artifact)
        problem = context_path_problem(path)
        if problem:
            errors.append(FieldError("path", problem))
        return errors

    def transfer(
        self, box: ContainerAccess, target: DeployTarget, release: Release, log: Log
    ) -> None:
        settings = _settings(target)
        if _manager(settings):
            return  # streamed to the manager at activate: it takes the WAR and deploys it
        hidden = f".coremon-{war_name(release.path)}.war.partial"
        box.put_archive(settings.content, file_tar(hidden, release.content))
        log(f"copied {release.artifact.filename} to {settings.content}/{hidden}")

    def activate(
        self, box: ContainerAccess, target: DeployTarget, release: Release, log: Log
    ) -> Verdict | None:
        settings, name = _settings(target), war_name(release.path)
        marker = _marker(settings, release.path)
        release_id = safe_name(release.deployment_id, "deployment id")
        if _manager(settings):  # the same exec removes the marker, writes it on OK, lists
            record = Record(marker, release_id, OK)
            return _deploy_with_manager(box, settings, target, release, record, log)
        checked(box, ["rm", "-f", marker], "forget the previous deployment")
        _deploy_by_copy(box, settings, name, log)
        checked(box, sh(_WRITE_MARKER, marker, release_id), "record the deployment")
        return None

    def verify(
        self, box: ContainerAccess, target: DeployTarget, release: Release, log: Log
    ) -> Verdict:
        settings = _settings(target)
        if not _manager(settings):
            url_path = release.path.rstrip("/") + settings.probe
            # expanded is not started yet: the context answers once Tomcat started it
            if wait_for(box, http_probe(settings.port, url_path), STARTUP_SECONDS):
                return Verdict(True, f"Tomcat answers on {url_path}")
            return Verdict(False, f"Tomcat does not answer on {url_path} with 2xx/3xx")
        called = _manager_call(box, settings, "list", release.ready_seconds, log)
        return _listed(called.answers[0], release.path)

    def current(self, box: ContainerAccess, target: DeployTarget, path: str) -> str | None:
        settings = _settings(target)
        war = f"{settings.content.rstrip('/')}/{war_name(path)}.war"
        result = box.run(sh(_READ_MARKER, war, _marker(settings, path)))
        found = result.output.decode("utf-8", "replace").strip()
        return found if result.exit_code == 0 and found else None


def _settings(target: DeployTarget) -> TomcatSettings:
    if not isinstance(target.settings, TomcatSettings):
        raise TypeError(f"{target.service} is not a Tomcat target")
    return target.settings


def _manager(settings: TomcatSettings) -> bool:
    return bool(settings.manager_user and settings.manager_password)


def _marker(settings: TomcatSettings, path: str) -> str:
    return f"{settings.content.rstrip('/')}/.coremon-{war_name(path)}.deployment"


def _url(settings: TomcatSettings, command: str = "") -> str:
    return f"http://127.0.0.1:{settings.port}/manager/text/{command}"


@dataclass(frozen=True)
class _Called:
    answers: list[ManagerAnswer]  # the command's, then the list's when one followed
    probed: int | None = None  # the probe's HTTP status, when one followed


def _manager_call(
    box: ContainerAccess,
    settings: TomcatSettings,
    command: str,
    ready_seconds: float,
    log: Log,
    war: Path | None = None,
    record: Record | None = None,
    probe: str | None = None,
) -> _Called:
    """One manager command (``list``, ``deploy?…``), waited for while the manager refuses
    connections. A deploy streams the WAR on stdin, rewrites the deployment's marker around
    it and, after an ``OK``, lists and GETs ``probe`` in the same exec."""
    url = _url(settings, command)
    user, password = settings.manager_user or "", settings.manager_password or ""

    def once() -> ExecResult:
        if war is None:
            return curl(box, user, password, [url], timeout=30.0)
        with war.open("rb") as stdin:
            args, after = ["-T", "-", url], _url(settings, "list")
            return curl(
                box, user, password, args,
                stdin=stdin, timeout=DEPLOY_SECONDS, record=record, then=after, probe=probe,
            )  # fmt: skip

    result = when_listening(once, ready_seconds, log, f"Tomcat's manager at {_url(settings)}")
    parts = split_then(result.output)
    answers, probed = parts[:2], _status(parts[2]) if len(parts) > 2 else None
    # the exit code is the last manager call's (a probe after it leaves it as it was)
    last, code = len(answers) - 1, 0 if probed is not None else result.exit_code
    return _Called(
        [_answer(part, code if at == last else 0) for at, part in enumerate(answers)], probed
    )


def _status(output: bytes) -> int | None:
    text = output.strip()
    return int(text) if text.isdigit() and text != b"000" else None


def _answer(output: bytes, exit_code: int) -> ManagerAnswer:
    status, body = split_status(output)
    if exit_code != 0:
        return ManagerAnswer(status, False, f"the manager is unreachable: {body.strip()[:300]}")
    return parse_answer(status, body)


def _listed(answer: ManagerAnswer, path: str, deployed: str = "") -> Verdict:
    """The verdict of a ``list`` answer on the context at ``path`` (after ``deployed``, the
    deploy's own answer, when the same exec made both calls)."""
    said = f"{deployed}; " if deployed else ""
    if not answer.ok:
        return Verdict(False, said + answer.message)
    state = parse_list(answer.body).get(path)
    if state != "running":
        return Verdict(False, f"{said}Tomcat lists {path} as {state or 'not deployed'}")
    return Verdict(True, f"{said}Tomcat lists {path} as running")


def _deploy_with_manager(
    box: ContainerAccess,
    settings: TomcatSettings,
    target: DeployTarget,
    release: Release,
    record: Record,
    log: Log,
) -> Verdict | None:
    command = f"deploy?path={quote(release.path)}&update=true"
    probe = probe_url(target.settings, release.path)
    called = _manager_call(
        box, settings, command, release.ready_seconds, log, release.content, record, probe
    )
    deployed = called.answers[0]
    if not deployed.ok:
        raise DriverFailed(deployed.message)
    if len(called.answers) == 1:  # no list came (an OK line the shell did not take for one)
        log(f"manager: {deployed.message}")
        return None
    verdict = _listed(called.answers[1], release.path, deployed.message)
    return replace(verdict, probed=called.probed)


def _deploy_by_copy(box: ContainerAccess, settings: TomcatSettings, name: str, log: Log) -> None:
    content = settings.content.rstrip("/")
    hidden, war = f"{content}/.coremon-{name}.war.partial", f"{content}/{name}.war"
    checked(box, ["mv", "-f", hidden, war], "put the WAR in place")
    log(f"{war} in place; waiting for Tomcat to deploy it")
    if not wait_for(box, sh(_EXPANDED, f"{content}/{name}"), AUTODEPLOY_SECONDS):
        raise DriverFailed(f"Tomcat did not deploy {war} within {AUTODEPLOY_SECONDS:.0f} s")
