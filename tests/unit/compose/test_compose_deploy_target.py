"""``x-coremon-deploy`` on a service: parsed by the domain's settings, interpolated, kept out
of the configuration hash, and refused (naming the path) unless its content directory is
on a named volume of the service."""

from __future__ import annotations

import pytest

from core_monitor.compose import load_compose
from core_monitor.compose.hashing import service_config_hash
from core_monitor.domain.deploy import NginxSettings, TargetKind, TomcatSettings
from core_monitor.errors import ValidationFailed

TOMCAT = """
services:
  app:
    image: tomcat:10.1
    volumes: ["apps:/usr/local/tomcat/webapps"]
    x-coremon-deploy:
      kind: tomcat
      manager_user: deployer
      manager_password: ${MANAGER_PASSWORD}
volumes:
  apps: {}
"""


def errors(text: str, variables: dict[str, str] | None = None) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as caught:
        load_compose(text, variables or {}, project_name="shop")
    return {e.path: e.message for e in caught.value.errors}


def test_a_tomcat_target_is_parsed_and_its_credentials_interpolated() -> None:
    project = load_compose(TOMCAT, {"MANAGER_PASSWORD": "s3cret-pass"}, project_name="shop")
    settings = project.services["app"].deploy
    assert isinstance(settings, TomcatSettings)
    assert settings.kind == TargetKind.TOMCAT
    assert settings.manager_password == "s3cret-pass"
    assert settings.port == 8080


def test_a_service_without_the_extension_has_no_target() -> None:
    project = load_compose("services:\n  web:\n    image: nginx\n", {}, project_name="shop")
    assert project.services["web"].deploy is None


def test_the_target_is_not_in_the_configuration_hash() -> None:
    with_target = load_compose(TOMCAT, {"MANAGER_PASSWORD": "x"}, project_name="shop")
    plain = TOMCAT.split("    x-coremon-deploy:")[0] + "volumes:\n  apps: {}\n"
    without = load_compose(plain, {}, project_name="shop")
    assert service_config_hash(with_target, "app") == service_config_hash(without, "app")


def test_content_must_be_on_a_named_volume_naming_the_path() -> None:
    text = "services:\n  web:\n    image: nginx\n    x-coremon-deploy: {kind: nginx}\n"
    found = errors(text)
    assert "/srv/sites" in found["services.web.x-coremon-deploy.content"]
    bind = text.replace("image: nginx\n", "image: nginx\n    volumes: ['./site:/srv/sites']\n")
    assert "services.web.x-coremon-deploy.content" in errors(bind)
    anonymous = text.replace("image: nginx\n", "image: nginx\n    volumes: ['/srv/sites']\n")
    assert "services.web.x-coremon-deploy.content" in errors(anonymous)


def test_content_below_a_named_volume_is_accepted() -> None:
    text = (
        "services:\n  web:\n    image: nginx\n    volumes: ['site:/srv']\n"
        "    x-coremon-deploy: {kind: nginx, keep_releases: 3}\n"
        "volumes:\n  site: {}\n"
    )
    settings = load_compose(text, {}, project_name="shop").services["web"].deploy
    assert isinstance(settings, NginxSettings)
    assert settings.keep_releases == 3


def test_bad_fields_are_named() -> None:
    text = (
        "services:\n  web:\n    image: nginx\n    volumes: ['site:/srv/sites']\n"
        "    x-coremon-deploy: {kind: nginx, keep_releases: 0, colour: red}\n"
        "volumes:\n  site: {}\n"
    )
    found = errors(text)
    assert "services.web.x-coremon-deploy.keep_releases" in found
    assert "services.web.x-coremon-deploy.colour" in found
    assert "services.web.x-coremon-deploy.kind" in errors(text.replace("nginx,", "apache,"))
    assert "services.web.x-coremon-deploy" in errors(
        text.replace("{kind: nginx, keep_releases: 0, colour: red}", "nginx")
    )
