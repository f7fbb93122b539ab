"""Engine read cache: one container list for all stacks, inspect data per container, image
ids and resource names, all invalidated by the engine's event stream.

While the event stream is not connected (``live`` is False) nothing is trusted: every read
goes to the engine, so a missed event can never leave a stale answer behind.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from core_monitor.engine import labels as lbl
from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.engine.model import ObservedContainer


class EngineCache:
    def __init__(
        self, gateway: DockerGateway, max_age: float = 30.0, health_max_age: float = 2.0
    ) -> None:
        self.gateway = gateway
        self.max_age = max_age  # safety net even while live
        self.health_max_age = health_max_age  # how old a shown health check output may be
        self.live = False
        self._lock = threading.Lock()
        self._generation = 0
        self._rows: list[ObservedContainer] | None = None
        self._rows_at = 0.0
        self._inspect: dict[str, tuple[dict[str, Any], float]] = {}  # id → (inspect, when)
        self._images: dict[str, str | None] = {}
        self._digests: dict[str, str | None] = {}  # built image → its build digest label
        self._networks: set[str] | None = None
        self._volumes: set[str] | None = None
        self._external: dict[tuple[str, str], bool] = {}

    # -- reads ---------------------------------------------------------------------------
    def containers(self) -> list[ObservedContainer]:
        """Every container with a Compose project label (one engine call)."""
        with self._lock:
            fresh = time.monotonic() - self._rows_at < self.max_age
            if self.live and self._rows is not None and fresh:
                return self._rows
            generation = self._generation
        rows = self.gateway.list_all_containers()
        with self._lock:
            if generation == self._generation:
                self._rows, self._rows_at = rows, time.monotonic()
        return rows

    def by_project(self) -> dict[str, list[ObservedContainer]]:
        grouped: dict[str, list[ObservedContainer]] = {}
        for container in self.containers():
            grouped.setdefault(container.project, []).append(container)
        return grouped

    def inspect(self, container_id: str) -> dict[str, Any] | None:
        with self._lock:
            cached = self._inspect.get(container_id)
            if self.live and cached is not None and self._inspect_fresh(*cached):
                return cached[0]
            generation = self._generation
        found = self.gateway.inspect_container(container_id)
        with self._lock:
            if found is not None and generation == self._generation:
                self._inspect[container_id] = (found, time.monotonic())
        return found

    def _inspect_fresh(self, found: dict[str, Any], at: float) -> bool:
        # A probe changes the health log without an event (the engine sends health_status
        # only when the status changes, and exec_* events are not followed).
        has_health = bool((found.get("State") or {}).get("Health"))
        return time.monotonic() - at < (self.health_max_age if has_health else self.max_age)

    def image_id(self, reference: str) -> str | None:
        with self._lock:
            if self.live and reference in self._images:
                return self._images[reference]
        found = self.gateway.image_id(reference)
        with self._lock:
            self._images[reference] = found
        return found

    def build_digest(self, reference: str) -> str | None:
        """The build digest label of a locally built image (None: absent or unlabelled)."""
        with self._lock:
            if self.live and reference in self._digests:
                return self._digests[reference]
        found = self.gateway.image_label(reference, lbl.BUILD_DIGEST)
        with self._lock:
            self._digests[reference] = found
        return found

    def networks(self) -> set[str]:
        with self._lock:
            if self.live and self._networks is not None:
                return self._networks
        names = {str(n["Name"]) for n in self.gateway.list_networks()}
        with self._lock:
            self._networks = names
        return names

    def volumes(self) -> set[str]:
        with self._lock:
            if self.live and self._volumes is not None:
                return self._volumes
        names = {str(v["Name"]) for v in self.gateway.list_volumes()}
        with self._lock:
            self._volumes = names
        return names

    def external_exists(self, kind: str, name: str) -> bool:
        key = (kind, name)
        with self._lock:
            if self.live and key in self._external:
                return self._external[key]
        exists = (
            self.gateway.network_exists(name)
            if kind == "network"
            else self.gateway.volume_exists(name)
        )
        with self._lock:
            self._external[key] = exists
        return exists

    # -- invalidation ----------------------------------------------------------------------
    def set_live(self, live: bool) -> None:
        with self._lock:
            self.live = live
            self._drop_all()

    def invalidate_all(self) -> None:
        with self._lock:
            self._drop_all()

    def _drop_all(self) -> None:
        self._generation += 1
        self._rows = None
        self._inspect.clear()
        self._images.clear()
        self._digests.clear()
        self._networks = None
        self._volumes = None
        self._external.clear()

    def on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("Type")
        actor = event.get("Actor") or {}
        with self._lock:
            self._generation += 1
            if kind == "container":
                # only actions that change the list reach here (docker.gateway.EVENTS)
                self._inspect.pop(str(actor.get("ID") or event.get("id") or ""), None)
                self._rows = None
            elif kind == "image":
                self._images.clear()
                self._digests.clear()
                self._rows = None  # list rows carry the image reference
            elif kind == "network":
                self._networks = None
                self._external.clear()
            elif kind == "volume":
                self._volumes = None
                self._external.clear()
