"""POST /api/v1/compose/validate (issue 15): errors, policy violations and services of a
definition and its files; nothing written; the same limits as creating a version."""

from __future__ import annotations

from fastapi.testclient import TestClient

URL = "/api/v1/compose/validate"
GOOD = "services:\n  web:\n    image: busybox:1\n  db:\n    image: busybox:1\n"


def test_a_valid_definition_has_empty_lists_and_its_services(client: TestClient) -> None:
    checked = client.post(URL, json={"compose": GOOD, "files": {"conf/a.ini": "x"}})
    assert checked.status_code == 200, checked.text
    assert checked.json() == {"errors": [], "policy_violations": [], "services": ["db", "web"]}


def test_errors_and_policy_violations_are_reported_apart(client: TestClient) -> None:
    text = (
        "services:\n  web:\n    image: busybox:1\n    ports: ['99999:80']\n"
        "  tool:\n    image: busybox\n    privileged: true\n"
    )
    report = client.post(URL, json={"compose": text}).json()
    assert report["services"] == ["tool", "web"]
    assert [e["path"] for e in report["errors"]] == ["services.web.ports[0]"]
    assert {"path", "message"} <= set(report["errors"][0])
    violation = report["policy_violations"][0]
    assert violation["rule"] == "privileged"
    assert violation["path"] == "services.tool.privileged"


def test_a_version_of_a_stack_inherits_its_variables(client: TestClient) -> None:
    text = "services:\n  web:\n    image: busybox:${TAG:?TAG is required}\n"
    created = client.post(
        "/api/v1/stacks", json={"name": "v", "compose": text, "variables": {"TAG": "1"}}
    )
    assert created.status_code == 201, created.text
    assert client.post(URL, json={"compose": text, "stack": "v"}).json()["errors"] == []
    alone = client.post(URL, json={"compose": text}).json()["errors"]
    assert "TAG is required" in alone[0]["message"]
    assert client.post(URL, json={"compose": text, "stack": "nope"}).status_code == 404


def test_an_unsafe_path_is_422_like_creating(client: TestClient) -> None:
    refused = client.post(URL, json={"compose": GOOD, "files": {"../x": "x"}})
    assert refused.status_code == 422
    assert "files.../x" in [e["path"] for e in refused.json()["errors"]]


def test_a_yaml_error_has_no_services(client: TestClient) -> None:
    report = client.post(URL, json={"compose": "services: [\n"}).json()
    assert report["services"] == [] and report["errors"][0]["line"] is not None
