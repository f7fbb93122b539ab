"""The wizard's API: the catalog, resolve (violations are data), stacks made by the wizard
(with their provenance), re-render keeping the answers, upgrade, hand edits reported."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from core_monitor.runtime import Runtime
from core_monitor.services.definitions import plain_variables
from core_monitor.store import stacks as stack_store

API = "/api/v1"
APP = [{"component": "java-app"}, {"component": "nginx-proxy"}, {"component": "postgresql"}]


def _create(client: TestClient, name: str, selection: list[dict[str, Any]], **answers: Any) -> str:
    body = {"name": name, "selection": selection, "answers": answers}
    made = client.post(f"{API}/wizard/stacks", json=body)
    assert made.status_code == 201, made.text
    assert made.json()["version"] == 1
    stack_id: str = made.json()["stack_id"]
    return stack_id


def _plain(runtime: Runtime, stack: str, version: int) -> dict[str, str]:
    with runtime.db.read() as session:
        found = stack_store.get_stack(session, stack)
        stored = stack_store.get_version(session, found.stack_id, version)
    return {k: v.value for k, v in plain_variables(stored.variables, runtime.stacks.box).items()}


def test_the_catalog_lists_components_with_its_digest(client: TestClient) -> None:
    listed = client.get(f"{API}/catalog").json()
    assert listed["catalog_digest"].startswith("sha256:")
    assert listed["problems"] == []  # the admin sees the files left out: none
    items = {i["id"]: i for i in listed["items"]}
    assert items["postgresql"]["versions"] == ["16.4.0", "15.8.0"]
    assert items["postgresql"]["default_version"] == "16.4.0"
    databases = client.get(f"{API}/catalog", params={"category": "database"}).json()["items"]
    assert sorted(i["id"] for i in databases) == ["mariadb", "postgresql"]
    found = client.get(f"{API}/catalog", params={"text": "TOMCAT"}).json()["items"]
    assert "tomcat" in [i["id"] for i in found]


def test_one_component_has_its_versions_rules_and_deploy_target(client: TestClient) -> None:
    tomcat = client.get(f"{API}/catalog/tomcat").json()
    (version,) = tomcat["versions"]
    assert version["images"] == ["tomcat:10.1"]
    assert version["deploy"]["kind"] == "tomcat"
    assert version["parameters"]["properties"]["manager_password"]["secret"] is True
    assert {"capability": "servlet", "version": "6.0"} in version["provides"]
    assert version["requires"][0]["optional"] is True
    assert tomcat["catalog_digest"].startswith("sha256:")
    missing = client.get(f"{API}/catalog/nope")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


def test_resolve_adds_what_is_missing_and_wires_it(client: TestClient) -> None:
    answer = client.post(f"{API}/wizard/resolve", json={"selection": APP, "answers": {}})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    added = {c["component"]: c["added_because"] for c in body["components"]}
    assert added["java-app"] is None and "default provider" in added["tomcat"]
    assert body["violations"] == []
    assert "proxy_pass http://tomcat:8080;" in body["compose"]
    assert "DB_PASSWORD: ${POSTGRESQL_PASSWORD}" in body["compose"]
    variables = {v["name"]: v for v in body["variables"]}
    assert variables["POSTGRESQL_PASSWORD"] == {
        "name": "POSTGRESQL_PASSWORD",
        "value": None,
        "secret": True,
    }
    assert variables["NGINX_PROXY_HTTP_PORT"]["value"] == "8080"
    assert {s["capability"] for s in body["suggestions"]} >= {"servlet"}
    assert body["catalog_digest"].startswith("sha256:")


def test_violations_are_data_not_errors(client: TestClient) -> None:
    both = [{"component": "haproxy"}, {"component": "nginx-proxy"}]
    answer = client.post(f"{API}/wizard/resolve", json={"selection": both})
    assert answer.status_code == 200
    (violation,) = answer.json()["violations"]
    assert violation["rule"] == "claim"
    assert violation["components"] == ["haproxy", "nginx-proxy"]
    assert answer.json()["compose"] == ""


def test_a_bad_answer_is_a_parameter_violation_at_its_field(client: TestClient) -> None:
    body = {"selection": [{"component": "postgresql"}], "answers": {"postgresql": {"user": "No!"}}}
    answer = client.post(f"{API}/wizard/resolve", json=body).json()
    (violation,) = answer["violations"]
    assert violation["rule"] == "parameter"
    assert violation["field"] == "answers.postgresql.user"
    secret = {"postgresql": {"password": "tiny-pw"}}
    said = client.post(f"{API}/wizard/resolve", json={**body, "answers": secret}).json()
    (violation,) = said["violations"]
    assert violation["field"] == "answers.postgresql.password"
    assert "tiny-pw" not in str(said)  # a secret's value is never echoed


def test_a_bad_request_shape_is_422_naming_the_field(client: TestClient) -> None:
    cases = [
        ({"selection": [{"version": "1"}]}, "selection[0].component"),
        ({"selection": "postgresql"}, "selection"),
        (
            {"selection": [], "answers": {"postgresql": {"user": {"x": 1}}}},
            "answers.postgresql.user",
        ),
        ({"selection": [], "surprise": 1}, "surprise"),
    ]
    for body, path in cases:
        answer = client.post(f"{API}/wizard/resolve", json=body)
        assert answer.status_code == 422, body
        assert path in [e["path"] for e in answer.json()["errors"]], answer.json()
    made = client.post(f"{API}/wizard/stacks", json={"name": "x", "selection": []})
    assert made.status_code == 422
    assert "selection" in [e["path"] for e in made.json()["errors"]]


def test_creating_a_stack_records_its_provenance(client: TestClient, runtime: Runtime) -> None:
    stack_id = _create(client, "shop", APP, postgresql={"database": "shop"})
    version = client.get(f"{API}/stacks/{stack_id}/versions/1").json()
    assert version["variables"]["POSTGRESQL_PASSWORD"] == {"value": "***", "secret": True}
    assert version["variables"]["POSTGRESQL_DATABASE"] == {"value": "shop", "secret": False}
    assert len(_plain(runtime, "shop", 1)["POSTGRESQL_PASSWORD"]) >= 12  # generated
    state = client.get(f"{API}/stacks/{stack_id}/wizard").json()
    assert state["version"] == 1
    assert state["selection"] == [{"component": c["component"], "version": None} for c in APP]
    assert state["answers"]["postgresql"] == {"database": "shop", "password": "***"}
    assert {c["component"] for c in state["components"]} == {
        "java-app",
        "nginx-proxy",
        "postgresql",
        "tomcat",
    }
    assert state["hand_edits"] == [] and state["upgrades"] == []
    assert state["upgrade_available"] is False
    assert state["catalog_digest"] == state["current_catalog_digest"]
    trail = client.get(f"{API}/audit").json()["items"]
    made = next(a for a in trail if a["action"] == "wizard.create")
    assert made["target"] == f"stack:{stack_id}"
    assert made["details"]["catalog_digest"] == state["catalog_digest"]
    assert "postgresql 16.4.0" in made["details"]["components"]


def test_a_refused_creation_is_422_with_the_violations_and_writes_nothing(
    client: TestClient,
) -> None:
    both = [{"component": "haproxy"}, {"component": "nginx-proxy"}]
    refused = client.post(f"{API}/wizard/stacks", json={"name": "clash", "selection": both})
    assert refused.status_code == 422
    assert refused.json()["violations"][0]["rule"] == "claim"
    assert client.get(f"{API}/stacks/clash").status_code == 404


def test_a_re_render_keeps_the_answers_and_the_generated_secrets(
    client: TestClient, runtime: Runtime
) -> None:
    stack_id = _create(client, "keep", APP, postgresql={"database": "shop"})
    before = _plain(runtime, "keep", 1)
    change = {"answers": {"nginx-proxy": {"http_port": 9090}, "postgresql": {"password": "***"}}}
    remade = client.post(f"{API}/stacks/{stack_id}/wizard", json=change)
    assert remade.status_code == 201, remade.text
    body = remade.json()
    assert body["version"] == 2 and body["overwritten_edits"] == []
    assert body["diff"]["from_version"] == 1 and body["diff"]["to_version"] == 2
    after = _plain(runtime, "keep", 2)
    assert after["NGINX_PROXY_HTTP_PORT"] == "9090"
    assert after["POSTGRESQL_DATABASE"] == "shop"
    assert after["POSTGRESQL_PASSWORD"] == before["POSTGRESQL_PASSWORD"]
    assert after["TOMCAT_MANAGER_PASSWORD"] == before["TOMCAT_MANAGER_PASSWORD"]
    state = client.get(f"{API}/stacks/{stack_id}/wizard").json()
    assert state["version"] == 2
    assert state["answers"]["nginx-proxy"] == {"http_port": 9090}


def test_upgrade_moves_to_the_newest_versions_that_fit(client: TestClient) -> None:
    stack_id = _create(
        client, "old", [{"component": "postgresql", "version": "15.8.0"}, {"component": "adminer"}]
    )
    state = client.get(f"{API}/stacks/{stack_id}/wizard").json()
    assert state["upgrades"] == [{"component": "postgresql", "from": "15.8.0", "to": "16.4.0"}]
    assert state["upgrade_available"] is True
    same = client.post(f"{API}/stacks/{stack_id}/wizard", json={})
    assert same.status_code == 201, same.text
    assert "postgres:15" in client.get(f"{API}/stacks/{stack_id}/versions/2").json()["compose"]
    upgraded = client.post(f"{API}/stacks/{stack_id}/wizard", json={"upgrade": True})
    assert upgraded.status_code == 201, upgraded.text
    assert "postgres:16" in client.get(f"{API}/stacks/{stack_id}/versions/3").json()["compose"]
    assert "postgres:16" in upgraded.text  # the diff shows it
    after = client.get(f"{API}/stacks/{stack_id}/wizard").json()
    assert after["upgrades"] == [] and after["upgrade_available"] is False


def test_hand_edits_are_reported_not_silently_dropped(client: TestClient, runtime: Runtime) -> None:
    stack_id = _create(client, "edited", [{"component": "redis"}])
    v1 = client.get(f"{API}/stacks/{stack_id}/versions/1").json()["compose"]
    edited = v1.replace("restart: unless-stopped", "restart: always")
    edited = edited.replace("services:\n", "services:\n  extra:\n    image: busybox:1\n", 1)
    variables = {
        "REDIS_APPENDONLY": "no",
        "REDIS_PASSWORD": {"value": "a-new-secret-by-hand", "secret": True},
        "EXTRA": "1",
    }
    hand = client.post(
        f"{API}/stacks/{stack_id}/versions", json={"compose": edited, "variables": variables}
    )
    assert hand.status_code == 201, hand.text
    state = client.get(f"{API}/stacks/{stack_id}/wizard").json()
    edits = {e["path"]: e["message"] for e in state["hand_edits"]}
    assert "changed by hand" in edits["services.redis.restart"]
    assert "added by hand" in edits["services.extra"]
    assert "changed by hand" in edits["variables.REDIS_APPENDONLY"]
    assert "added by hand" in edits["variables.EXTRA"]
    assert "variables.REDIS_PASSWORD" not in edits  # a secret is kept from the version itself
    assert len(edits) == 4
    remade = client.post(f"{API}/stacks/{stack_id}/wizard", json={})
    assert remade.status_code == 201, remade.text
    assert {e["path"] for e in remade.json()["overwritten_edits"]} == set(edits)
    assert client.get(f"{API}/stacks/{stack_id}/wizard").json()["hand_edits"] == []
    assert _plain(runtime, "edited", 3)["REDIS_PASSWORD"] == "a-new-secret-by-hand"


def test_a_stack_the_wizard_did_not_make_has_no_wizard_record(client: TestClient) -> None:
    made = client.post(
        f"{API}/stacks",
        json={"name": "plain", "compose": "services:\n  a:\n    image: busybox:1\n"},
    )
    assert made.status_code == 201
    assert client.get(f"{API}/stacks/plain/wizard").status_code == 404
    assert client.post(f"{API}/stacks/plain/wizard", json={}).status_code == 404
