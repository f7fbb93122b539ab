"""The docker-py ContainerAccess on a real engine: stdin streamed to the command (10 MiB,
end of file seen), stdout and stderr both kept, output bounded, the exit code, a time-out
that does not hang, and put_archive."""

from __future__ import annotations

import io
import subprocess
import tarfile
import uuid
from collections.abc import Iterator

import pytest

from core_monitor.engine.docker.exec import DockerContainerAccess, ExecTimedOut
from core_monitor.engine.docker.gateway import DockerGateway
from tests.support.docker_probe import docker, require_docker

pytestmark = pytest.mark.docker


@pytest.fixture
def box() -> Iterator[DockerContainerAccess]:
    require_docker()
    name = f"coremon-cacc-{uuid.uuid4().hex[:8]}"
    docker("run", "-d", "--name", name, "coremon-test/busybox:latest")
    gateway = DockerGateway()
    try:
        yield DockerContainerAccess(gateway, name, max_output=4096)
    finally:
        gateway.close()
        subprocess.run(["docker", "rm", "-f", name], capture_output=True)


def test_stdin_is_streamed_to_its_end_and_both_outputs_come_back(
    box: DockerContainerAccess,
) -> None:
    data = io.BytesIO(b"x" * (10 * 1024 * 1024))
    result = box.run(["sh", "-c", "wc -c; echo oops >&2; exit 3"], stdin=data)
    assert result.exit_code == 3
    # two pipes in the container: their order on the connection is not defined
    assert sorted(result.output.split()) == [b"10485760", b"oops"]


def test_output_is_bounded(box: DockerContainerAccess) -> None:
    result = box.run(["sh", "-c", "yes | head -c 100000"])
    assert result.exit_code == 0
    assert result.output.startswith(b"y\ny\n")
    assert result.output.endswith(b"[95904 more bytes not kept]")


def test_a_command_outliving_its_timeout_is_abandoned(box: DockerContainerAccess) -> None:
    with pytest.raises(ExecTimedOut):
        box.run(["sleep", "30"], timeout=1)


def test_put_archive_unpacks_into_the_directory(box: DockerContainerAccess) -> None:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("d/hello.txt")
        info.size = 5
        tar.addfile(info, io.BytesIO(b"hello"))
    buffer.seek(0)
    box.put_archive("/tmp", buffer)
    assert box.run(["cat", "/tmp/d/hello.txt"]).output == b"hello"
