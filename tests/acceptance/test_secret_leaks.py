"""Secrets never reach a viewer, in any encoding, on a real engine through a real server: a
container that prints its secret environment in its logs, its health check and its command
line; and its configuration hash is no oracle for guessing a secret."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from core_monitor.compose import load_compose, service_config_hash
from tests.support.api_client import Api
from tests.support.docker_probe import containers, docker
from tests.support.server import ServerProcess, served

STACK_PREFIX = "leak"  # the shared `stack` fixture: <prefix>-<random>

IMAGE = "coremon-test/busybox:latest"
RUN = uuid.uuid4().hex[:8]
ORDINARY = "ready on port"  # also a plain part of the container's own output
SECRETS = {
    "QUOTE": f'say "cheese" {RUN}',
    "BACKSLASH": f"C:\\temp\\{RUN}\\",
    "UNICODE": f"pässwörd-é-😀-{RUN}",
    "NEWLINE": f"first-line-{RUN}\nsecond-line-{RUN}",
    "ORDINARY": ORDINARY,
    "STRUCTURE": '"stream":"stdout"',  # the logs answer's own JSON syntax
}
ENVIRONMENT = "".join(f"      S_{k}: ${{{k}}}\n" for k in SECRETS)
PRINTER = f"""
services:
  app:
    image: {IMAGE}
    init: true
    environment:
{ENVIRONMENT}    command:
      - sh
      - -c
      - 'env; echo "service ready on port 8080"; while :; do sleep 1; echo tick; done'
      - coremon
      - ${{QUOTE}}
      - ${{BACKSLASH}}
    healthcheck:
      test: ["CMD-SHELL", "env"]
      interval: 1s
      timeout: 5s
      retries: 3
"""


def encodings(secret: str) -> set[str]:
    """Every form a secret can take in an answer: as is, JSON-escaped, ASCII-escaped JSON;
    for a secret that spans lines, each of its lines (logs report line by line)."""
    forms = {json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    if secret == SECRETS["STRUCTURE"]:
        return forms  # as is, it is the JSON syntax of every log line: only its escapes leak
    return forms | {secret, *secret.split("\n")}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from served(tmp_path_factory, "secrets")


def viewer(server: ServerProcess, admin: Api) -> httpx.Client:
    token = admin.http.post("/tokens", json={"name": f"v-{uuid.uuid4().hex[:6]}", "role": "viewer"})
    assert token.status_code == 201, token.text
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    return httpx.Client(base_url=f"{server.url}/api/v1", headers=headers, timeout=30)


def wait_for_health_output(client: httpx.Client, container: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        body = dict(client.get(f"/containers/{container}").json())
        if body["health_output"]:
            return body
        time.sleep(0.2)
    raise AssertionError(f"no health check output: {body}")


def read_all(client: httpx.Client, paths: list[str]) -> list[str]:
    bodies = []
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, (path, response.text)
        json.loads(response.text)  # valid JSON: masking never cuts through its syntax
        bodies.append(response.text)
    return bodies


def sse_until(client: httpx.Client, path: str, marker: str, headers: dict[str, str]) -> str:
    """The stream's text up to the data line that contains ``marker``; each data line must be
    valid JSON."""
    seen: list[str] = []
    deadline = time.monotonic() + 20
    with client.stream("GET", path, headers=headers, timeout=20) as stream:
        assert stream.status_code == 200
        for line in stream.iter_lines():
            seen.append(line)
            if line.startswith("data:"):
                json.loads(line[5:])
                if marker in line:
                    return "\n".join(seen)
            assert time.monotonic() < deadline, seen[-5:]
    raise AssertionError(f"the stream ended before {marker!r}: {seen[-5:]}")


def test_no_encoding_of_a_secret_reaches_a_viewer(server: ServerProcess, stack: str) -> None:
    admin = Api(server.url, server.headers)
    client = viewer(server, admin)
    try:
        variables = {k: {"value": v, "secret": True} for k, v in SECRETS.items()}
        admin.create_stack(stack, PRINTER, variables=variables)
        applied = admin.apply(stack, 1)
        container = client.get(f"/stacks/{stack}/containers").json()[0]["id"]
        detail = wait_for_health_output(client, container)
        assert "S_QUOTE=***" in detail["health_output"], detail["health_output"]
        assert detail["command"][-2:] == ["***", "***"]  # the secret arguments
        logs = client.get(f"/containers/{container}/logs", params={"tail": 100}).json()
        lines = [line["line"] for line in logs]
        assert "service *** 8080" in lines, lines  # the ordinary text holding a secret
        assert "S_NEWLINE=***" in lines, lines  # each line of a secret that spans two
        command = applied["command_id"]
        bodies = read_all(
            client,
            [
                f"/containers/{container}",
                f"/containers/{container}/logs?tail=100",
                f"/containers/{container}/logs?tail=100&timestamps=true",
                f"/stacks/{stack}/status",
                f"/stacks/{stack}/containers",
                "/status",
                f"/commands/{command}",
                f"/commands/{command}/logs",
                "/events?after=0",
            ],
        )
        last_event = client.get("/events?after=0").json()[-1]["id"]
        bodies += [
            sse_until(client, f"/commands/{command}/logs?follow=1", "stack is", {}),
            sse_until(
                client,
                "/events",
                f'"id": {last_event}',
                {"Accept": "text/event-stream", "Last-Event-ID": "0"},
            ),
            sse_until(
                client, f"/containers/{container}/logs?follow=1&tail=100", "service *** 8080", {}
            ),
        ]
    finally:
        client.close()
        admin.close()
    leaks = {
        (name, form)
        for name, secret in SECRETS.items()
        for form in encodings(secret)
        for body in bodies
        if form in body
    }
    assert not leaks


HASHED = f"""
services:
  app:
    image: {IMAGE}
    init: true
    environment:
      DB_PASSWORD: ${{PW}}
    command: ["sleep", "300"]
  web:
    image: {IMAGE}
    init: true
    scale: 2
    command: ["sleep", "300"]
