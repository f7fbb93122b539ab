"""A version is a bundle (issue 15): its files are stored with it, immutable, content-
addressed, bounded; inherited when a new version omits them; listed, read, diffed."""

from __future__ import annotations

import base64
import hashlib

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError

from core_monitor.runtime import Runtime
from core_monitor.store import stacks as stack_store
from core_monitor.store.tables import VersionFileRow

URL = "/api/v1/stacks"
COMPOSE = "services:\n  web:\n    image: busybox:1\n"
CONF = "server { listen 80; }\n"
BINARY = bytes(range(256))
FILES = {"conf/nginx.conf": CONF, "bin/blob": {"base64": base64.b64encode(BINARY).decode()}}
SECRET = "a-secret-file-content-42"
WITH_SECRET = COMPOSE + "    secrets: [pw]\nsecrets:\n  pw:\n    file: ./secrets/pw.txt\n"


def _create(client: TestClient, files: object = FILES, name: str = "bundled") -> None:
    created = client.post(URL, json={"name": name, "compose": COMPOSE, "files": files})
    assert created.status_code == 201, created.text


def _files(client: TestClient, version: int, name: str = "bundled") -> list[dict[str, object]]:
    listed = client.get(f"{URL}/{name}/versions/{version}/files")
    assert listed.status_code == 200, listed.text
    return list(listed.json())


def _hash(client: TestClient, version: int) -> str:
    return str(client.get(f"{URL}/bundled/versions/{version}").json()["content_hash"])


def test_a_stack_is_created_with_its_files_listed_and_read_back(client: TestClient) -> None:
    _create(client)
    assert _files(client, 1) == [
        {
            "path": "bin/blob",
            "size": 256,
            "sha256": hashlib.sha256(BINARY).hexdigest(),
            "secret": False,
        },
        {
            "path": "conf/nginx.conf",
            "size": len(CONF),
            "sha256": hashlib.sha256(CONF.encode()).hexdigest(),
            "secret": False,
        },
    ]
    one = client.get(f"{URL}/bundled/versions/1/files/conf/nginx.conf")
    assert one.status_code == 200 and one.text == CONF
    assert client.get(f"{URL}/bundled/versions/1/files/bin/blob").content == BINARY
    assert client.get(f"{URL}/bundled/versions/1/files/nope").status_code == 404


def test_a_new_version_without_files_inherits_them_with_them_they_replace(
    client: TestClient,
) -> None:
    _create(client)
    versions = f"{URL}/bundled/versions"
    assert client.post(versions, json={"compose": COMPOSE}).status_code == 201
    assert _files(client, 2) == _files(client, 1)
    replaced = client.post(versions, json={"compose": COMPOSE, "files": {"a.env": "X=1\n"}})
    assert replaced.status_code == 201, replaced.text
    assert [f["path"] for f in _files(client, 3)] == ["a.env"]
    assert client.post(versions, json={"compose": COMPOSE, "files": {}}).status_code == 201
    assert _files(client, 4) == []


def test_same_content_same_hash_a_changed_file_a_new_hash(client: TestClient) -> None:
    _create(client)
    versions = f"{URL}/bundled/versions"
    client.post(versions, json={"compose": COMPOSE, "files": FILES})
    changed = {**FILES, "conf/nginx.conf": CONF + "# more\n"}
    client.post(versions, json={"compose": COMPOSE, "files": changed})
    client.post(versions, json={"compose": COMPOSE, "files": {}})
    assert _hash(client, 1) == _hash(client, 2)
    assert len({_hash(client, 1), _hash(client, 3), _hash(client, 4)}) == 3


def test_the_diff_lists_the_files_that_changed(client: TestClient) -> None:
    _create(client)
    new = {"conf/nginx.conf": CONF + "# more\n", "added.txt": "x"}
    client.post(f"{URL}/bundled/versions", json={"compose": COMPOSE, "files": new})
    diff = client.get(f"{URL}/bundled/versions/1/diff/2")
    assert diff.status_code == 200, diff.text
    assert diff.json()["files"] == [
        {"path": "added.txt", "change": "added"},
        {"path": "bin/blob", "change": "removed"},
        {"path": "conf/nginx.conf", "change": "changed"},
    ]


@pytest.mark.parametrize("path", ["../x", "/etc/passwd", "a/../../b", "a\\b"])
def test_an_unsafe_path_is_422_naming_it(client: TestClient, path: str) -> None:
    body = {"name": "bad", "compose": COMPOSE, "files": {path: "x"}}
    refused = client.post(URL, json=body)
    assert refused.status_code == 422, refused.text
    assert f"files.{path}" in [e["path"] for e in refused.json()["errors"]]
    assert client.get(f"{URL}/bad").status_code == 404  # nothing written


