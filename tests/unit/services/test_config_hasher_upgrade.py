"""A version stored before issue 15 added fields to a service keeps its services' hashes:
the stored (masked) configuration lacks the new fields, which must not read as a secret."""

from __future__ import annotations

from datetime import UTC, datetime

from core_monitor.compose import load_compose, service_config_hash
from core_monitor.domain.compose import current_form
from core_monitor.domain.diff import diff_versions
from core_monitor.domain.stack import StackVersion, Variable
from core_monitor.services.definitions import config_hasher, stored_form
from core_monitor.vault import SecretBox

TEXT = """
services:
  web:
    image: nginx
  db:
    image: postgres
    environment: {PASSWORD: "${PASSWORD}"}
"""
NEW_FIELDS = (
    "reservations",
    "platform",
    "runtime",
    "mac_address",
    "links",
    "external_links",
    "volumes_from",
    "attach",
)


def test_a_service_without_a_secret_keeps_its_plain_hash_after_the_upgrade() -> None:
    box = SecretBox("k" * 32)
    variables = {"PASSWORD": Variable(value="a-long-secret-value", secret=True)}
    project = load_compose(TEXT, {"PASSWORD": "a-long-secret-value"}, project_name="p")
    definition, stored, digest = stored_form(project, variables, box)
    for service in definition["services"].values():  # as stored before those fields existed
        for key in NEW_FIELDS:
            service.pop(key)
    version = StackVersion(
        stack_id="s",
        version=1,
        parent_version=None,
        author="a",
        comment="",
        created_at=datetime.now(UTC),
        compose_text=TEXT,
        definition=definition,
        variables=stored,
        content_hash=digest,
    )
    hash_of = config_hasher(version, box)
    assert hash_of(project, "web") == service_config_hash(project, "web")
    assert hash_of(project, "db") != service_config_hash(project, "db")  # keyed: it holds one


def test_a_definition_stored_before_the_new_fields_reads_as_today_s_without_changes() -> None:
    project = load_compose(TEXT, {"PASSWORD": "x"}, project_name="p")
    old = project.model_dump(mode="json")
    for service in old["services"].values():
        for key in NEW_FIELDS:
            service.pop(key)
    assert current_form(old) == project.model_dump(mode="json")
    assert diff_versions(1, TEXT, current_form(old), 2, TEXT, project.model_dump()).services == []
    assert current_form({"not": "a definition"}) == {"not": "a definition"}
