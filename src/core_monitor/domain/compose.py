"""The normalized Compose project: long syntax only, Docker-friendly units.

Durations are integer nanoseconds (Docker's unit), byte sizes integer bytes, ports one entry
per port (ranges expanded, as Compose does), mounts in long form, every map sorted.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core_monitor.domain.deploy import DeploySettings


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PortSpec(Frozen):
    target: int
    published: str | None = None  # Compose keeps it a string ("8080")
    host_ip: str | None = None
    protocol: str = "tcp"
    mode: str = "ingress"
    name: str | None = None
    app_protocol: str | None = None


class MountSpec(Frozen):
    type: Literal["volume", "bind", "tmpfs"]
    source: str | None = None
    target: str
    read_only: bool = False
    bind_propagation: str | None = None
    bind_create_host_path: bool | None = None
    volume_nocopy: bool = False
    tmpfs_size: int | None = None
    tmpfs_mode: int | None = None


class InjectedFile(Frozen):
    """A secret or config whose content is written into the container before it starts
    (environment- or content-sourced); file-sourced ones are read-only binds instead."""

    target: str  # absolute path inside the container
    content: str
    uid: int = 0
    gid: int = 0
    mode: int = 0o444
    secret: bool = False  # a secret's content is never stored, shown or logged in clear
    variable: str | None = None  # the version's variable it comes from (environment source)


class ServiceNetwork(Frozen):
    aliases: list[str] = Field(default_factory=list)
    ipv4_address: str | None = None
    ipv6_address: str | None = None
    priority: int | None = None


class Dependency(Frozen):
    condition: Literal["service_started", "service_healthy", "service_completed_successfully"]
    required: bool = True
    restart: bool = False


class Healthcheck(Frozen):
    test: list[str] | None = None
    interval: int | None = None  # ns
    timeout: int | None = None
    start_period: int | None = None
    start_interval: int | None = None
    retries: int | None = None
    disable: bool = False


class Ulimit(Frozen):
    soft: int
    hard: int


class Logging(Frozen):
    driver: str | None = None
    options: dict[str, str] = Field(default_factory=dict)


class ResourceLimits(Frozen):
    cpus: float | None = None
    memory: int | None = None
    pids: int | None = None


class BuildSpec(Frozen):
    """An image built from a directory of the version's bundle (``build:``).

    ``context``: the directory, relative to the project directory (``./app`` or ``.``);
    ``dockerfile``: relative to the context; ``digest``: a content digest of everything the
    build reads (the context's files, the Dockerfile and the options below), written on the
    built image as a label, so an unchanged digest means no build at all."""

    context: str
    dockerfile: str = "Dockerfile"
    dockerfile_inline: str | None = None
    args: dict[str, str | None] = Field(default_factory=dict)  # None: not passed
    target: str | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    network: str | None = None
    shm_size: int | None = None
    no_cache: bool = False
    pull: bool = False
    digest: str


class DeviceReservation(Frozen):
    """deploy.resources.reservations.devices[]: a device request (GPUs), as Compose sends it."""

    driver: str | None = None
    count: int | None = None  # -1: all
    device_ids: list[str] = Field(default_factory=list)
    capabilities: list[str] = Field(default_factory=list)
    options: dict[str, str] = Field(default_factory=dict)


class ResourceReservations(Frozen):
    cpus: float | None = None  # accepted; the engine has no CPU reservation (Compose too)
    memory: int | None = None
    devices: list[DeviceReservation] = Field(default_factory=list)


class ServiceSpec(Frozen):
    image: str
    build: BuildSpec | None = None
    command: list[str] | None = None
    entrypoint: list[str] | None = None
    environment: dict[str, str | None] = Field(default_factory=dict)
    ports: list[PortSpec] = Field(default_factory=list)
    expose: list[str] = Field(default_factory=list)
    volumes: list[MountSpec] = Field(default_factory=list)
    injected_files: list[InjectedFile] = Field(default_factory=list)  # secrets, configs
    tmpfs: list[str] = Field(default_factory=list)
    networks: dict[str, ServiceNetwork] = Field(default_factory=dict)
    depends_on: dict[str, Dependency] = Field(default_factory=dict)
    healthcheck: Healthcheck | None = None
    restart: str = "no"
    labels: dict[str, str] = Field(default_factory=dict)
    container_name: str | None = None
    hostname: str | None = None
    domainname: str | None = None
    user: str | None = None
    working_dir: str | None = None
    init: bool | None = None
    privileged: bool = False
    read_only: bool = False
    stdin_open: bool = False
    tty: bool = False
    cap_add: list[str] = Field(default_factory=list)
    cap_drop: list[str] = Field(default_factory=list)
    network_mode: str | None = None
    pid: str | None = None
    ipc: str | None = None
    userns_mode: str | None = None
    devices: list[str] = Field(default_factory=list)
    security_opt: list[str] = Field(default_factory=list)
    shm_size: int | None = None
    mem_limit: int | None = None
    cpus: float | None = None
    pids_limit: int | None = None
    ulimits: dict[str, Ulimit] = Field(default_factory=dict)
    sysctls: dict[str, str] = Field(default_factory=dict)
    extra_hosts: list[str] = Field(default_factory=list)  # "host=ip", like Compose
    dns: list[str] = Field(default_factory=list)
    stop_signal: str | None = None
    stop_grace_period: int | None = None  # ns
    logging: Logging | None = None
    replicas: int = 1
    limits: ResourceLimits = Field(default_factory=ResourceLimits)
    reservations: ResourceReservations = Field(default_factory=ResourceReservations)
    platform: str | None = None
    runtime: str | None = None
    mac_address: str | None = None
    links: list[str] = Field(default_factory=list)  # "service" or "service:alias"
    external_links: list[str] = Field(default_factory=list)  # "container" or "container:alias"
    volumes_from: list[str] = Field(default_factory=list)  # "service[:mode]", "container:x[:mode]"
    attach: bool = True  # `compose up` log attachment only: nothing reaches the engine
    develop: bool = False  # has a `develop` section (compose watch): nothing reaches the engine
    profiles: list[str] = Field(default_factory=list)
    pull_policy: Literal["missing", "always", "never", "build"] = "missing"
    deploy: DeploySettings | None = None  # x-coremon-deploy: where artifacts are deployed

    def joined_services(self) -> list[str]:
        """The services whose container this one joins (`network_mode`/`pid`/`ipc:
        service:x`) or takes volumes from (`volumes_from: [x]`): created before it, the one
        place that reads those keys as a relation between services."""
        modes = (self.network_mode, self.pid, self.ipc)
        joined = {m[len("service:") :] for m in modes if m and m.startswith("service:")}
        joined |= {v.split(":")[0] for v in self.volumes_from if not v.startswith("container:")}
        return sorted(joined)


class IpamConfig(Frozen):
    subnet: str | None = None
    gateway: str | None = None
    ip_range: str | None = None


class Ipam(Frozen):
    driver: str | None = None
    config: list[IpamConfig] = Field(default_factory=list)
    options: dict[str, str] = Field(default_factory=dict)


class NetworkSpec(Frozen):
    name: str  # the engine's name: <project>_<key>, or `name:`, or the bare key if external
    driver: str | None = None
    driver_opts: dict[str, str] = Field(default_factory=dict)
    internal: bool = False
    external: bool = False
    attachable: bool = False
    enable_ipv6: bool = False
    labels: dict[str, str] = Field(default_factory=dict)
    ipam: Ipam = Field(default_factory=Ipam)


class VolumeSpec(Frozen):
    name: str
    driver: str | None = None
    driver_opts: dict[str, str] = Field(default_factory=dict)
    external: bool = False
    labels: dict[str, str] = Field(default_factory=dict)


class ComposeProject(Frozen):
    name: str
    services: dict[str, ServiceSpec]
    networks: dict[str, NetworkSpec] = Field(default_factory=dict)
    volumes: dict[str, VolumeSpec] = Field(default_factory=dict)


def current_form(definition: dict[str, Any]) -> dict[str, Any]:
    """A stored definition as today's model writes it: one stored before a field was added
    lacks it, which must read as the field's default (not as a change, nor as a secret).
    One the model refuses is returned as stored."""
    try:
        return ComposeProject.model_validate(definition).model_dump(mode="json")
    except ValidationError:
        return definition