def test_bad_base64_is_422_naming_the_file(client: TestClient) -> None:
    body = {"name": "bad", "compose": COMPOSE, "files": {"x.bin": {"base64": "&&&"}}}
    refused = client.post(URL, json=body)
    assert refused.status_code == 422
    assert "files.x.bin" in refused.text


def test_stored_files_cannot_be_changed(client: TestClient, runtime: Runtime) -> None:
    _create(client)
    with pytest.raises(DBAPIError), runtime.db.write() as session:
        session.execute(update(VersionFileRow).values(content=b"tampered"))


def test_the_engine_gets_the_versions_files(client: TestClient, runtime: Runtime) -> None:
    _create(client)
    stack_id = client.get(f"{URL}/bundled").json()["stack_id"]
    files = runtime.convergence.versions.get(stack_id, 1).files
    assert files == {"conf/nginx.conf": CONF.encode(), "bin/blob": BINARY}


def test_a_secret_file_is_encrypted_at_rest_and_masked(
    client: TestClient, runtime: Runtime
) -> None:
    files = {"secrets/pw.txt": SECRET, "conf/nginx.conf": CONF}
    created = client.post(URL, json={"name": "sealed", "compose": WITH_SECRET, "files": files})
    assert created.status_code == 201, created.text
    listed = {f["path"]: f for f in _files(client, 1, "sealed")}
    assert listed["secrets/pw.txt"]["secret"] is True
    assert listed["secrets/pw.txt"]["sha256"] is None
    one = client.get(f"{URL}/sealed/versions/1/files/secrets/pw.txt")
    assert one.status_code == 200 and SECRET not in one.text
    with runtime.db.read() as session:
        stored = session.query(VersionFileRow).filter_by(path="secrets/pw.txt").one()
    assert SECRET.encode() not in stored.content


def test_a_deleted_stacks_files_stay_readable_and_restore_carries_them(
    client: TestClient, runtime: Runtime
) -> None:
    _create(client)
    stack_id = client.get(f"{URL}/bundled").json()["stack_id"]
    with runtime.db.write() as session:
        stack_store.soft_delete(session, stack_id)
    assert len(_files(client, 1, stack_id)) == 2
    one = client.get(f"{URL}/{stack_id}/versions/1/files/conf/nginx.conf")
    assert one.text == CONF
    restored = client.post(f"{URL}/{stack_id}/restore", json={"version": 1, "name": "again"})
    assert restored.status_code == 201, restored.text
    assert _files(client, 1, "again") == _files(client, 1, stack_id)


def test_the_old_validate_routes_take_files_too(client: TestClient) -> None:
    refused = client.post(f"{URL}/validate", json={"compose": COMPOSE, "files": {"../x": ""}})
    assert refused.status_code == 422 and "files.../x" in refused.text
    _create(client)
    checked = client.post(f"{URL}/bundled/validate", json={"compose": COMPOSE, "files": {}})
    assert checked.status_code == 200 and checked.json()["valid"] is True


def test_an_override_file_in_the_bundle_is_merged_as_compose_up_merges_it(
    client: TestClient,
) -> None:
    """Without `-f`, `docker compose up` merges compose.override.yaml over compose.yaml."""
    override = "services:\n  web:\n    environment: {MODE: dev}\n    ports: ['127.0.0.1:8088:80']\n"
    _create(client, files={"compose.override.yaml": override}, name="overridden")
    web = client.get(f"{URL}/overridden/versions/1").json()["definition"]["services"]["web"]
    assert web["environment"] == {"MODE": "dev"}
    assert [p["published"] for p in web["ports"]] == ["8088"]
    bad = client.post(
        f"{URL}/overridden/versions",
        json={"compose": COMPOSE, "files": {"compose.override.yaml": "services: [x]\n"}},
    )
    assert bad.status_code == 422, bad.text


def test_compose_file_names_the_files_merged_in_order(client: TestClient) -> None:
    """`COMPOSE_FILE=compose.yaml:compose.prod.yaml`, Compose's own way to say `-f a -f b`."""
    prod = "services:\n  web:\n    environment: {MODE: prod}\n"
    created = client.post(
        URL,
        json={
            "name": "prod",
            "compose": COMPOSE,
            "files": {"compose.prod.yaml": prod, "compose.override.yaml": "services: [x]\n"},
            "variables": {"COMPOSE_FILE": {"value": "compose.yaml:compose.prod.yaml"}},
        },
    )
    assert created.status_code == 201, created.text
    web = client.get(f"{URL}/prod/versions/1").json()["definition"]["services"]["web"]
    assert web["environment"] == {"MODE": "prod"}
    missing = client.post(
        f"{URL}/prod/versions",
        json={
            "compose": COMPOSE,
            "files": {},
            "variables": {"COMPOSE_FILE": {"value": "compose.yaml:compose.qa.yaml"}},
        },
    )
    assert missing.status_code == 422 and "compose.qa.yaml" in missing.text, missing.text
