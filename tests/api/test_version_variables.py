"""A new version's variables: omitted, they are the parent's (secrets included, never sent
back in clear); given, they replace the parent's."""

from __future__ import annotations

from fastapi.testclient import TestClient

from core_monitor.runtime import Runtime
from core_monitor.services.definitions import project_of
from core_monitor.store import stacks as stack_store

SECRET = "inherited-secret-value-42"
TEXT = (
    "services:\n  app:\n    image: busybox:1\n    environment:\n"
    "      GREETING: ${GREETING:?GREETING is required}\n      PW: ${PW:?PW is required}\n"
)
VARIABLES = {"GREETING": "bonjour", "PW": {"value": SECRET, "secret": True}}


def _stack(client: TestClient) -> None:
    body = {"name": "inherit", "compose": TEXT, "variables": VARIABLES}
    created = client.post("/api/v1/stacks", json=body)
    assert created.status_code == 201, created.text


def test_a_version_without_variables_keeps_the_parents_secrets_included(
    client: TestClient, runtime: Runtime
) -> None:
    _stack(client)
    edited = TEXT.replace("image: busybox:1", "image: busybox:2")
    second = client.post("/api/v1/stacks/inherit/versions", json={"compose": edited})
    assert second.status_code == 201, second.text
    assert SECRET not in second.text
    assert second.json()["variables"] == {
        "GREETING": {"value": "bonjour", "secret": False},
        "PW": {"value": "***", "secret": True},
    }
    with runtime.db.read() as session:
        stack = stack_store.get_stack(session, "inherit")
        stored = stack_store.get_version(session, stack.stack_id, 2)
    assert SECRET not in str(stored.variables) and stored.variables["PW"].ciphertext
    # what the engine gets: the real value, decrypted on the server
    env = project_of(stored, runtime.convergence.box).services["app"].environment
    assert env["PW"] == SECRET and env["GREETING"] == "bonjour"


def test_given_variables_replace_the_parents(client: TestClient) -> None:
    _stack(client)
    url = "/api/v1/stacks/inherit/versions"
    partial = client.post(url, json={"compose": TEXT, "variables": {"GREETING": "salut"}})
    assert partial.status_code == 422
    assert "PW is required" in partial.text
    full = {"GREETING": "salut", "PW": {"value": SECRET + "-2", "secret": True}}
    replaced = client.post(url, json={"compose": TEXT, "variables": full})
    assert replaced.status_code == 201, replaced.text
    env = replaced.json()["definition"]["services"]["app"]["environment"]
    assert env == {"GREETING": "salut", "PW": "***"}


def test_inheriting_from_a_stale_or_missing_parent_is_409(client: TestClient) -> None:
    _stack(client)
    url = "/api/v1/stacks/inherit/versions"
    assert client.post(url, json={"compose": TEXT, "parent_version": 1}).status_code == 201
    assert client.post(url, json={"compose": TEXT, "parent_version": 1}).status_code == 409
    assert client.post(url, json={"compose": TEXT, "parent_version": 9}).status_code == 409
