"""`build:` in the loader: short and long form, the context read from the version's files."""

from __future__ import annotations

import pytest

from core_monitor.compose import content_hash, load_compose, service_config_hash
from core_monitor.domain.compose import ComposeProject
from core_monitor.errors import ValidationFailed

FILES = {
    "app/Dockerfile": b"FROM coremon-test/busybox:latest\nCOPY hello.txt /hello.txt\n",
    "app/hello.txt": b"hello\n",
    "Dockerfile.root": b"FROM scratch\n",
}


def load(text: str, files: dict[str, bytes] | None = None, **variables: str) -> ComposeProject:
    return load_compose(
        text, variables, project_name="demo", files=FILES if files is None else files
    )


def paths(text: str, files: dict[str, bytes] | None = None) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as info:
        load(text, files)
    return {e.path: e.message for e in info.value.errors}


def test_short_form_builds_the_directory_and_names_the_image_like_compose() -> None:
    service = load("services: {web: {build: ./app}}").services["web"]
    assert service.image == "demo-web"
    assert service.build is not None
    assert service.build.context == "./app"
    assert service.build.dockerfile == "Dockerfile"
    assert service.build.digest.startswith("sha256:")


def test_long_form_is_normalized_with_interpolated_args() -> None:
    text = """
services:
  api:
    image: myorg/x:1
    build:
      context: app/
      args: ["VERSION=${V}", BARE]
      labels: {role: api}
      target: base
      network: none
      shm_size: 64m
      no_cache: true
    pull_policy: build
"""
    service = load(text, V="1.2").services["api"]
    build = service.build
    assert service.image == "myorg/x:1"
    assert service.pull_policy == "build"
    assert build is not None
    assert (build.context, build.args, build.labels) == (
        "./app",
        {"VERSION": "1.2", "BARE": None},
        {"role": "api"},
    )
    assert (build.target, build.network, build.shm_size, build.no_cache) == (
        "base",
        "none",
        64 * 1024 * 1024,
        True,
    )


def test_the_context_digest_follows_the_files_and_changes_the_hashes() -> None:
    text = "services: {web: {build: ./app}}"
    before = load(text)
    changed = load(text, {**FILES, "app/hello.txt": b"changed\n"})
    elsewhere = load(text, {**FILES, "other.txt": b"not in the context"})
    assert before.services["web"].build != changed.services["web"].build
    assert content_hash(before) != content_hash(changed)
    assert service_config_hash(before, "web") != service_config_hash(changed, "web")
    assert before.services["web"].build == elsewhere.services["web"].build


def test_an_absent_context_or_dockerfile_names_the_path() -> None:
    assert "services.web.build.context" in paths("services: {web: {build: ./nope}}")
    found = paths("services: {web: {build: {context: ., dockerfile: Missing}}}")
    assert "Missing" in found["services.web.build.dockerfile"]
    load("services: {web: {build: {context: ., dockerfile: Dockerfile.root}}}")
    load("services: {web: {build: {context: ., dockerfile_inline: 'FROM scratch'}}}")
    load("services: {web: {build: {dockerfile_inline: 'FROM scratch'}}}", files={})


@pytest.mark.parametrize(
    ("build", "path"),
    [
        ("{context: 'git@github.com:x/y.git'}", "services.web.build.context"),
        ("{context: ../up}", "services.web.build.context"),
        ("{context: /abs}", "services.web.build.context"),
        ("{context: app, dockerfile: ../Dockerfile}", "services.web.build.dockerfile"),
        ("{context: app, ssh: [default]}", "services.web.build.ssh"),
        ("{context: app, secrets: [s]}", "services.web.build.secrets"),
        ("{context: app, additional_contexts: {a: ./b}}", "services.web.build.additional_contexts"),
        ("{context: app, cache_from: [x]}", "services.web.build.cache_from"),
        ("{context: app, network: host}", "services.web.build.network"),
        ("{context: app, whatever: 1}", "services.web.build.whatever"),
    ],
)
def test_what_the_engine_build_cannot_do_is_refused_by_name(build: str, path: str) -> None:
    assert path in paths(f"services: {{web: {{build: {build}}}}}")


def test_a_remote_context_is_refused_as_such() -> None:
    found = paths("services: {web: {build: 'https://github.com/x/y.git'}}")
    assert "remote build contexts are not supported" in found["services.web.build"]


def test_pull_policy_build_needs_a_build_section() -> None:
    found = paths("services: {web: {image: x, pull_policy: build}}")
    assert "needs a `build` section" in found["services.web.pull_policy"]


def test_the_stored_form_round_trips() -> None:
    project = load("services: {web: {build: {context: app, args: {A: '1'}}}}")
    assert ComposeProject.model_validate(project.model_dump(mode="json")) == project
