"""The host registry: the only place that builds Docker clients.

``local`` is addressed by ``COREMON_DOCKER_HOST``; every other host is a record (POST
/api/v1/hosts) whose client is built on first use from its address and decrypted TLS
material, and rebuilt when the record's address or TLS changes. Services ask it for the
gateway of a stack's host; the worker's commands ask for a *checked* one: the engine there
must answer and be the one trusted, else the command fails at once with why (``HostFailure``,
a cause that does not halt the queue).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import NewType

from core_monitor.domain.commands import FailureCause, HostFailure
from core_monitor.domain.hosts import EngineFacts, HostState, judge
from core_monitor.domain.hosts import Host as HostRecord
from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.engine.errors import EngineFailed, EngineUnreachable
from core_monitor.errors import NotFound
from core_monitor.hosts.clients import PROBE_TIMEOUT, TlsPem, gateway_for, probe
from core_monitor.hosts.ssh_login import unseal
from core_monitor.log import get_logger
from core_monitor.settings import Settings
from core_monitor.store import hosts as host_store
from core_monitor.store.clock import utcnow
from core_monitor.store.db import Database
from core_monitor.vault import SecretBox

HostId = NewType("HostId", str)
LOCAL = HostId("local")
EVENTS_TIMEOUT = 10.0  # seconds; the event listener reconnects rather than hang
COMMAND_TIMEOUT = 60.0  # seconds: one engine call of a command (a pull streams meanwhile)
SEEN_AGAIN = timedelta(seconds=10)  # a check rewrites an unchanged host's record this often

log = get_logger("core_monitor.hosts")


@dataclass(frozen=True)
class Host:
    id: HostId
    gateway: DockerGateway  # shared: reads, plans, convergence

    @property
    def address(self) -> str:
        return self.gateway.address

    def events_gateway(self) -> DockerGateway:
        """A client of its own for the engine's event stream: that long-lived connection is
        dropped and reopened by its listener, never taking the shared client with it."""
        return DockerGateway(
            self.address, timeout=EVENTS_TIMEOUT, tls=self.gateway.tls, ssh=self.gateway.ssh
        )


@dataclass(frozen=True)
class HostRecords:
    """Where the registry reads hosts from: the database, TLS keys opened with the box."""

    db: Database
    box: SecretBox
    data_dir: Path


# what a host's clients are built from: address, sealed TLS, sealed SSH key (+ pinned host key)
_Key = tuple[str, host_store.SealedTls | None, host_store.SealedSsh | None]


@dataclass(frozen=True)
class _Built:
    key: _Key  # rebuilt when any of it changes
    host: Host
    prober: DockerGateway  # short time-out: the check before a command


def engine_changed(record: HostRecord, now: str | None) -> str:
    """The one sentence of a host whose engine is not the trusted one."""
    return (
        f"host {record.name}: the engine at {record.address} is not the one trusted "
        f"(was {record.engine_id}, now {now or 'unknown'}); an admin must confirm it "
        f"(POST /api/v1/hosts/{record.host_id}/confirm)"
    )


class HostRegistry:
    def __init__(
        self,
        hosts: Mapping[HostId, Host],
        default: HostId = LOCAL,
        records: HostRecords | None = None,
    ) -> None:
        if default not in hosts:
            raise ValueError(f"the default host {default!r} is not among {sorted(hosts)}")
        self._fixed = dict(hosts)  # from settings: never rebuilt
        self._default = default
        self._records = records
        self._built: dict[HostId, _Built] = {}
        self._lock = threading.Lock()
        self._listeners: list[Callable[[HostId], None]] = []

    @classmethod
    def from_settings(cls, settings: Settings, db: Database | None = None) -> HostRegistry:
        """``local`` from COREMON_DOCKER_HOST; with ``db``, every host recorded there too."""
        local = Host(LOCAL, DockerGateway(settings.docker_host))
        records = HostRecords(db, SecretBox.of(settings), settings.data_dir) if db else None
        return cls({LOCAL: local}, records=records)

    # -- reads -------------------------------------------------------------------------
    @property
    def ids(self) -> list[HostId]:
        found = set(self._fixed)
        if self._records is not None:
            with self._records.db.read() as session:
                found |= {HostId(h.host_id) for h in host_store.list_hosts(session)}
        return sorted(found)

    def host(self, host_id: str) -> Host:
        """The host's clients, built on first use (rebuilt after its address or TLS changed)."""
        return self._entry(HostId(host_id))[0].host

    def get(self, host_id: str) -> DockerGateway:
        return self.host(host_id).gateway

    def default_host(self) -> Host:
        return self._fixed[self._default]

    def default(self) -> DockerGateway:
        return self.default_host().gateway

    # -- the check before a command ----------------------------------------------------
    def checked(self, host_id: str) -> DockerGateway:
        """The host's gateway once its engine answered and is the trusted one (the state
        seen is recorded); else HostFailure, at once: no retries against a host away."""
        entry, record = self._entry(HostId(host_id))
        if record is None:
            return entry.host.gateway  # no record to check against (settings only)
        try:
            facts, why = probe(entry.prober), None
        except (EngineUnreachable, EngineFailed) as exc:
            facts, why = None, str(exc)
        state = judge(record.engine_id, facts)
        self._remember(record, facts, state, why)
        if state == HostState.UNREACHABLE:
            if not (why or "").startswith("Docker engine unreachable"):
                why = f"Docker engine unreachable at {record.address}: {why}"
            # the sentence starts as every unreachable engine's does; the host is named after
            raise HostFailure(f"{why} (host {record.name})", FailureCause.HOST_UNREACHABLE)
        if state == HostState.ENGINE_CHANGED:
            now = facts.engine_id if facts else None
            raise HostFailure(engine_changed(record, now), FailureCause.ENGINE_CHANGED)
        return entry.host.gateway

    def _remember(
        self, record: HostRecord, facts: EngineFacts | None, state: HostState, why: str | None
    ) -> None:
        trust = record.engine_id is None and facts is not None
        fresh = record.last_seen is not None and utcnow() - record.last_seen < SEEN_AGAIN
        if state == record.state and not trust and fresh:
            return  # nothing new: no write per command
        if state == HostState.ENGINE_CHANGED and facts is not None:
            why = engine_changed(record, facts.engine_id)
        assert self._records is not None
        with self._records.db.write() as session:
            host_store.record_probe(session, record.host_id, facts, state, why, trust=trust)

    # -- changes -----------------------------------------------------------------------
    def on_change(self, callback: Callable[[HostId], None]) -> None:
        """``callback(host_id)`` after a host is added, changed, confirmed or deleted."""
        self._listeners.append(callback)

    def changed(self, host_id: str) -> None:
        """Told by the host records' writer: the host's clients are rebuilt on next use."""
        with self._lock:
            dropped = self._built.pop(HostId(host_id), None)
        if dropped is not None:
            _close(dropped)
        for callback in list(self._listeners):
            try:
                callback(HostId(host_id))
            except Exception:  # a subscriber's failure is its own, not the write's
                log.warning("host change listener failed", host_id=host_id, exc_info=True)

    def close_all(self) -> None:
        for host in self._fixed.values():
            host.gateway.close()
        with self._lock:
            built, self._built = list(self._built.values()), {}
        for entry in built:
            _close(entry)

    # -- building ----------------------------------------------------------------------
    def _entry(self, host_id: HostId) -> tuple[_Built, HostRecord | None]:
        """The host's clients and its record (None: ``local`` with nothing recorded)."""
        fixed = self._fixed.get(host_id)
        try:
            record, sealed = self._stored(host_id)
        except NotFound:
            if fixed is None:
                raise
            return _Built(("", None, None), fixed, fixed.gateway), None  # not recorded (yet)
        key = (record.address, *sealed)
        with self._lock:
            entry = self._built.get(HostId(record.host_id))
            if entry is not None and entry.key == key:
                return entry, record
            built = self._build(record, sealed, key)
            self._built[HostId(record.host_id)] = built
        if entry is not None:
            _close(entry)
        return built, record

    def _stored(
        self, host_id: HostId
    ) -> tuple[HostRecord, tuple[host_store.SealedTls | None, host_store.SealedSsh | None]]:
        if self._records is None:
            raise NotFound(f"no host {host_id!r}")
        with self._records.db.read() as session:
            record = host_store.get(session, host_id)
            sealed = (
                host_store.sealed_tls(session, record.host_id),
                host_store.sealed_ssh(session, record.host_id),
            )
            return record, sealed

    def _build(
        self,
        record: HostRecord,
        sealed: tuple[host_store.SealedTls | None, host_store.SealedSsh | None],
        key: _Key,
    ) -> _Built:
        fixed = self._fixed.get(HostId(record.host_id))
        if fixed is not None:  # local: its client comes from the settings
            prober = DockerGateway(fixed.address, timeout=PROBE_TIMEOUT, tls=fixed.gateway.tls)
            return _Built(key, fixed, prober)
        assert self._records is not None
        pem = self._pem(sealed[0])
        # a long-lived client accepts only the pinned SSH host key (none pinned: none)
        ssh = unseal(self._records.box, sealed[1], first_use=False)
        data_dir = self._records.data_dir
        gateway = gateway_for(record, pem, data_dir, COMMAND_TIMEOUT, ssh)
        prober = DockerGateway(
            gateway.address, timeout=PROBE_TIMEOUT, tls=gateway.tls, ssh=gateway.ssh
        )
        return _Built(key, Host(HostId(record.host_id), gateway), prober)

    def _pem(self, sealed: host_store.SealedTls | None) -> TlsPem | None:
        if sealed is None:
            return None
        assert self._records is not None
        box = self._records.box
        return TlsPem(box.decrypt(sealed.ca), box.decrypt(sealed.cert), box.decrypt(sealed.key))


def _close(entry: _Built) -> None:
    entry.prober.close()
    if entry.host.id != LOCAL:
        entry.host.gateway.close()
