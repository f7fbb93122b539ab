"""POST /stacks/validate and /stacks/{id}/validate: every problem at once (schema, semantic,
policy), each at its line in the YAML; nothing written; roles as for creating."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from core_monitor.runtime import Runtime
from core_monitor.store.tables import AuditRow, StackRow, StackVersionRow
from tests.support.helpers import login

URL = "/api/v1/stacks/validate"
TWO_SERVICES = """\
services:
  web:
    image: coremon/demo-web:1
    ports: ["99999:8080"]
  tool:
    image: busybox
    privileged: true
"""


def _by_kind(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for error in report["errors"]:
        found.setdefault(error["kind"], []).append(error)
    return found


def test_a_schema_error_does_not_hide_a_policy_violation_elsewhere(client: TestClient) -> None:
    response = client.post(URL, json={"compose": TWO_SERVICES})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["valid"] is False
    kinds = _by_kind(report)
    [schema] = kinds["schema"]
    assert schema["path"].startswith("services.web.ports[0]")
    assert schema["line"] == 4
    [policy] = kinds["policy"]
    assert policy["rule"] == "privileged"
    assert policy["path"] == "services.tool.privileged"
    assert (policy["line"], policy["column"]) == (7, 5)


def test_a_valid_file_has_no_errors_and_a_semantic_one_is_placed(client: TestClient) -> None:
    good = "services:\n  web:\n    image: coremon/demo-web:1\n"
    assert client.post(URL, json={"compose": good}).json() == {"valid": True, "errors": []}
    bad = good + "    depends_on: [db]\n"
    [error] = client.post(URL, json={"compose": bad}).json()["errors"]
    assert (error["kind"], error["path"], error["line"]) == (
        "semantic",
        "services.web.depends_on.db",
        4,
    )


def test_a_file_that_is_not_yaml_has_only_its_syntax_error(client: TestClient) -> None:
    text = "services:\n  web:\n    image: x\n    ports: [8080\n"
    [error] = client.post(URL, json={"compose": text}).json()["errors"]
    assert error["kind"] == "schema" and "not valid YAML" in error["message"]
    assert error["line"] == 5


def _counts(runtime: Runtime) -> tuple[int, int, int]:
    with runtime.db.read() as session:
        return (
            session.scalar(select(func.count()).select_from(StackRow)) or 0,
            session.scalar(select(func.count()).select_from(StackVersionRow)) or 0,
            session.scalar(select(func.count()).select_from(AuditRow)) or 0,
        )


def test_validating_writes_nothing(client: TestClient, runtime: Runtime) -> None:
    good = "services:\n  web:\n    image: coremon/demo-web:1\n"
    assert client.post("/api/v1/stacks", json={"name": "shop", "compose": good}).status_code == 201
    before = _counts(runtime)
    for text in (good, TWO_SERVICES):
        assert client.post(URL, json={"name": "other", "compose": text}).status_code == 200
        assert (
            client.post("/api/v1/stacks/shop/validate", json={"compose": text}).status_code == 200
        )
    assert _counts(runtime) == before


def test_bad_bodies_are_422_naming_the_field(client: TestClient) -> None:
    for body, field in (
        ({}, "compose"),
        ({"compose": ""}, "compose"),
        ({"compose": "services: {}", "variables": {"A": 1}}, "variables"),
        ({"compose": "services: {}", "name": "x" * 64}, "name"),
        ({"compose": "services: {}", "extra": 1}, "extra"),
    ):
        response = client.post(URL, json=body)
        assert response.status_code == 422, body
        assert field in response.text, body
    versions = client.post(
        "/api/v1/stacks/none/validate", json={"compose": "x", "parent_version": 0}
    )
    assert versions.status_code == 422 and "parent_version" in versions.text


def test_a_version_inherits_its_parents_variables(client: TestClient) -> None:
    text = "services:\n  web:\n    image: coremon/demo-web:${TAG:?TAG is required}\n"
    body = {"name": "shop", "compose": text, "variables": {"TAG": "1"}}
    assert client.post("/api/v1/stacks", json=body).status_code == 201
    url = "/api/v1/stacks/shop/validate"
    assert client.post(url, json={"compose": text}).json()["valid"] is True
    [error] = client.post(url, json={"compose": text, "variables": {}}).json()["errors"]
    assert "TAG is required" in error["message"] and error["line"] == 3
    assert client.post("/api/v1/stacks/nope/validate", json={"compose": text}).status_code == 404


def test_roles_are_those_of_creating(client: TestClient) -> None:
    good = "services:\n  web:\n    image: coremon/demo-web:1\n"
    assert client.post("/api/v1/stacks", json={"name": "shop", "compose": good}).status_code == 201
    for name, role in (("vic", "viewer"), ("opal", "operator")):
        body = {"username": name, "password": f"{name}-password", "role": role}
        assert client.post("/api/v1/users", json=body).status_code == 201
    expected = {"vic": 403, "opal": 200}
    for name, status in expected.items():
        other = TestClient(client.app)
        login(other, name, f"{name}-password")
        assert other.post(URL, json={"compose": good}).status_code == status
        assert (
            other.post("/api/v1/stacks/shop/validate", json={"compose": good}).status_code == status
        )


def test_a_bad_name_does_not_stop_the_file_being_checked(client: TestClient) -> None:
    report = client.post(URL, json={"name": "Bad Name", "compose": TWO_SERVICES}).json()
    paths = [e["path"] for e in report["errors"]]
    assert paths[0] == "name"
    assert "services.tool.privileged" in paths


def test_a_semantic_error_leaves_the_other_services_judged(client: TestClient) -> None:
    """An undefined network makes no engine request: its service is left out of the policy,
    the others are judged (and nothing answers 500)."""
    text = (
        "services:\n  b:\n    image: x\n    networks: [nope]\n"
        "  d:\n    image: x\n    cap_add: [SYS_ADMIN]\n"
    )
    response = client.post(URL, json={"compose": text})
    assert response.status_code == 200, response.text
    found = [(e["kind"], e["path"], e["line"]) for e in response.json()["errors"]]
    assert found == [
        ("semantic", "services.b.networks.nope", 4),
        ("policy", "services.d.cap_add[0]", 7),
    ]


def test_a_service_with_a_secret_is_still_judged_by_the_policy(client: TestClient) -> None:
    """Secrets and configs come with their service when the rest of the file has an error,
    so its policy violations are still reported; a value is never quoted."""
    compose = TWO_SERVICES.replace(
        "    privileged: true\n",
        "    privileged: true\n    secrets: [token]\nsecrets:\n  token: {environment: TOKEN}\n",
    )
    variables = {"TOKEN": {"value": "tok-value-123456", "secret": True}}
    response = client.post(URL, json={"compose": compose, "variables": variables})
    assert response.status_code == 200, response.text
    kinds = _by_kind(response.json())
    assert [e["path"] for e in kinds["policy"]] == ["services.tool.privileged"]
    assert "tok-value" not in response.text
