"""GET /images on the real engine: the local images by reference (what a stack can use without
a registry, which the editor offers), for viewers."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from tests.support.docker_probe import docker, require_docker
from tests.support.helpers import login

IMAGE = "coremon-test/busybox:latest"


@pytest.fixture
def extra_tag() -> Iterator[str]:
    """A tag of our own on the test image (removed after: the image itself stays)."""
    require_docker()
    tag = f"coremon-test/images-probe:{uuid.uuid4().hex[:8]}"
    docker("tag", IMAGE, tag)
    yield tag
    docker("rmi", tag)


def test_the_engines_local_images_by_reference(client: TestClient, extra_tag: str) -> None:
    response = client.get("/api/v1/images")
    assert response.status_code == 200, response.text
    images = {image["reference"]: image for image in response.json()}
    image_id = docker("image", "inspect", "-f", "{{.Id}}", IMAGE).strip()
    assert images[IMAGE]["id"] == image_id
    assert images[extra_tag]["id"] == image_id  # each tag of one image is offered
    assert images[IMAGE]["size"] > 0
    references = [image["reference"] for image in response.json()]
    assert references == sorted(references)
    assert not any("<none>" in r for r in references)


def test_viewers_read_the_images_a_stack_only_role_does_not(
    client: TestClient, extra_tag: str
) -> None:
    assert (
        client.post(
            "/api/v1/stacks", json={"name": "one", "compose": "services:\n  a:\n    image: x\n"}
        ).status_code
        == 201
    )
    for name, role, stacks in (("ivy", "viewer", {}), ("sam", None, {"one": "operator"})):
        body = {"username": name, "password": f"{name}-password", "role": role}
        created = client.post("/api/v1/users", json={**body, "stack_roles": stacks})
        assert created.status_code == 201, created.text
    for name, expected in (("ivy", 200), ("sam", 403)):
        other = TestClient(client.app)
        login(other, name, f"{name}-password")
        assert other.get("/api/v1/images").status_code == expected, name
