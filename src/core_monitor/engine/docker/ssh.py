"""An engine reached over SSH (docker-py's paramiko transport), with our key and pinned host key.

docker-py's own SSH adapter takes its key, user and host aliases from ``~/.ssh/config`` and
trusts ``~/.ssh/known_hosts``: the server's own SSH setup. Here the client key is the host
record's (a 0600 file), paramiko looks for no other key and asks no agent, and the server
must show the pinned host key. With no key pinned yet, the key shown is accepted only when
the caller asked for trust on first use (``first_use``), and is then read back with
``host_key_line`` to be pinned.

Each HTTP request is one SSH session channel running ``docker system dial-stdio`` on the
remote, so the remote needs the ``docker`` CLI; the channels of one client are capped below
sshd's default ``MaxSessions`` (10).
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import paramiko
import urllib3.exceptions
from docker.transport.sshconn import SSHConnection, SSHConnectionPool, SSHHTTPAdapter
from docker.types.daemon import CancellableStream

from core_monitor.domain.hosts import key_fingerprint as fingerprint
from core_monitor.engine.errors import EngineUnreachable, HostKeyChanged

SESSIONS = 8  # concurrent channels per client: sshd refuses an 11th session by default
DIAL = "docker system dial-stdio"
STARTUP_RETRIES = (0.2, 0.5, 1.0)  # seconds before each new try of a connection sshd dropped


@dataclass(frozen=True)
class SshAccess:
    """How to log in: the private key file, the pinned host key (``type base64``), and
    whether an unpinned host key may be accepted (the first probe only)."""

    key: Path
    host_key: str | None = None
    first_use: bool = False


class _FirstUse(paramiko.MissingHostKeyPolicy):  # type: ignore[misc]
    """Accept the key of a host with none pinned: asked for explicitly, once."""

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: Any) -> None:
        client.get_host_keys().add(hostname, key.get_name(), key)


class _Pinned(paramiko.MissingHostKeyPolicy):  # type: ignore[misc]
    """A host with no key pinned is not trusted silently."""

    def missing_host_key(self, client: paramiko.SSHClient, hostname: str, key: Any) -> None:
        raise paramiko.SSHException(
            f"no host key is pinned for {hostname}: probe the host (or give its known_host_key)"
        )


class _Connection(SSHConnection):  # type: ignore[misc]
    def connect(self) -> None:
        try:
            super().connect()
        except paramiko.SSHException as exc:
            # an OSError is what urllib3 reports as "no connection" (→ EngineUnreachable)
            raise ConnectionError(f"SSH channel refused: {exc}") from exc


class _Pool(SSHConnectionPool):  # type: ignore[misc]
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.block = True  # wait for a free channel rather than open an 11th session

    def _new_conn(self) -> SSHConnection:
        return _Connection(self.ssh_transport, self.timeout, self.ssh_host)

    def _get_conn(self, timeout: float | None) -> Any:
        try:
            return super()._get_conn(timeout or self.timeout)
        except urllib3.exceptions.EmptyPoolError as exc:
            raise ConnectionError(f"no free SSH channel in {self.timeout} s") from exc


class PinnedSshAdapter(SSHHTTPAdapter):  # type: ignore[misc]
    """docker-py's paramiko adapter, logging in with ``access`` and nothing else."""

    def __init__(self, address: str, access: SshAccess, timeout: float) -> None:
        self._address = address
        self._access = access
        self._connect_timeout = timeout
        super().__init__(address, timeout, max_pool_size=SESSIONS, shell_out=False)

    def _create_paramiko_client(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        port = parts.port or 22
        self.ssh_client = paramiko.SSHClient()
        self.ssh_params = {
            "hostname": parts.hostname,
            "port": port,
            "username": parts.username,
            "key_filename": str(self._access.key),
            "look_for_keys": False,
            "allow_agent": False,
            "timeout": self._connect_timeout,
            "banner_timeout": self._connect_timeout,
            "auth_timeout": self._connect_timeout,
            "channel_timeout": self._connect_timeout,
        }
        self._where = f"{parts.username}@{parts.hostname}:{port}"
        if self._access.host_key is not None:
            kind, blob = self._access.host_key.split()[:2]
            pinned = paramiko.PKey.from_type_string(kind, base64.b64decode(blob))
            known_as = parts.hostname if port == 22 else f"[{parts.hostname}]:{port}"
            self.ssh_client.get_host_keys().add(known_as, kind, pinned)
        first = self._access.first_use and self._access.host_key is None
        self.ssh_client.set_missing_host_key_policy(_FirstUse() if first else _Pinned())

    def _connect(self) -> None:
        try:
            self._connect_through_startups()
        except paramiko.BadHostKeyException as exc:
            offered = fingerprint(f"{exc.key.get_name()} {exc.key.get_base64()}")
            raise HostKeyChanged(
                f"{self._unreachable()}the SSH host key of {self._where} is {offered}, "
                f"not the pinned {fingerprint(self._access.host_key or '')}: "
                "someone may be in the middle, "
                "or the server was reinstalled; nothing is sent there until an admin "
                "confirms the new key",
                offered,
            ) from exc
        except paramiko.AuthenticationException as exc:
            raise EngineUnreachable(
                f"{self._unreachable()}SSH login refused at {self._where}: the host record's "
                "private key is not "
                f"accepted for {self.ssh_params['username']} (is its public key in that user's "
                f"authorized_keys?): {exc}"
            ) from exc
        except (paramiko.SSHException, OSError) as exc:
            raise EngineUnreachable(
                f"{self._unreachable()}no SSH connection to {self._where}: {exc}"
            ) from exc

    def _connect_through_startups(self) -> None:
        """sshd drops connections at random while more than ``MaxStartups`` (10 by default)
        are still logging in: a reset before the banner is tried again, a few times."""
        for delay in STARTUP_RETRIES:
            try:
                self.ssh_client.connect(**self.ssh_params)
                return
            except (paramiko.SSHException, OSError) as exc:
                if not _dropped_at_startup(exc):
                    raise
                self.ssh_client.close()
                time.sleep(delay)
        self.ssh_client.connect(**self.ssh_params)

    def require_docker_cli(self) -> None:
        """The remote end of every request is ``docker system dial-stdio``: without the
        docker CLI there a request ends in a bare "connection aborted". Asked after such a
        failure only (a command costs a session: ~0.2 s)."""
        try:
            _, out, _ = self.ssh_client.exec_command(
                "command -v docker", timeout=self._connect_timeout
            )
            answered = out.channel.status_event.wait(self._connect_timeout)
        except (TimeoutError, paramiko.SSHException) as exc:
            raise EngineUnreachable(
                f"{self._unreachable()}SSH session refused at {self._where}: {exc}"
            ) from exc
        if not answered:
            raise EngineUnreachable(
                f"{self._unreachable()}no answer from a command at {self._where} in time"
            )
        if out.channel.exit_status != 0:
            self.ssh_client.close()
            raise EngineUnreachable(
                f"{self._unreachable()}no docker command at {self._where}: Core Monitor "
                f"reaches the engine there through `{DIAL}`; install the Docker CLI on "
                f"that host (on the PATH of {self.ssh_params['username']})"
            )

    def _unreachable(self) -> str:
        return f"Docker engine unreachable at {self._address}: "

    def get_connection(self, url: str, proxies: Any = None) -> SSHConnectionPool:
        # docker-py keys its pools by the request's URL: a pool (and new channels, each
        # starting a docker CLI there: ~0.2 s) per endpoint, and no bound on sessions in
        # all. Every request shares one pool here.
        url = "ssh"
        with self.pools.lock:
            transport = self.ssh_client.get_transport()
            if transport is None or not transport.is_active():
                # the connection dropped (sshd restarted, network cut): its pools hold the
                # dead transport; log in again (same key, same pin) and start new ones
                self.pools.clear()
                self._connect()
            pool = self.pools.get(url)
            if pool is None:
                pool = _Pool(
                    ssh_client=self.ssh_client,
                    timeout=self.timeout,
                    maxsize=self.max_pool_size,
                    host=self.ssh_host,
                )
                self.pools[url] = pool
        return pool

    def host_key_line(self) -> str | None:
        """The host key the server showed on this connection, as ``type base64``."""
        transport = self.ssh_client.get_transport() if self.ssh_client else None
        if transport is None:
            return None
        key = transport.get_remote_server_key()
        return f"{key.get_name()} {key.get_base64()}"


class _SshStream(CancellableStream):  # type: ignore[misc]
    """docker-py refuses to cancel a stream read from an SSH channel; closing the channel
    ends the blocked read at once (the reader sees the end of the stream)."""

    def close(self) -> None:
        raw = self._response.raw
        channel = getattr(getattr(getattr(raw, "_fp", None), "fp", None), "channel", None)
        if channel is None or raw.closed:
            super().close()
            return
        channel.close()


def cancellable(stream: CancellableStream) -> CancellableStream:
    """An SSH engine's stream (events) that another thread can close, like the others."""
    return _SshStream(stream._stream, stream._response)


def _dropped_at_startup(exc: BaseException) -> bool:
    """A connection sshd closed before its banner (``MaxStartups``), as paramiko says it."""
    if isinstance(exc, paramiko.BadHostKeyException | paramiko.AuthenticationException):
        return False
    return "protocol banner" in str(exc) or isinstance(exc, ConnectionResetError)