"""


def test_the_configuration_hash_confirms_no_guessed_secret(
    server: ServerProcess, stack: str
) -> None:
    guess = f"Winter2025!{RUN}"  # the right guess: an unkeyed hash would confirm it at once
    admin = Api(server.url, server.headers)
    client = viewer(server, admin)
    try:
        admin.create_stack(stack, HASHED, variables={"PW": {"value": guess, "secret": True}})
        applied = admin.apply(stack, 1)
        project = load_compose(HASHED, {"PW": guess}, project_name=stack)
        oracle = service_config_hash(project, "app")
        labels = {n: c["Config"]["Labels"] for n, c in containers(stack).items()}
        hashes = {n: labels[n]["com.docker.compose.config-hash"] for n in labels}
        assert hashes[f"{stack}-app-1"] != oracle  # keyed: the engine's label is no oracle
        # a service without a secret keeps Compose's plain hash: an upgrade recreates nothing
        assert hashes[f"{stack}-web-1"] == service_config_hash(project, "web")
        listed = client.get(f"/stacks/{stack}/containers").json()
        prints = {c["name"]: c["config_hash"] for c in listed}
        assert prints[f"{stack}-web-1"] == prints[f"{stack}-web-2"] != prints[f"{stack}-app-1"]
        bodies = read_all(
            client,
            [
                f"/stacks/{stack}",
                f"/stacks/{stack}/status",
                f"/stacks/{stack}/containers",
                f"/stacks/{stack}/versions/1",
                f"/stacks/{stack}/plan/1",
                "/status",
                "/events?after=0",
                f"/commands/{applied['command_id']}/logs",
                *(f"/containers/{c['id']}" for c in listed),
            ],
        )
        shown = [h[:12] for h in [oracle, *hashes.values()]]
        assert not [h for h in shown for body in bodies if h in body]  # no label, no prefix
        ids = {c["name"]: c["id"] for c in listed}
        admin.new_version(stack, HASHED, variables={"PW": {"value": guess + "?", "secret": True}})
        admin.apply(stack, 2)
        after = {c["name"]: c["id"] for c in client.get(f"/stacks/{stack}/containers").json()}
    finally:
        client.close()
        admin.close()
    assert after[f"{stack}-app-1"] != ids[f"{stack}-app-1"]  # a new secret: recreated
    assert {n: after[n] for n in ids if "-web-" in n} == {
        n: i for n, i in ids.items() if "-web-" in n
    }


def test_a_server_that_did_not_make_the_version_masks_its_secrets(
    server: ServerProcess, stack: str, tmp_path: Path
) -> None:
    """Two servers on one database: the one that reads learns the secrets of the version a
    container runs, though another server made and applied it after it started."""
    reader = ServerProcess(
        server.env["COREMON_DATABASE_URL"], tmp_path / "reader.log", COREMON_WORKER="false"
    ).start()
    secret = f"made-elsewhere-{RUN}"
    compose = f"""
