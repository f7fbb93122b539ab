"""Adoption's verification and reconstruction, on inspect documents recorded from a project
Docker Compose v2 started (tests/fixtures/engine/adopt: compose.yaml, project "adoptx")."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from core_monitor.compose import load_compose
from core_monitor.engine.adoption import Difference, compare
from core_monitor.engine.container_spec import build
from core_monitor.engine.docker.render import render_request
from core_monitor.engine.reconstruct import reconstruct

ADOPT = Path(__file__).resolve().parents[2] / "fixtures" / "engine" / "adopt"
PROJECT = "adoptx"
FILE = (ADOPT / "compose.yaml").read_text()
IMAGE: dict[str, Any] = json.loads((ADOPT / "image.json").read_text())


def inspected(service: str) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((ADOPT / f"{service}.json").read_text())
    return found


def differences(text: str, service: str, found: dict[str, Any] | None = None) -> list[Difference]:
    project = load_compose(text, {}, project_name=PROJECT)
    ours = render_request(build(project, service, {}), "1.44", IMAGE["Id"])
    return compare(ours, found or inspected(service), IMAGE["Config"])


@pytest.mark.parametrize("service", ["db", "web"])
def test_the_file_compose_ran_matches_its_containers(service: str) -> None:
    assert differences(FILE, service) == []


def test_each_differing_field_is_named_with_both_values() -> None:
    changed = (
        FILE.replace("MODE: blue", "MODE: green")
        .replace("18651:80", "18652:80")
        .replace("unless-stopped", "always")
    )
    assert differences(changed, "web") == [
        Difference("environment.MODE", "green", "blue"),
        Difference(
            "ports", {"80/tcp": [["127.0.0.1", "18652"]]}, {"80/tcp": [["127.0.0.1", "18651"]]}
        ),
        Difference("restart", ["always", 0], ["unless-stopped", 0]),
    ]
    assert differences(FILE, "db") == []


def test_image_defaults_count_as_set_and_compose_labels_do_not() -> None:
    found = inspected("web")
    # the image's own command and PATH: not in the file, not a difference
    without_command = FILE.replace('    command: ["sleep", "3600"]\n', "", 2)
    found["Config"]["Cmd"] = IMAGE["Config"]["Cmd"]
    assert differences(without_command, "web", found) == []
    extra = copy.deepcopy(found)
    extra["Config"]["Labels"]["by.hand"] = "yes"
    extra["Config"]["Env"].append("EXTRA=1")
    assert [d.field for d in differences(without_command, "web", extra)] == [
        "environment.EXTRA",
        "labels.by.hand",
    ]


def test_a_named_volume_compose_binds_is_the_mount_we_would_make() -> None:
    found = inspected("db")
    assert found["HostConfig"]["Binds"] == ["adoptx_data:/data:rw"]
    read_only = FILE.replace("[data:/data]", "[data:/data:ro]")
    assert [d.field for d in differences(read_only, "db", found)] == ["volumes"]


def test_other_image_and_other_network_differ() -> None:
    found = inspected("web")
    found["Image"] = "sha256:" + "0" * 64
    found["NetworkSettings"]["Networks"] = {"elsewhere": {"Aliases": []}}
    fields = [d.field for d in differences(FILE, "web", found)]
    assert fields == ["image", "networks"]


def test_a_reconstructed_file_matches_the_containers_it_was_made_from() -> None:
    containers = [inspected("db"), inspected("web")]
    text = reconstruct(PROJECT, containers, {"coremon-test/busybox:latest": IMAGE["Config"]})
    project = load_compose(text, {}, project_name=PROJECT)
    assert sorted(project.services) == ["db", "web"]
    web = project.services["web"]
    assert web.environment == {"MODE": "blue"}  # PATH is the image's
    assert web.labels == {"app.tier": "front"}  # Compose's own labels left out
    assert web.restart == "unless-stopped"
    assert list(web.depends_on) == ["db"]
    assert sorted(project.volumes) == ["data"]
    assert differences(text, "db") == [] and differences(text, "web") == []


def test_reconstruction_doubles_dollars_and_keeps_external_volumes() -> None:
    found = inspected("db")
    found["Config"]["Env"].append("PRICE=$5")
    found["HostConfig"]["Binds"] = ["shared:/shared:ro"]
    text = reconstruct(PROJECT, [found], {"coremon-test/busybox:latest": IMAGE["Config"]})
    project = load_compose(text, {}, project_name=PROJECT)
    assert project.services["db"].environment["PRICE"] == "$5"
    assert project.volumes["shared"].external and project.volumes["shared"].name == "shared"
    assert project.services["db"].volumes[0].read_only


RICH = ADOPT / "rich"  # entrypoint, user, expose, cap_add, read_only, init, tmpfs, a bind,
# two networks with an alias, logging, healthcheck, on-failure:3, replicas, network_mode


def rich_containers() -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(RICH.glob("*.json"))]


def rich_differences(text: str) -> dict[str, list[Difference]]:
    project = load_compose(text, {}, project_name="adoptr")
    found = {}
    for container in rich_containers():
        labels = container["Config"]["Labels"]
        config = build(
            project,
            labels["com.docker.compose.service"],
            {},
            number=int(labels["com.docker.compose.container-number"]),
            engine_api=(1, 44),
        )
        ours = render_request(config, "1.44", IMAGE["Id"])
        found[container["Name"]] = compare(ours, container, IMAGE["Config"])
    return found


def test_a_richer_project_matches_its_file_and_its_reconstruction() -> None:
    everything_matches = {"/adoptr-app-1": [], "/adoptr-job-1": [], "/adoptr-job-2": []}
    assert rich_differences((RICH / "compose.yaml").read_text()) == everything_matches
    rebuilt = reconstruct(
        "adoptr", rich_containers(), {"coremon-test/busybox:latest": IMAGE["Config"]}
    )
    assert rich_differences(rebuilt) == everything_matches
    assert "cap_add" in rebuilt and "aliases" in rebuilt and "replicas: 2" in rebuilt


def test_a_setting_made_by_hand_that_the_file_lacks_is_a_difference() -> None:
    text = (RICH / "compose.yaml").read_text().replace("    cap_add: [NET_ADMIN]\n", "")
    assert [d.field for d in rich_differences(text)["/adoptr-app-1"]] == ["CapAdd"]
