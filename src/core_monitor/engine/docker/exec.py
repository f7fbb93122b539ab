"""``ContainerAccess`` over docker-py: run a command in a container with stdin streamed, and
unpack a tar stream into it. What the deploy drivers use to reach a middleware container.

A command runs as ``docker exec -i`` does: the exec is started on a hijacked connection
(``exec_start(socket=True)``), stdin is copied into it in chunks and its write side closed
(the command sees end of file), while a reader thread takes the multiplexed output frames
(so a command that writes while it reads never blocks on a full pipe). Output is bounded:
the first ``max_output`` bytes are kept, the rest counted. A command that outlives its
timeout is abandoned with ``ExecTimedOut`` (the engine has no way to kill an exec; the
connection is closed, which ends a command reading stdin).
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Sequence
from typing import Any, BinaryIO

from core_monitor.deploy.driver import ExecResult
from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.errors import TerminalError

CHUNK = 64 * 1024
MAX_OUTPUT = 1024 * 1024  # bytes of a command's output kept (its answer, not a log)
HEADER = 8  # a multiplexed frame: stream (1 byte), 3 zero bytes, length (big-endian u32)


class ExecTimedOut(TerminalError):
    """A command run in a container did not end within its time-out."""


class DockerContainerAccess:
    """One container (by id or name) of one engine, as a driver may touch it."""

    def __init__(
        self, gateway: DockerGateway, container: str, max_output: int = MAX_OUTPUT
    ) -> None:
        self._gateway = gateway
        self.container = container
        self._max_output = max_output

    def run(
        self, argv: Sequence[str], *, stdin: BinaryIO | None = None, timeout: float = 60.0
    ) -> ExecResult:
        what = f"exec {argv[0] if argv else ''} in {self.container[:12]}"
        exec_id = self._gateway.call(
            what,
            lambda api: api.exec_create(
                self.container, list(argv), stdin=stdin is not None, tty=False
            )["Id"],
        )
        sock = self._gateway.call(what, lambda api: api.exec_start(exec_id, socket=True))
        raw = _raw_socket(sock)
        output = _Output(self._max_output)
        try:
            self._exchange(raw, stdin, output, time.monotonic() + timeout, what)
        finally:
            _close(sock, raw)
        return ExecResult(self._exit_code(exec_id, what), output.value())

    def put_archive(self, directory: str, tar: BinaryIO) -> None:
        self._gateway.call(
            f"copy into {directory} of {self.container}",
            lambda api: api.put_archive(self.container, directory, tar),
        )

    def _exchange(
        self,
        raw: socket.socket,
        stdin: BinaryIO | None,
        output: _Output,
        deadline: float,
        what: str,
    ) -> None:
        raw.settimeout(max(deadline - time.monotonic(), 0.001))
        reader = threading.Thread(target=_read_frames, args=(raw, output), daemon=True)
        reader.start()
        try:
            if stdin is not None:
                _send_all(raw, stdin, deadline)
                raw.shutdown(socket.SHUT_WR)  # end of file for the command
        except OSError as exc:
            output.failed = output.failed or exc  # the command ended before reading it all
        reader.join(max(deadline - time.monotonic(), 0.0))
        if reader.is_alive() or isinstance(output.failed, TimeoutError):
            raise ExecTimedOut(f"{what}: no end within its time-out")

    def _exit_code(self, exec_id: str, what: str) -> int:
        # the exit code lands a moment after the output's end of file
        for _ in range(50):
            found: dict[str, Any] = self._gateway.call(what, lambda api: api.exec_inspect(exec_id))
            if not found.get("Running") and found.get("ExitCode") is not None:
                return int(found["ExitCode"])
            time.sleep(0.02)
        raise ExecTimedOut(f"{what}: its exit code never came")


def container_access(gateway: DockerGateway, container: str) -> DockerContainerAccess:
    """The access a driver gets to a container of the host this gateway drives."""
    return DockerContainerAccess(gateway, container)


class _Output:
    """The first ``limit`` bytes of a command's output, and how many more came."""

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._kept = bytearray()
        self._dropped = 0
        self.failed: BaseException | None = None

    def add(self, data: bytes) -> None:
        room = self._limit - len(self._kept)
        self._kept += data[:room]
        self._dropped += max(len(data) - room, 0)

    def value(self) -> bytes:
        if not self._dropped:
            return bytes(self._kept)
        return bytes(self._kept) + f"\n[{self._dropped} more bytes not kept]".encode()


def _read_frames(raw: socket.socket, output: _Output) -> None:
    try:
        while header := _recv_exactly(raw, HEADER):
            (length,) = struct.unpack(">4xL", header)
            output.add(_recv_exactly(raw, length))
    except OSError as exc:  # socket.timeout is a TimeoutError, an OSError
        output.failed = exc


def _recv_exactly(raw: socket.socket, size: int) -> bytes:
    data = bytearray()
    while len(data) < size:
        chunk = raw.recv(min(size - len(data), CHUNK))
        if not chunk:
            break
        data += chunk
    return bytes(data)


def _send_all(raw: socket.socket, stdin: BinaryIO, deadline: float) -> None:
    while chunk := stdin.read(CHUNK):
        raw.settimeout(max(deadline - time.monotonic(), 0.001))
        raw.sendall(chunk)


def _raw_socket(sock: Any) -> socket.socket:
    """The socket under what docker-py hands back (a SocketIO for the unix socket)."""
    found = getattr(sock, "_sock", sock)
    if not isinstance(found, socket.socket):
        raise TerminalError(f"an exec's stdin cannot be streamed over {type(found).__name__}")
    return found


def _close(sock: Any, raw: socket.socket) -> None:
    try:
        raw.close()
    finally:
        closer = getattr(sock, "close", None)
        if closer is not None:
            closer()
