"""Everything a running server holds: settings, database, worker, services."""

from __future__ import annotations

from dataclasses import dataclass, field

from core_monitor.auth.oidc import OidcClient
from core_monitor.monitor.service import MonitorService
from core_monitor.queue.executors import ExecutorRegistry, load_plugins
from core_monitor.queue.signals import WakeUp
from core_monitor.queue.worker import Worker
from core_monitor.services.auth import AuthService, SingleSignOn
from core_monitor.services.commands import CommandService
from core_monitor.services.convergence import Convergence
from core_monitor.services.definitions import load_all_secrets
from core_monitor.services.users import UserService
from core_monitor.settings import Settings
from core_monitor.store.db import Database
from core_monitor.store.migrate import upgrade
from core_monitor.vault import SecretBox


@dataclass
class Runtime:
    settings: Settings
    db: Database  # API requests' pool
    wakeup: WakeUp
    registry: ExecutorRegistry
    commands: CommandService
    convergence: Convergence
    reads: Database | None = None  # the read side's pool (streams, monitor); default: db
    running: Database | None = None  # the pool of the executors built here (APPLY…)
    worker: Worker | None = field(default=None)
    monitor: MonitorService = field(init=False)
    auth: AuthService = field(init=False)
    users: UserService = field(init=False)
    sso: SingleSignOn | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.monitor = MonitorService(
            self.read_db, self.settings, self.convergence.gateway, self.convergence.versions
        )
        self.auth = AuthService(self.db, self.settings)
        self.users = UserService(self.db, self.auth.revocations)
        if self.settings.oidc_enabled:
            self.sso = SingleSignOn(self.db, self.settings, OidcClient(self.settings))
        self.commands.listeners.append(self.monitor.on_command)

    @property
    def read_db(self) -> Database:
        return self.reads or self.db

    @classmethod
    def build(cls, settings: Settings, registry: ExecutorRegistry | None = None) -> Runtime:
        url = settings.resolved_database_url
        db = Database(
            url, pool_size=settings.db_pool_size, pool_timeout=settings.db_pool_timeout_seconds
        )
        upgrade(db)
        load_all_secrets(db, SecretBox.of(settings))  # wrong or missing key: refuse to start
        convergence = Convergence(db, settings)
        running = None
        if registry is None:
            registry = ExecutorRegistry()
            # what the worker runs reads and writes through a pool of its own: a flood of
            # requests must not fail or stall an APPLY
            running = Database(url, pool_size=settings.worker_db_pool_size)
            Convergence(running, settings, convergence.gateway).register(registry)
            load_plugins(registry, settings.executor_module_list)
        reads = Database(
            url,
            pool_size=settings.stream_db_pool_size,
            pool_timeout=settings.db_pool_timeout_seconds,
        )
        wakeup = WakeUp()
        commands = CommandService(db, wakeup, registry)
        runtime = cls(settings, db, wakeup, registry, commands, convergence, reads, running)
        runtime.auth.bootstrap_admin()
        return runtime

    def start_worker(self) -> None:
        self.worker = Worker(self.db, self.settings, self.registry, self.wakeup)
        self.worker.listeners.append(self.monitor.on_command)
        self.worker.start()

    def close(self) -> None:
        self.monitor.stop()
        if self.worker is not None:
            self.worker.stop()
        self.convergence.gateway.close()
        for pool in (self.db, self.reads, self.running):
            if pool is not None:
                pool.dispose()
