"""Docker hosts: register, change, remove (admin), probe, and trust an engine.

The engine first seen at a host's address is the trusted one. A later probe that finds
another engine id there (the address now points at another machine) marks the host
ENGINE_CHANGED, and nothing is done on it until an admin confirms the new engine.
The configured COREMON_DOCKER_HOST is the host ``local``, created on first start.

An SSH host's host key is pinned the same way: the key first seen (or given up front) is
trusted; another key later marks the host HOST_KEY_CHANGED (no connection is made) until an
admin confirms the new key's fingerprint.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from core_monitor.domain.actor import Actor
from core_monitor.domain.hosts import (
    LOCAL_ID,
    EngineFacts,
    Host,
    HostState,
    address_problems,
    judge,
    key_fingerprint,
)
from core_monitor.engine.docker.connection import engine_address
from core_monitor.engine.errors import EngineFailed, EngineUnreachable, HostKeyChanged
from core_monitor.errors import Conflict, FieldError, ValidationFailed
from core_monitor.hosts import ssh_login as host_ssh
from core_monitor.hosts.clients import (
    PROBE_TIMEOUT,
    SshKey,
    TlsPem,
    forget,
    gateway_for,
    probe,
    seen_host_key,
)
from core_monitor.hosts.ssh_login import SshLogin
from core_monitor.store import audit
from core_monitor.store import hosts as host_store
from core_monitor.store import stacks as stack_store
from core_monitor.store.clock import utcnow
from core_monitor.store.db import Database
from core_monitor.vault import SecretBox

STALE = timedelta(seconds=30)
"""A host's facts older than this are probed again when hosts are listed."""


@dataclass(frozen=True)
class HostChange:
    name: str | None = None
    address: str | None = None
    labels: dict[str, str] | None = None
    tls: TlsPem | None = None
    drop_tls: bool = False
    ssh: SshLogin | None = None
    drop_ssh: bool = False


@dataclass(frozen=True)
class _Answer:
    """What one probe found: the engine (or why not) and, over SSH, the host key shown."""

    facts: EngineFacts | None
    problem: str | None
    host_key_changed: bool = False
    host_key: str | None = None