services:
  app:
    image: {IMAGE}
    init: true
    environment:
      PW: ${{PW}}
    command: ["sh", "-c", "echo pw=$$PW; while :; do sleep 1; echo tick; done"]
"""
    admin = Api(server.url, server.headers)
    try:
        admin.create_stack(stack, compose, variables={"PW": {"value": secret, "secret": True}})
        admin.apply(stack, 1)
        container = admin.http.get(f"/stacks/{stack}/containers").json()[0]["id"]
        reader_admin = Api(reader.url, reader.headers)
        client = viewer(reader, reader_admin)
        logs = client.get(f"/containers/{container}/logs", params={"tail": 100}).text
        client.close()
        reader_admin.close()
    finally:
        admin.close()
        reader.stop()
    assert "pw=***" in logs
    assert secret not in logs


INJECTED = f"""
services:
  app:
    image: {IMAGE}
    init: true
    command: ["sleep", "300"]
    secrets: [quoted, {{source: unicode, target: /etc/owned, uid: "1000", mode: 0400}}]
    configs: [{{source: greeting, target: /etc/greeting}}]
secrets:
  quoted: {{environment: QUOTE}}
  unicode: {{environment: UNICODE}}
configs:
  greeting: {{content: "hello ${{NEWLINE}}"}}
"""


def test_compose_secrets_and_configs_reach_no_viewer(server: ServerProcess, stack: str) -> None:
    """Secrets and configs written into the container: their values are in no definition,
    plan, command log or container view."""
    admin = Api(server.url, server.headers)
    client = viewer(server, admin)
    names = ("QUOTE", "UNICODE", "NEWLINE")
    try:
        variables = {k: {"value": SECRETS[k], "secret": True} for k in names}
        admin.create_stack(stack, INJECTED, variables=variables)
        plan = client.get(f"/stacks/{stack}/plan/1")
        applied = admin.apply(stack, 1)
        container = client.get(f"/stacks/{stack}/containers").json()[0]["id"]
        bodies = read_all(
            client,
            [
                f"/stacks/{stack}",
                f"/stacks/{stack}/versions/1",
                f"/stacks/{stack}/containers",
                f"/containers/{container}",
                f"/commands/{applied['command_id']}",
                f"/commands/{applied['command_id']}/logs",
                "/events?after=0",
            ],
        )
        bodies.append(plan.text)
    finally:
        client.close()
        admin.close()
    assert plan.status_code == 200, plan.text
    shown = docker("exec", f"{stack}-app-1", "cat", "/run/secrets/quoted", "/etc/owned")
    assert shown == SECRETS["QUOTE"] + SECRETS["UNICODE"]  # written, yet shown nowhere
    leaks = {
        (name, form)
        for name in names
        for form in encodings(SECRETS[name])
        for body in bodies
        if form in body
    }
    assert not leaks
