"""What a deploy request can be seen to fail on, refused when asked (the one place).

Kind against target (``ACCEPTS``), the path's form, and a WAR's Servlet generation against
the server's (read from the image tag: ``tomcat:10.1`` is Jakarta, ``tomcat:9`` is Java EE;
an untagged or unknown image is not judged). A registered driver may add its own refusals.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from core_monitor.deploy.war import Namespace
from core_monitor.domain.deploy import ACCEPTS, Artifact, ArtifactKind, DeployTarget, TargetKind
from core_monitor.errors import FieldError

CONTEXT_PATH = re.compile(
    r"^/([A-Za-z0-9][A-Za-z0-9._~-]{0,62}(/[A-Za-z0-9][A-Za-z0-9._~-]{0,62})*)?$"
)
SITE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$")
DEFAULT_SITE = "default"
# the first release of each server that runs jakarta.* applications
JAKARTA_FROM = {TargetKind.TOMCAT: 10, TargetKind.WILDFLY: 27}
_MAJOR = re.compile(r"^(\d+)")


def default_path(artifact: Artifact) -> str:
    """Tomcat's convention for archives (``app.war`` → ``/app``, ``ROOT.war`` → ``/``); the
    ``default`` site for a static one."""
    if artifact.kind == ArtifactKind.STATIC:
        return DEFAULT_SITE
    stem = PurePosixPath(artifact.filename).stem.split("##")[0]
    return "/" if stem == "ROOT" else "/" + stem.replace("#", "/")


def check(
    target: DeployTarget,
    image: str,
    artifact: Artifact,
    namespace: Namespace | None,
    path: str,
) -> list[FieldError]:
    """``namespace``: the WAR's (``deploy.war.web_namespace``), None when not known."""
    if artifact.kind not in ACCEPTS[target.kind]:  # then its default path means nothing
        fits = ", ".join(sorted(k.value for k in ACCEPTS[target.kind]))
        message = (
            f"a {artifact.kind.value} artifact cannot be deployed into {target.kind.value} "
            f"(service {target.service!r} takes {fits})"
        )
        return [FieldError("artifact", message)]
    errors: list[FieldError] = []
    if namespace is not None:
        errors += _generation(target, image, namespace)
    problem = path_problem(target.kind, path)
    if problem is not None:
        errors.append(FieldError("path", problem))
    return errors


def path_problem(kind: TargetKind, path: str) -> str | None:
    if kind == TargetKind.NGINX:
        if SITE_NAME.match(path) is None or set(path) == {"."}:
            return f"{path!r} is not a site name (letters, digits, . _ -; up to 63)"
        return None
    if CONTEXT_PATH.match(path) is None or ".." in path.split("/"):
        return f"{path!r} is not a context path (/ or /name[/name…])"
    return None


def _generation(target: DeployTarget, image: str, namespace: Namespace) -> list[FieldError]:
    first = JAKARTA_FROM.get(target.kind)
    major = image_major(image)
    if first is None or major is None:
        return []
    server: Namespace = "jakarta" if major >= first else "javax"
    if server == namespace:
        return []
    needs = (
        f"{target.kind.value} ≥ {first}"
        if namespace == "jakarta"
        else f"{target.kind.value} < {first}"
    )
    return [
        FieldError(
            "artifact",
            f"the WAR's web.xml is {namespace}.*, which needs {needs}; "
            f"service {target.service!r} runs {image}",
        )
    ]


def image_major(image: str) -> int | None:
    """The major version an image's tag names (``tomcat:10.1`` → 10), else None."""
    name = image.split("@")[0]
    tail = name.rsplit("/", 1)[-1]
    if ":" not in tail:
        return None
    found = _MAJOR.match(tail.split(":", 1)[1])
    return int(found.group(1)) if found else None
