"""The stack policy at version creation (each rule refused, then allowed by an exception)
and secret variables (encrypted at rest, never returned, masked in errors)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from core_monitor.domain.stack import Variable
from core_monitor.errors import ConfigurationError
from core_monitor.runtime import Runtime
from core_monitor.store.tables import StackVersionRow
from tests.support.helpers import make_settings

IMAGE = "busybox:1"

# rule → (service lines breaking it, the path the refusal must name, top-level lines)
BREAKERS: dict[str, tuple[str, str, str]] = {
    "privileged": ("privileged: true", "services.app.privileged", ""),
    "host_namespaces": ("network_mode: host", "services.app.network_mode", ""),
    "foreign_resources": ("pid: container:someone-else", "services.app.pid", ""),
    "docker_socket": (
        "volumes: ['/var/run/docker.sock:/var/run/docker.sock']",
        "services.app.volumes[0].source",
        "",
    ),
    "sensitive_paths": ("volumes: ['/etc:/host-etc:ro']", "services.app.volumes[0].source", ""),
    "bind_outside_roots": ("volumes: ['/data/app:/data']", "services.app.volumes[0].source", ""),
    "devices": ("devices: ['/dev/fuse:/dev/fuse']", "services.app.devices[0]", ""),
    "capabilities": ("cap_add: [NET_ADMIN]", "services.app.cap_add[0]", ""),
    "security_options": (
        "security_opt: ['apparmor=unconfined']",
        "services.app.security_opt[0]",
        "",
    ),
    "sysctls": ("sysctls: {kernel.msgmax: '65536'}", "services.app.sysctls.kernel.msgmax", ""),
    "log_drivers": ("logging: {driver: syslog}", "services.app.logging.driver", ""),
    "volume_drivers": (
        "volumes: ['nfs:/data']",
        "volumes.nfs.driver_opts",
        "volumes:\n  nfs:\n    driver_opts: {type: nfs, o: 'addr=127.0.0.1', device: ':/x'}\n",
    ),
    "network_drivers": (
        "networks: [lan]",
        "networks.lan.driver",
        "networks:\n  lan:\n    driver: macvlan\n",
    ),
}
# no definition can ask for another runtime: the rule guards the request (unit-tested)
UNREACHABLE_FROM_A_DEFINITION = {"runtime"}


def compose(line: str, top: str = "") -> str:
    return f"services:\n  app:\n    image: {IMAGE}\n    {line}\n{top}"


@pytest.mark.parametrize("rule", sorted(BREAKERS))
def test_each_rule_is_refused_then_allowed_by_an_exception(client: TestClient, rule: str) -> None:
    line, path, top = BREAKERS[rule]
    name = f"p-{rule.replace('_', '-')}"
    refused = client.post("/api/v1/stacks", json={"name": name, "compose": compose(line, top)})
    assert refused.status_code == 422, refused.text
    errors = refused.json()["errors"]
    assert [e["path"] for e in errors] == [path]
    assert errors[0]["message"].startswith(f"policy {rule}:")
    assert client.get(f"/api/v1/stacks/{name}").status_code == 404  # nothing written

    for stack in (name, f"{name}-2"):  # an exception is for an existing stack
        created = client.post("/api/v1/stacks", json={"name": stack, "compose": compose("")})
        assert created.status_code == 201, created.text
    stack_id = client.get(f"/api/v1/stacks/{name}").json()["stack_id"]
    granted = client.post(
        "/api/v1/policy/exceptions", json={"stack": name, "rule": rule, "reason": "test"}
    )
    assert granted.status_code == 201, granted.text
    assert (granted.json()["stack_id"], granted.json()["stack"]) == (stack_id, name)
    accepted = client.post(f"/api/v1/stacks/{name}/versions", json={"compose": compose(line, top)})
    assert accepted.status_code == 201, accepted.text
    # the exception is for that stack only
    other = client.post(f"/api/v1/stacks/{name}-2/versions", json={"compose": compose(line, top)})
    assert other.status_code == 422
    audit = client.get("/api/v1/audit", params={"action": "policy.exception.grant"}).json()
    assert audit["items"][0]["target"] == f"stack:{stack_id}"


def test_an_exception_needs_a_live_stack(client: TestClient) -> None:
    refused = client.post(
        "/api/v1/policy/exceptions",
        json={"stack": "not-yet", "rule": "privileged", "reason": "test"},
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["path"] == "stack"


def test_interpolation_cannot_smuggle_a_forbidden_value(client: TestClient) -> None:
    body = {
        "name": "smuggle",
        "compose": compose("network_mode: ${MODE}"),
        "variables": {"MODE": "host"},
    }
    refused = client.post("/api/v1/stacks", json=body)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["path"] == "services.app.network_mode"


def test_a_local_volume_binding_a_host_path_is_a_bind_mount(client: TestClient) -> None:
    text = (
        f"services:\n  app:\n    image: {IMAGE}\n    volumes: [etc:/x]\n"
        "volumes:\n  etc:\n    driver_opts: {type: none, o: bind, device: /etc}\n"
    )
    refused = client.post("/api/v1/stacks", json={"name": "disguise", "compose": text})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["path"] == "volumes.etc.driver_opts.device"


def test_a_disabled_rule_and_bind_roots_are_data_admins_change(client: TestClient) -> None:
    policy = client.get("/api/v1/policy").json()
    assert set(policy["rules"]) == set(BREAKERS) | UNREACHABLE_FROM_A_DEFINITION
    assert "/tmp" not in policy["allowed_bind_roots"]  # world-writable: links can be planted
    changed = client.put(
        "/api/v1/policy",
        json={"rules": {"devices": {"enabled": False}}, "allowed_bind_roots": ["/data"]},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["rules"]["devices"]["enabled"] is False
    assert changed.json()["rules"]["privileged"]["enabled"] is True  # left out: still on
    lines = {"dev": "devices: ['/dev/fuse:/dev/fuse']", "data": "volumes: ['/data/app:/data']"}
    for name, line in lines.items():
        created = client.post("/api/v1/stacks", json={"name": name, "compose": compose(line)})
        assert created.status_code == 201, created.text
    srv = compose("volumes: ['/srv/x:/x']")
    refused = client.post("/api/v1/stacks", json={"name": "srv", "compose": srv})
    assert refused.status_code == 422  # /srv is no longer an allowed root
    bad = client.put("/api/v1/policy", json={"rules": {"nope": {"enabled": False}}})
    assert bad.status_code == 422


SECRET = "s3cr3t-Pa55word-xyz"
WITH_SECRET = (
    f"services:\n  app:\n    image: {IMAGE}\n    environment:\n      DB_PASSWORD: ${{PW}}\n"
    "      PLAIN: visible\n"
)


def test_a_secret_is_encrypted_at_rest_and_never_returned(
    client: TestClient, runtime: Runtime
) -> None:
    created = client.post(
        "/api/v1/stacks",
        json={
            "name": "vault",
            "compose": WITH_SECRET,
            "variables": {"PW": {"value": SECRET, "secret": True}},
        },
    )
    assert created.status_code == 201, created.text
    second = client.post(
        "/api/v1/stacks/vault/versions",
        json={
            "compose": WITH_SECRET.replace("visible", "changed"),
            "variables": {"PW": {"value": SECRET + "-2", "secret": True}},
        },
    )
    assert second.status_code == 201, second.text
    bodies = [
        client.get(path).text
        for path in (
            "/api/v1/stacks/vault/versions/1",
            "/api/v1/stacks/vault/versions/2",
            "/api/v1/stacks/vault/versions",
            "/api/v1/stacks/vault/versions/1/diff/2",
            "/api/v1/audit?limit=100",
        )
    ]
    assert all(SECRET not in body for body in bodies)
    version = client.get("/api/v1/stacks/vault/versions/1").json()
    assert version["definition"]["services"]["app"]["environment"]["DB_PASSWORD"] == "***"
    assert version["variables"]["PW"] == {"value": "***", "secret": True}
    with runtime.db.read() as session:
        stored = " ".join(
            str((r.definition, r.variables, r.compose_text))
            for r in session.scalars(select(StackVersionRow))
        )
    assert SECRET not in stored and "ciphertext" in stored


def test_a_secret_never_appears_in_an_error_message(client: TestClient) -> None:
    text = f"services:\n  app:\n    image: {IMAGE}\n    ports: ['${{PORT}}:80']\n"
    refused = client.post(
        "/api/v1/stacks",
        json={
            "name": "leaky",
            "compose": text,
            "variables": {"PORT": {"value": "not-a-port-" + SECRET, "secret": True}},
        },
    )
    assert refused.status_code == 422
    assert SECRET not in refused.text


def test_secrets_need_a_key_and_short_ones_are_refused(database_url: str) -> None:
    from core_monitor.api.app import create_app
    from tests.support.helpers import login

    runtime = Runtime.build(make_settings(database_url, secret_key=None))
    with TestClient(create_app(runtime, run_worker=False)) as client:
        login(client)
        secret = {"PW": {"value": SECRET, "secret": True}}
        body = {"name": "nokey", "compose": WITH_SECRET, "variables": secret}
        refused = client.post("/api/v1/stacks", json=body)
        assert refused.status_code == 422
        assert "COREMON_SECRET_KEY" in refused.text
    runtime = Runtime.build(make_settings(database_url))
    with TestClient(create_app(runtime, run_worker=False)) as client:
        login(client)
        short = {**body, "variables": {"PW": {"value": "abc", "secret": True}}}
        assert client.post("/api/v1/stacks", json=short).status_code == 422
        assert client.post("/api/v1/stacks", json=body).status_code == 201


def test_the_server_refuses_to_start_without_the_key_or_with_a_wrong_one(
    database_url: str,
) -> None:
    from core_monitor.domain.actor import Actor
    from core_monitor.services.stacks import create_stack

    runtime = Runtime.build(make_settings(database_url))
    create_stack(
        runtime.db,
        Actor("t"),
        name="locked",
        compose=WITH_SECRET,
        variables={"PW": Variable(value=SECRET, secret=True)},
        comment="",
        box=runtime.convergence.box,
    )
    with pytest.raises(ConfigurationError, match="COREMON_SECRET_KEY is not set"):
        Runtime.build(make_settings(database_url, secret_key=None))
    with pytest.raises(ConfigurationError, match="does not decrypt"):
        Runtime.build(make_settings(database_url, secret_key="another-key-of-enough-length"))
