"""The multi-host tests' second engine is what a second machine would be: another engine ID,
reachable only over TLS with a client certificate, running containers of its own."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from docker.tls import TLSConfig

from tests.support.docker_probe import require_docker
from tests.support.second_engine import IMAGE, SecondEngine, start_second_engine

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecondEngine]:
    require_docker()
    started = start_second_engine(Path(tmp_path_factory.mktemp("second-engine")))
    yield started
    started.remove()


def test_the_second_engine_is_another_machine_behind_tls(
    engine: SecondEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    # requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE (set on this machine) override a
    # session's own CA: a client of a TLS engine must not read them (the host registry
    # will build its clients with trust_env off)
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    tls = TLSConfig(
        client_cert=(str(engine.tls / "cert.pem"), str(engine.tls / "key.pem")),
        ca_cert=str(engine.tls / "ca.pem"),
        verify=True,
    )
    second = docker.DockerClient(base_url=engine.url.replace("tcp://", "https://"), tls=tls)
    first = docker.from_env()
    assert second.info()["ID"] != first.info()["ID"]
    container = second.containers.run(IMAGE, ["sleep", "30"], detach=True, name="e2-probe")
    try:
        assert not first.api.containers(all=True, filters={"name": "e2-probe"})
    finally:
        container.remove(force=True)
    # no client certificate: the engine refuses the handshake
    with pytest.raises(docker.errors.DockerException, match=r"(?i)certificate|handshake|ssl"):
        docker.DockerClient(
            base_url=engine.url.replace("tcp://", "https://"),
            tls=TLSConfig(ca_cert=str(engine.tls / "ca.pem"), verify=True),
        ).info()
