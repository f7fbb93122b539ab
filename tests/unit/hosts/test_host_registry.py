"""The host registry is the one place that builds Docker clients, keyed by host id."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.errors import NotFound
from core_monitor.hosts.registry import LOCAL, Host, HostId, HostRegistry
from tests.support.helpers import make_settings

SRC = Path(__file__).resolve().parents[3] / "src" / "core_monitor"
BUILDS_A_CLIENT = re.compile(r"(?<!class )\bDockerGateway\(")


def test_no_module_outside_hosts_builds_a_docker_client() -> None:
    builders = sorted(
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if BUILDS_A_CLIENT.search(path.read_text())
    )
    assert [b for b in builders if not b.startswith("hosts/")] == []


def test_one_local_host_from_the_settings(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'db'}", docker_host="tcp://10.0.0.7:2375")
    hosts = HostRegistry.from_settings(settings)
    assert hosts.ids == [LOCAL]
    assert hosts.get(LOCAL) is hosts.default()
    assert hosts.default_host().address == "tcp://10.0.0.7:2375"
    listener = hosts.default_host().events_gateway()
    assert listener is not hosts.default()  # its own connection
    assert listener.address == "tcp://10.0.0.7:2375"


def test_an_unknown_host_is_not_found(tmp_path: Path) -> None:
    hosts = HostRegistry.from_settings(make_settings(f"sqlite:///{tmp_path / 'db'}"))
    with pytest.raises(NotFound):
        hosts.get(HostId("elsewhere"))


class Recording(DockerGateway):
    closed = False

    def close(self) -> None:
        self.closed = True


def test_close_all_closes_every_host() -> None:
    local, other = Recording("unix:///a.sock"), Recording("unix:///b.sock")
    hosts = HostRegistry({LOCAL: Host(LOCAL, local), HostId("b"): Host(HostId("b"), other)})
    hosts.close_all()
    assert (local.closed, other.closed) == (True, True)


def test_the_default_host_must_be_registered() -> None:
    with pytest.raises(ValueError, match="default host"):
        HostRegistry({HostId("b"): Host(HostId("b"), Recording("unix:///b.sock"))})
