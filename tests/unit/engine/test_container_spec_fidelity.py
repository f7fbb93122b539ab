"""The create request for issue 15's keys: what Compose sends, field by field (the engine
conformance test compares the containers themselves)."""

from __future__ import annotations

from core_monitor.compose import load_compose
from core_monitor.engine import container_spec

BASE = "services:\n  app:\n    image: busybox\n"
STORE = "  store:\n    image: busybox\n    deploy: {replicas: 2}\n"


def build(body: str, extra: str = "", **kwargs: object) -> container_spec.ContainerConfig:
    project = load_compose(BASE + body + extra, project_name="p")
    return container_spec.build(project, "app", {}, **kwargs)  # type: ignore[arg-type]


def test_exposed_ports_as_compose_writes_them() -> None:
    config = build("    expose: ['9000', '9100-9101', '53/udp']\n    ports: ['8080:80']\n")
    assert config.create["ports"] == {
        "53/udp": {},
        "80/tcp": {},
        "9000": {},
        "9100-9101": {},
    }


def test_platform_runtime_mac_address_and_memory_reservation() -> None:
    config = build(
        "    platform: linux/amd64\n    runtime: runc\n    mac_address: 02:42:ac:11:00:02\n"
        "    deploy: {resources: {reservations: {memory: 64m, cpus: '0.5'}}}\n"
    )
    assert config.create["platform"] == "linux/amd64"
    assert config.create["mac_address"] == "02:42:ac:11:00:02"
    assert config.host["runtime"] == "runc"
    assert config.host["mem_reservation"] == 64 * 1024 * 1024
    assert "nano_cpus" not in config.host  # Compose maps no CPU reservation either


def test_device_reservations_become_device_requests() -> None:
    config = build(
        "    deploy: {resources: {reservations: {devices: ["
        "{driver: nvidia, capabilities: [gpu]}, {device_ids: ['1'], capabilities: [gpu]}]}}}\n"
    )
    assert config.host["device_requests"] == [
        {
            "Driver": "nvidia",
            "Count": -1,
            "DeviceIDs": None,
            "Capabilities": [["gpu"]],
            "Options": None,
        },
        {"Driver": "", "Count": 0, "DeviceIDs": ["1"], "Capabilities": [["gpu"]], "Options": None},
    ]


def test_links_go_on_every_endpoint_as_compose_writes_them() -> None:
    config = build(
        "    links: ['store:db']\n    external_links: [legacy, 'old:alias']\n", STORE, number=2
    )
    expected = [
        ("p-store-1", "db"),
        ("p-store-1", "store-2"),
        ("p-store-1", "p-store-2"),
        ("p-store-2", "db"),
        ("p-store-2", "store-2"),
        ("p-store-2", "p-store-2"),
        ("legacy", "legacy"),
        ("old", "alias"),
    ]
    assert [e.links for e in config.endpoints] == [expected]


def test_volumes_from_a_service_names_its_first_container_by_id() -> None:
    config = build(
        "    volumes_from: [store, 'store:ro', 'container:other', 'container:x:rw']\n",
        STORE,
        peers={"store": "abc123"},
    )
    assert config.host["volumes_from"] == ["abc123", "abc123:ro", "other", "x:rw"]


def test_start_interval_is_refused_on_an_engine_older_than_api_1_44() -> None:
    project = load_compose(
        BASE + "    healthcheck: {test: [CMD, 'true'], start_interval: 2s}\n", project_name="p"
    )
    spec = project.services["app"]
    problem = container_spec.engine_problem(spec, (1, 41))
    assert problem is not None and "start_interval" in problem
    assert container_spec.engine_problem(spec, (1, 44)) is None
    config = container_spec.build(project, "app", {}, engine_api=(1, 44))
    assert config.create["healthcheck"]["start_interval"] == 2_000_000_000
