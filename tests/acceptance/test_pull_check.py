"""An image absent here whose registry does not answer, on a real engine: the plan says so
and an APPLY or ROLLBACK of it is refused when asked (409), not FAILED after the fact."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.support.api_client import Api
from tests.support.docker_probe import containers
from tests.support.server import ServerProcess, served

STACK_PREFIX = "pull"  # the shared `stack` fixture: <prefix>-<random>

PRESENT = "coremon-test/busybox:latest"


def stack_text(image: str) -> str:
    return f'services:\n  app:\n    image: {image}\n    command: ["sleep", "3600"]\n'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    yield from served(tmp_path_factory, "pullcheck")


@pytest.mark.parametrize(
    ("image", "registry"),
    [("registry.invalid/x:1", "registry.invalid"), ("127.0.0.1:9/x:1", "127.0.0.1:9")],
)
def test_plan_says_the_registry_does_not_answer_and_apply_is_refused(
    api: Api, stack: str, image: str, registry: str
) -> None:
    api.create_stack(stack, stack_text(image))
    started = time.monotonic()
    pull = api.plan(stack, 1)[0]
    assert time.monotonic() - started < 5  # the registry is asked with a bound
    assert (pull["kind"], pull["target"], pull["cause"]) == ("pull_image", image, "missing")
    assert pull["details"]["registry_unreachable"] == registry
    assert f"registry {registry} does not answer" in pull["reason"]
    for path in (f"/stacks/{stack}/apply/1", f"/stacks/{stack}/rollback/1"):
        refused = api.http.post(path)
        assert refused.status_code == 409, (path, refused.text)
        assert f"image {image}" in refused.json()["detail"]
    assert api.http.get("/commands", params={"stack_id": stack}).json()["total"] == 0
    assert containers(stack) == {}


def test_an_image_present_here_is_not_checked_and_applies(api: Api, stack: str) -> None:
    api.create_stack(stack, stack_text(PRESENT))
    assert api.plan(stack, 1)[0]["details"]["registry_unreachable"] is None
    api.apply(stack, 1)
    assert len(containers(stack)) == 1
