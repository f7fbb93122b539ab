"""A WAR's Servlet generation from its web.xml, and the deploy preflight's table: kind
against target, path form, generation against the server's image tag, default paths."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from core_monitor.deploy import preflight
from core_monitor.deploy.war import namespace_of, web_namespace
from core_monitor.domain.deploy import (
    Artifact,
    ArtifactKind,
    DeployTarget,
    NginxSettings,
    TomcatSettings,
    WildflySettings,
)
from tests.support.deploys import JAKARTA, JAVAX, war

NGINX = DeployTarget(service="web", settings=NginxSettings())
TOMCAT = DeployTarget(service="app", settings=TomcatSettings())
WILDFLY = DeployTarget(service="jee", settings=WildflySettings())


def artifact(kind: ArtifactKind, filename: str = "app.war") -> Artifact:
    return Artifact(
        sha256="a" * 64,
        kind=kind,
        filename=filename,
        size=1,
        uploaded_by="t",
        uploaded_at=datetime.now(UTC),
    )


def test_the_namespace_is_read_from_web_xml(tmp_path: Path) -> None:
    path = tmp_path / "a.war"
    path.write_bytes(war(JAKARTA))
    assert web_namespace(path) == "jakarta"
    path.write_bytes(war(JAVAX))
    assert web_namespace(path) == "javax"
    assert namespace_of(b'<web-app xmlns="http://java.sun.com/xml/ns/javaee">') == "javax"
    assert namespace_of(b"<web-app/>") is None
    path.write_bytes(b"junk")
    assert web_namespace(path) is None


@pytest.mark.parametrize(
    ("target", "image", "kind", "namespace", "path", "fields"),
    [
        (NGINX, "nginx:1.27", ArtifactKind.STATIC, None, "default", []),
        (NGINX, "nginx:1.27", ArtifactKind.WAR, "jakarta", "default", ["artifact"]),
        (NGINX, "nginx:1.27", ArtifactKind.STATIC, None, "..", ["path"]),
        (NGINX, "nginx:1.27", ArtifactKind.STATIC, None, "/app", ["path"]),
        (TOMCAT, "tomcat:10.1", ArtifactKind.WAR, "jakarta", "/app", []),
        (TOMCAT, "tomcat:10.1", ArtifactKind.WAR, "javax", "/app", ["artifact"]),
        (TOMCAT, "tomcat:9.0", ArtifactKind.WAR, "jakarta", "/app", ["artifact"]),
        (TOMCAT, "tomcat:9.0", ArtifactKind.WAR, "javax", "/", []),
        (TOMCAT, "coremon-test/tomcat:latest", ArtifactKind.WAR, "javax", "/app", []),
        (TOMCAT, "tomcat:10.1", ArtifactKind.EAR, None, "/app", ["artifact"]),
        (TOMCAT, "tomcat:10.1", ArtifactKind.WAR, None, "/a/../b", ["path"]),
        (TOMCAT, "tomcat:10.1", ArtifactKind.WAR, None, "app", ["path"]),
        (WILDFLY, "quay.io/wildfly/wildfly:30.0.1.Final-jdk17", ArtifactKind.EAR, None, "/x", []),
        (
            WILDFLY,
            "quay.io/wildfly/wildfly:30.0.1.Final-jdk17",
            ArtifactKind.WAR,
            "javax",
            "/x",
            ["artifact"],
        ),
        (WILDFLY, "jboss/wildfly:26.1", ArtifactKind.WAR, "javax", "/x", []),
    ],
)
def test_preflight_table(
    target: DeployTarget,
    image: str,
    kind: ArtifactKind,
    namespace: str | None,
    path: str,
    fields: list[str],
) -> None:
    found = preflight.check(target, image, artifact(kind), namespace, path)  # type: ignore[arg-type]
    assert [e.path for e in found] == fields


@pytest.mark.parametrize(
    ("kind", "filename", "path"),
    [
        (ArtifactKind.WAR, "shop.war", "/shop"),
        (ArtifactKind.WAR, "ROOT.war", "/"),
        (ArtifactKind.WAR, "shop##2.war", "/shop"),
        (ArtifactKind.WAR, "a#b.war", "/a/b"),
        (ArtifactKind.EAR, "suite.ear", "/suite"),
        (ArtifactKind.STATIC, "site.tar.gz", "default"),
    ],
)
def test_default_paths(kind: ArtifactKind, filename: str, path: str) -> None:
    assert preflight.default_path(artifact(kind, filename)) == path


def test_image_major() -> None:
    assert preflight.image_major("tomcat:10.1") == 10
    assert preflight.image_major("registry:5000/tomcat") is None
    assert preflight.image_major("tomcat@sha256:abc") is None
    assert preflight.image_major("tomcat:latest") is None
