"""Issue 15's loader keys that need no bundle, and the Compose differences on environment,
COMPOSE_PROJECT_NAME and mount targets (each agrees with `docker compose config`, see the
oracle fixtures; these are the fast checks)."""

from __future__ import annotations

import pytest

from core_monitor.compose import load_compose
from core_monitor.domain.compose import ComposeProject
from core_monitor.errors import ValidationFailed


def load(body: str, extra: str = "", name: str = "stack", **variables: str) -> ComposeProject:
    text = "services:\n  web:\n    image: nginx\n" + body + extra
    return load_compose(text, variables, project_name=name)


def paths(body: str, extra: str = "") -> list[str]:
    with pytest.raises(ValidationFailed) as info:
        load(body, extra)
    return [e.path for e in info.value.errors]


STORE = "  store:\n    image: busybox\n"


def test_bare_environment_names_take_the_versions_variables() -> None:
    web = load("    environment: [N8N_PATH, ABSENT, EMPTY]\n", N8N_PATH="/n8n/", EMPTY="")
    assert web.services["web"].environment == {"N8N_PATH": "/n8n/", "ABSENT": None, "EMPTY": ""}
    mapped = load("    environment:\n      N8N_PATH:\n      KEPT: x\n", N8N_PATH="/p")
    assert mapped.services["web"].environment == {"N8N_PATH": "/p", "KEPT": "x"}


def test_compose_project_name_is_the_stack_name_whatever_the_variables_say() -> None:
    project = load(
        "    environment: [COMPOSE_PROJECT_NAME, 'S=${COMPOSE_PROJECT_NAME}']\n",
        name="blog",
        COMPOSE_PROJECT_NAME="other",
    )
    assert project.services["web"].environment == {"COMPOSE_PROJECT_NAME": "blog", "S": "blog"}


@pytest.mark.parametrize(
    ("entry", "target"),
    [
        ("/srv:/media/", "/media"),
        ("data:/var//lib/./data/", "/var/lib/data"),
        ("/anon/", "/anon"),
        ("{type: tmpfs, target: /run/x/}", "/run/x"),
    ],
)
def test_mount_targets_are_cleaned_like_compose(entry: str, target: str) -> None:
    project = load(
        f"    volumes: ['{entry}']\n" if "{" not in entry else f"    volumes: [{entry}]\n",
        "volumes:\n  data:\n",
    )
    assert project.services["web"].volumes[0].target == target


def test_runtime_options_are_kept() -> None:
    web = load(
        "    platform: linux/arm64\n    runtime: runc\n    mac_address: 02:42:ac:11:00:02\n"
        "    attach: false\n"
    ).services["web"]
    assert (web.platform, web.runtime, web.mac_address, web.attach) == (
        "linux/arm64",
        "runc",
        "02:42:ac:11:00:02",
        False,
    )


def test_links_and_volumes_from_make_dependencies_like_compose() -> None:
    project = load("    links: ['store:db']\n    volumes_from: [store, 'container:x:ro']\n", STORE)
    web = project.services["web"]
    assert web.links == ["store:db"]
    assert web.volumes_from == ["store", "container:x:ro"]
    dep = web.depends_on["store"]
    assert (dep.condition, dep.required, dep.restart) == ("service_started", True, True)
    only_volumes = load("    volumes_from: ['store:ro']\n", STORE).services["web"]
    assert only_volumes.depends_on["store"].restart is False


def test_unknown_or_malformed_references_are_named() -> None:
    assert paths("    links: [nowhere]\n") == ["services.web.links[0]"]
    assert paths("    volumes_from: [nowhere]\n") == ["services.web.volumes_from[0]"]
    assert paths("    volumes_from: ['store:rx']\n", STORE) == ["services.web.volumes_from[0]"]
    assert paths("    volumes_from: ['container:']\n") == ["services.web.volumes_from[0]"]


def test_links_need_the_services_own_networks() -> None:
    assert paths("    network_mode: host\n    external_links: [x]\n") == [
        "services.web.external_links"
    ]


def test_deploy_mode_global_is_refused_as_swarm_only() -> None:
    assert load("    deploy: {mode: replicated}\n").services["web"].replicas == 1
    with pytest.raises(ValidationFailed) as info:
        load("    deploy: {mode: global}\n")
    (error,) = info.value.errors
    assert error.path == "services.web.deploy.mode"
    assert "Swarm" in error.message


def test_reservations() -> None:
    body = (
        "    deploy:\n      resources:\n        reservations:\n"
        "          cpus: '0.5'\n          memory: 64m\n"
        "          devices: [{driver: nvidia, count: all, capabilities: [gpu]}]\n"
    )
    reservations = load(body).services["web"].reservations
    assert (reservations.cpus, reservations.memory) == (0.5, 64 * 1024 * 1024)
    (device,) = reservations.devices
    assert (device.driver, device.count, device.capabilities) == ("nvidia", -1, ["gpu"])
