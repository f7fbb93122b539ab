"""The composition root: settings → database → host registry → services → worker.

``coremon serve``, ``coremon worker`` and the tests build everything here and nowhere else;
the API receives the services it exposes (``api/deps.py``), never this object's insides.
"""

from __future__ import annotations

import importlib
import threading
from dataclasses import dataclass, field
from typing import Any

from core_monitor.auth.oidc import OidcClient
from core_monitor.catalog.files import CatalogSource
from core_monitor.deploy.artifacts import ArtifactStore
from core_monitor.deploy.drift import DeploymentCheck
from core_monitor.deploy.driver import ContainerAccess
from core_monitor.deploy.executor import DeployExecutor, OpenBox
from core_monitor.domain.commands import Command, CommandType
from core_monitor.hosts.registry import HostRegistry
from core_monitor.log import get_logger
from core_monitor.monitor.service import MonitorService
from core_monitor.queue.executors import ExecutorRegistry, load_plugins
from core_monitor.queue.signals import WakeUp
from core_monitor.queue.worker import Worker
from core_monitor.services.adoption import AdoptionService
from core_monitor.services.artifacts import ArtifactService
from core_monitor.services.audit import AuditTrail
from core_monitor.services.auth import AuthService, SingleSignOn
from core_monitor.services.backups import Backups
from core_monitor.services.command_reads import CommandReads
from core_monitor.services.commands import CommandService
from core_monitor.services.convergence import Convergence
from core_monitor.services.definitions import load_all_secrets
from core_monitor.services.delivery import DeliveryService
from core_monitor.services.deploys import DeployService, drivers_registered
from core_monitor.services.engine import EngineService
from core_monitor.services.health import HealthService
from core_monitor.services.hosts import HostService
from core_monitor.services.moving import Move
from core_monitor.services.policy import PolicyService
from core_monitor.services.pull_check import PullCheck
from core_monitor.services.stacks import StackService
from core_monitor.services.users import UserService
from core_monitor.services.wizard import WizardService
from core_monitor.settings import Settings
from core_monitor.store.db import Database
from core_monitor.store.migrate import startup_lock, upgrade
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
    hosts: HostRegistry | None = None  # where the convergence's gateway came from
    # with the engine's own executors: images that cannot be pulled, said before an apply
    pull_check: PullCheck | None = None
    monitor: MonitorService = field(init=False)
    auth: AuthService = field(init=False)
    users: UserService = field(init=False)
    sso: SingleSignOn | None = field(init=False, default=None)
    stacks: StackService = field(init=False)
    policy: PolicyService = field(init=False)
    engine: EngineService = field(init=False)
    adoption: AdoptionService = field(init=False)
    health: HealthService = field(init=False)
    command_reads: CommandReads = field(init=False)
    audit: AuditTrail = field(init=False)
    backups: Backups = field(init=False)
    host_records: HostService = field(init=False)
    wizard: WizardService = field(init=False)
    artifacts: ArtifactService = field(init=False)
    deploys: DeployService = field(init=False)
    deploying: DeployExecutor | None = None  # the DEPLOY executor built here, if any
    # after an APPLY, ROLLBACK or DEPLOY: do the targets serve what our records say?
    checking: DeploymentCheck | None = None
    delivery: DeliveryService = field(init=False)

    def __post_init__(self) -> None:
        if self.hosts is None:
            self.hosts = HostRegistry.from_settings(self.settings, self.db)
        host = self.hosts.default_host()
        self.monitor = MonitorService(
            self.read_db, self.settings, self.hosts, self.convergence.versions
        )
        self.auth = AuthService(self.db, self.settings)
        self.users = UserService(self.db, self.auth.revocations)
        if self.settings.oidc_enabled:
            self.sso = SingleSignOn(self.db, self.settings, OidcClient(self.settings))
        box = self.convergence.versions.box
        self.stacks = StackService(
            self.db, box, self.settings.max_containers_per_stack, self.settings.places
        )
        self.policy = PolicyService(self.db)
        self.adoption = AdoptionService(self.stacks, self.convergence)
        self.engine = EngineService(host, self.convergence, self.monitor, self.pull_check)
        self.health = HealthService(self.db, host)
        self.command_reads = CommandReads(
            self.db, self.read_db, on_failure=self.settings.queue_on_failure
        )
        self.audit = AuditTrail(self.db)
        self.backups = Backups(self.db, self.settings.data_dir, box)
        self.host_records = HostService(self.db, box, self.settings.data_dir)
        self.host_records.ensure_local(self.settings.docker_host)
        self.host_records.listeners.append(self.hosts.changed)
        self.wizard = WizardService(self.stacks, CatalogSource(self.settings.catalog_dir_list))
        store = artifact_store(self.settings)
        self.artifacts = ArtifactService(self.db, store, self.settings.max_artifact_bytes)
        self.deploys = DeployService(self.db, store, self.convergence.versions, self.commands)
        if self.deploying is not None:
            self.deploying.observers.append(self.monitor.on_deploy)
        self.delivery = DeliveryService(self.db)
        self.commands.listeners.append(self.monitor.on_command)

    @property
    def read_db(self) -> Database:
        return self.reads or self.db

    @classmethod
    def build(cls, settings: Settings, registry: ExecutorRegistry | None = None) -> Runtime:
        # replicas started together take turns: one migrates and creates the first admin
        with startup_lock(settings.resolved_database_url):
            return cls._build(settings, registry)

    @classmethod
    def _build(cls, settings: Settings, registry: ExecutorRegistry | None) -> Runtime:
        url = settings.resolved_database_url
        db = Database(
            url, pool_size=settings.db_pool_size, pool_timeout=settings.db_pool_timeout_seconds
        )
        upgrade(db)
        load_all_secrets(db, SecretBox.of(settings))  # wrong or missing key: refuse to start
        hosts = HostRegistry.from_settings(settings, db)  # local, and every recorded host
        convergence = Convergence(db, settings, hosts)
        running = applying = pull_check = deploying = checking = None
        if registry is None:
            registry = ExecutorRegistry()
            # what the worker runs reads and writes through a pool of its own: a flood of
            # requests must not fail or stall an APPLY
            running = Database(url, pool_size=settings.worker_db_pool_size)
            applying = Convergence(running, settings, hosts)
            applying.register(registry)
            Move(applying).register(registry)
            # the images a version runs: its pins where present (a pinned image that is gone
            # is the pin check's to refuse; here its tag stands in, as a re-pin would use it)
            pull_check = PullCheck(
                convergence.gateway_of,
                lambda stack, version: convergence.to_run(stack, version, allow_repin=True)[1],
            )
            deploying = DeployExecutor(
                running,
                artifact_store(settings),
                applying.versions,
                docker_box(hosts, checked=True),
                drivers_registered,
                settings.deploy_verify_seconds,
                settings.deploy_ready_seconds,
            )
            deploying.register(registry)
            checking = DeploymentCheck(
                running, applying.versions, docker_box(hosts), drivers_registered
            )
            load_plugins(registry, settings.executor_module_list)
        reads = Database(
            url,
            pool_size=settings.stream_db_pool_size,
            pool_timeout=settings.db_pool_timeout_seconds,
        )
        wakeup = WakeUp()
        commands = CommandService(db, wakeup, registry, pull_check)
        if applying is not None:  # the engine's executors run here: their pins are checked
            commands.pin_check = convergence.check_pins
        runtime = cls(
            settings,
            db,
            wakeup,
            registry,
            commands,
            convergence,
            reads,
            running,
            hosts=hosts,
            pull_check=pull_check,
            deploying=deploying,
            checking=checking,
        )
        if applying is not None:  # the steps it runs, counted in the metrics
            applying.plan_listeners.append(runtime.monitor.on_plan)
        runtime.auth.bootstrap_admin()
        return runtime

    def start_worker(self) -> None:
        self.worker = Worker(self.db, self.settings, self.registry, self.wakeup)
        self.worker.listeners.append(self.monitor.on_command)
        if self.checking is not None:
            self.worker.listeners.append(self._check_deployments)
        self.worker.start()

    def _check_deployments(self, event: str, command: Command, _: dict[str, Any]) -> None:
        """In the background (it asks each target's container): the queue does not wait."""
        if event != "finished" or command.type not in DEPLOY_CHECKED or not command.stack_id:
            return
        check, stack_id = self.checking, command.stack_id

        def run() -> None:
            try:
                if check is not None:
                    self.monitor.record_deployment_drift(stack_id, check.mismatches(stack_id))
            except Exception:  # a container gone, an engine away: the next check says
                log.warning("deployment check failed", stack_id=stack_id, exc_info=True)

        threading.Thread(target=run, name="deployment-check", daemon=True).start()

    def close(self) -> None:
        self.monitor.stop()
        if self.worker is not None:
            self.worker.stop()
        if self.hosts is not None:
            self.hosts.close_all()
        for pool in (self.db, self.reads, self.running):
            if pool is not None:
                pool.dispose()


log = get_logger("core_monitor.deploy")
DEPLOY_CHECKED = frozenset({CommandType.APPLY, CommandType.ROLLBACK, CommandType.DEPLOY})


def artifact_store(settings: Settings) -> ArtifactStore:
    return ArtifactStore(settings.data_dir / "artifacts")


def docker_box(hosts: HostRegistry, *, checked: bool = False) -> OpenBox:
    """(host id, container id) → ``ContainerAccess`` over that host's engine (``checked``:
    a DEPLOY's, the engine checked first). The adapter lives in engine/docker (docker-py
    stays there), imported when a deploy first needs it."""

    def open_box(host_id: str, container_id: str) -> ContainerAccess:
        adapter = importlib.import_module("core_monitor.engine.docker.exec")
        gateway = hosts.checked(host_id) if checked else hosts.get(host_id)
        access: ContainerAccess = adapter.container_access(gateway, container_id)
        return access

    return open_box
