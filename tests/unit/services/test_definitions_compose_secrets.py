"""Stored form of a version with Compose secrets: what is stored, and the engine's project."""

from __future__ import annotations

from datetime import UTC, datetime

from core_monitor.compose import service_config_hash
from core_monitor.domain.stack import StackVersion, Variable
from core_monitor.services.definitions import config_hasher, load_masked, project_of, stored_form
from core_monitor.vault import MASK, SecretBox

COMPOSE = """
services:
  app:
    image: x
    env_file: app.env
    secrets: [token, short]
  plain:
    image: x
secrets:
  token: {environment: TOKEN}
  short: {environment: PIN}
"""
FILES = {"app.env": b"GREETING=hello ${WHO}\n"}
BOX = SecretBox("unit-test-key")


def _stored() -> tuple[StackVersion, str]:
    variables = {
        "TOKEN": Variable(value="token-value-123"),  # not marked secret by the client
        "PIN": Variable(value="42"),  # too short for the redactor: masked all the same
        "WHO": Variable(value="world"),
    }
    project, _ = load_masked("st", COMPOSE, variables, FILES)
    definition, stored, digest = stored_form(project, variables, BOX)
    version = StackVersion(
        stack_id="s",
        version=1,
        parent_version=None,
        author="a",
        comment="",
        created_at=datetime.now(UTC),
        compose_text=COMPOSE,
        definition=definition,
        variables=stored,
        content_hash=digest,
    )
    return version, repr(definition) + repr(stored)


def test_a_variable_feeding_a_secret_is_stored_as_one() -> None:
    version, text = _stored()
    assert version.variables["TOKEN"].secret and version.variables["PIN"].secret
    assert not version.variables["WHO"].secret
    assert "token-value-123" not in text
    contents = [f["content"] for f in version.definition["services"]["app"]["injected_files"]]
    assert contents == [MASK, MASK]
    assert version.definition["services"]["app"]["environment"] == {"GREETING": "hello world"}


def test_the_engine_gets_the_real_project_from_the_bundle() -> None:
    version, _ = _stored()
    project = project_of(version, BOX, FILES)
    contents = [f.content for f in project.services["app"].injected_files]
    assert contents == ["token-value-123", "42"]
    assert project.services["app"].environment == {"GREETING": "hello world"}
    hasher = config_hasher(version, BOX)
    assert hasher(project, "app") != service_config_hash(project, "app")  # keyed
    assert hasher(project, "plain") == service_config_hash(project, "plain")
