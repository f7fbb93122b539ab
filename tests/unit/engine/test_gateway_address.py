"""Engine addresses: unix socket, tcp with TLS from the usual variables, ssh."""

from __future__ import annotations

import subprocess
from pathlib import Path

import docker.tls

from core_monitor.engine.docker.connection import client_arguments, engine_address


def test_configured_address_wins() -> None:
    assert engine_address("unix:///x.sock") == "unix:///x.sock"


def test_plain_unix_and_ssh() -> None:
    assert client_arguments("unix:///var/run/docker.sock", {}) == {
        "base_url": "unix:///var/run/docker.sock",
        "use_ssh_client": False,
    }
    assert client_arguments("ssh://ops@engine", {})["use_ssh_client"] is True


def test_tcp_with_tls_verification_uses_the_cert_path(tmp_path: Path) -> None:
    for name in ("ca", "cert", "key"):
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=test",
                "-keyout",
                str(tmp_path / f"{name}-key.pem"),
                "-out",
                str(tmp_path / f"{name}.pem"),
            ],
            check=True,
            capture_output=True,
        )
    (tmp_path / "key.pem").write_bytes((tmp_path / "cert-key.pem").read_bytes())
    arguments = client_arguments(
        "tcp://127.0.0.1:2376", {"DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": str(tmp_path)}
    )
    assert arguments["base_url"] == "tcp://127.0.0.1:2376"  # docker-py speaks https with tls
    tls = arguments["tls"]
    assert isinstance(tls, docker.tls.TLSConfig)
    assert tls.verify is True
    assert tls.ca_cert == str(tmp_path / "ca.pem")
    assert tls.cert == (str(tmp_path / "cert.pem"), str(tmp_path / "key.pem"))