class HostService:
    def __init__(self, db: Database, box: SecretBox, data_dir: Path) -> None:
        self._db = db
        self._box = box
        self._data_dir = data_dir
        # told (host id) after a host is added, changed, confirmed or deleted
        self.listeners: list[Callable[[str], None]] = []

    def ensure_local(self, configured: str | None) -> None:
        """The host ``local`` (COREMON_DOCKER_HOST), created on first start."""
        with self._db.write() as session:
            if any(h.host_id == LOCAL_ID for h in host_store.list_hosts(session)):
                return
            host_store.insert(session, LOCAL_ID, LOCAL_ID, engine_address(configured), {}, None)

    # -- reads -------------------------------------------------------------------------
    def list(self, *, refresh: bool = False) -> list[Host]:
        """Every host; those probed more than STALE ago (or all: ``refresh``) probed again."""
        with self._db.read() as session:
            hosts = host_store.list_hosts(session)
        now = utcnow()
        return [
            self.probe(h.host_id)
            if refresh or h.last_seen is None or now - h.last_seen > STALE
            else h
            for h in hosts
        ]

    def get(self, ref: str) -> Host:
        with self._db.read() as session:
            return host_store.get(session, ref)

    # -- writes (admin) ----------------------------------------------------------------
    def create(
        self,
        actor: Actor,
        name: str,
        address: str,
        labels: dict[str, str],
        tls: TlsPem | None,
        ssh: SshLogin | None = None,
    ) -> Host:
        _check(address, tls is not None, ssh is not None)
        sealed_ssh = host_ssh.seal(self._box, ssh, None) if ssh else None
        host_id = str(uuid.uuid4())
        with self._db.write() as session:
            host_store.insert(session, host_id, name, address, labels, self._seal(tls), sealed_ssh)
            audit.record_by(
                session, actor, "host.create", f"host:{name}", details={"address": address}
            )
        self._changed(host_id)
        return self.probe(host_id)

    def change(self, actor: Actor, ref: str, change: HostChange) -> Host:
        current = self.get(ref)
        address = change.address or current.address
        has_tls = change.tls is not None or (current.tls and not change.drop_tls)
        has_ssh = change.ssh is not None or (current.ssh and not change.drop_ssh)
        _check(address, has_tls, has_ssh)
        values: dict[str, object] = {
            k: v
            for k, v in (
                ("name", change.name),
                ("address", change.address),
                ("labels", change.labels),
            )
            if v is not None
        }
        if change.tls is not None or change.drop_tls:
            values["tls"] = self._seal(change.tls)
        if change.ssh is not None or change.drop_ssh:
            values["ssh"] = self._reseal_ssh(current.host_id, change.ssh)
        if current.host_id == LOCAL_ID and "name" in values and values["name"] != LOCAL_ID:
            raise ValidationFailed([FieldError("name", "the host local keeps its name")])
        with self._db.write() as session:
            host_store.update(session, current.host_id, **values)
            audit.record_by(
                session,
                actor,
                "host.update",
                f"host:{current.name}",
                details={"changed": sorted(values)},
            )
        self._changed(current.host_id)
        return self.probe(current.host_id)

    def delete(self, actor: Actor, ref: str) -> None:
        host = self.get(ref)
        if host.host_id == LOCAL_ID:
            raise Conflict("the host local cannot be removed (it is COREMON_DOCKER_HOST)")
        with self._db.write() as session:
            stacks = stack_store.on_host(session, host.host_id)
            if stacks:
                raise Conflict(
                    f"host {host.name} still runs {len(stacks)} stack(s): {', '.join(stacks)}; "
                    "move or delete them first"
                )
            host_store.delete(session, host.host_id)
            audit.record_by(session, actor, "host.delete", f"host:{host.name}")
        forget(self._data_dir, host.host_id)
        self._changed(host.host_id)

    def confirm(self, actor: Actor, ref: str, engine_id: str) -> Host:
        """Trust the engine found at the host's address now (it must be ``engine_id``)."""
        host = self.probe(ref)
        if host.facts is None:
            raise Conflict(f"host {host.name} is unreachable: {host.problem}")
        if host.facts.engine_id != engine_id:
            raise ValidationFailed(
                [FieldError("engine_id", f"the engine at {host.address} is {host.facts.engine_id}")]
            )
        with self._db.write() as session:
            confirmed = host_store.record_probe(
                session, host.host_id, host.facts, HostState.REACHABLE, None, trust=True
            )
            audit.record_by(
                session,
                actor,
                "host.confirm",
                f"host:{host.name}",
                details={"engine_id": engine_id, "was": host.engine_id},
            )
        self._changed(host.host_id)
        return confirmed

    def confirm_host_key(self, actor: Actor, ref: str, fingerprint: str) -> Host:
        """Pin the SSH host key the server shows now (its fingerprint must be
        ``fingerprint``), then probe the host with it."""
        host = self.get(ref)
        if not host.ssh:
            raise ValidationFailed([FieldError("fingerprint", f"{host.name} is not an SSH host")])
        answer = self._ask(host, self._ssh(host.host_id, trust_new=True))
        if answer.host_key is None:
            raise Conflict(f"host {host.name} is unreachable: {answer.problem}")
        shown = key_fingerprint(answer.host_key)
        if shown != fingerprint:
            raise ValidationFailed(
                [FieldError("fingerprint", f"the host key at {host.address} is {shown}")]
            )
        with self._db.write() as session:
            host_store.pin_host_key(session, host.host_id, answer.host_key)
            audit.record_by(
                session,
                actor,
                "host.confirm_host_key",
                f"host:{host.name}",
                details={"fingerprint": shown, "was": host.ssh_host_key_fingerprint},
            )
        self._changed(host.host_id)
        return self.probe(host.host_id)

    # -- probe -------------------------------------------------------------------------
    def probe(self, ref: str) -> Host:
        """Ask the engine what it is; the first engine (and SSH host key) seen is trusted."""
        host = self.get(ref)
        answer = self._ask(host, self._ssh(host.host_id))
        facts, problem = answer.facts, answer.problem
        state = judge(host.engine_id, facts, host_key_changed=answer.host_key_changed)
        if state == HostState.ENGINE_CHANGED and facts is not None:
            problem = (
                f"the engine at {host.address} is {facts.engine_id}, not {host.engine_id}: "
                "an admin must confirm it before anything is done there"
            )
        with self._db.write() as session:
            if answer.host_key is not None and host.ssh_host_key_fingerprint is None:
                host_store.pin_host_key(session, host.host_id, answer.host_key)
            return host_store.record_probe(
                session,
                host.host_id,
                facts,
                state,
                problem,
                trust=host.engine_id is None and facts is not None,
            )

    def _ask(self, host: Host, ssh: SshKey | None) -> _Answer:
        pem = self._pem(host.host_id)
        gateway = gateway_for(host, pem, self._data_dir, PROBE_TIMEOUT, ssh)
        try:
            facts = probe(gateway)
            return _Answer(facts, None, host_key=seen_host_key(gateway))
        except HostKeyChanged as exc:
            return _Answer(None, str(exc), host_key_changed=True)
        except (EngineUnreachable, EngineFailed) as exc:
            return _Answer(None, str(exc))
        finally:
            gateway.close()

    def _changed(self, host_id: str) -> None:
        for listener in list(self.listeners):
            listener(host_id)

    def _seal(self, tls: TlsPem | None) -> host_store.SealedTls | None:
        if tls is None:
            return None
        _check_pem(tls)
        if not self._box.ready:
            raise ValidationFailed(
                [FieldError("tls", "TLS keys are stored encrypted: set COREMON_SECRET_KEY first")]
            )
        return host_store.SealedTls(
            self._box.encrypt(tls.ca), self._box.encrypt(tls.cert), self._box.encrypt(tls.key)
        )

    def _reseal_ssh(self, host_id: str, login: SshLogin | None) -> host_store.SealedSsh | None:
        """A new key keeps the pinned host key unless the change names one."""
        if login is None:
            return None
        with self._db.read() as session:
            current = host_store.sealed_ssh(session, host_id)
        return host_ssh.seal(self._box, login, current.host_key if current else None)

    def ssh_key(self, ref: str) -> SshKey | None:
        """An SSH host's key and pinned host key, for a long-lived client (the registry's):
        it accepts no other host key, and none while nothing is pinned."""
        return self._ssh(self.get(ref).host_id, first_use=False)

    def _ssh(
        self, host_id: str, *, first_use: bool = True, trust_new: bool = False
    ) -> SshKey | None:
        with self._db.read() as session:
            sealed = host_store.sealed_ssh(session, host_id)
        return host_ssh.unseal(self._box, sealed, first_use=first_use, trust_new=trust_new)

    def _pem(self, host_id: str) -> TlsPem | None:
        with self._db.read() as session:
            sealed = host_store.sealed_tls(session, host_id)
        if sealed is None:
            return None
        return TlsPem(
            self._box.decrypt(sealed.ca),
            self._box.decrypt(sealed.cert),
            self._box.decrypt(sealed.key),
        )


def _check_pem(tls: TlsPem) -> None:
    """Certificates and a key that parse, or a 422 naming which one does not."""
    problems = []
    for field, text in (("tls.ca", tls.ca), ("tls.cert", tls.cert)):
        try:
            x509.load_pem_x509_certificate(text.encode())
        except ValueError:
            problems.append(FieldError(field, "not a PEM certificate"))
    try:
        serialization.load_pem_private_key(tls.key.encode(), password=None)
    except (ValueError, TypeError):
        problems.append(FieldError("tls.key", "not an unencrypted PEM private key"))
    if problems:
        raise ValidationFailed(problems)


def _check(address: str, tls: bool, ssh: bool = False) -> None:
    problems = address_problems(address, tls=tls, ssh=ssh)
    if problems:
        raise ValidationFailed(problems)
