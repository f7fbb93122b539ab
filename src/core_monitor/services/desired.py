"""What the engine derives from a stored version, derived once per process.

Versions are immutable (the database refuses any UPDATE or DELETE of one), so the project
of (stack, version), its desired state and its stored service configs never go stale: a
re-apply, a dry run and every status read share one derivation instead of decoding,
validating and hashing the whole definition each time. The memo is bounded; the least
recently used entries go first. It holds decrypted secrets only as long as the process
runs, as the engine already does while it applies a version.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from core_monitor.domain.bundle import ProjectFiles
from core_monitor.domain.compose import ComposeProject
from core_monitor.engine.state import DesiredState, desired_state
from core_monitor.errors import NotFound
from core_monitor.services.bundles import opened
from core_monitor.services.definitions import config_hasher, project_of
from core_monitor.store import files as file_store
from core_monitor.store import stacks as stack_store
from core_monitor.store.db import Database
from core_monitor.vault import SecretBox


@dataclass(frozen=True)
class DesiredVersion:
    project: ComposeProject  # secrets decrypted: for the engine only
    state: DesiredState
    stored_services: dict[str, dict[str, Any]]  # as stored (secrets masked): for reasons
    # the version's bundle, secrets decrypted: engine only
    files: ProjectFiles = field(default_factory=dict)


class DesiredVersions:
    def __init__(self, db: Database, box: SecretBox, capacity: int = 512) -> None:
        self.db = db
        self.box = box
        self.capacity = capacity
        self._lock = threading.Lock()
        self._found: OrderedDict[tuple[str, int], DesiredVersion] = OrderedDict()

    def get(self, stack_id: str, version: int) -> DesiredVersion:
        """Raises NotFound when the stack has no such version."""
        key = (stack_id, version)
        with self._lock:
            found = self._found.get(key)
            if found is not None:
                self._found.move_to_end(key)
                return found
        with self.db.read() as session:
            stored = stack_store.get_version(session, stack_id, version)
            sealed = file_store.list_files(session, stack_id, version, content=True)
        files = opened(sealed, self.box)
        project = project_of(stored, self.box, files)
        found = DesiredVersion(
            project=project,
            state=desired_state(
                project, stack_id, version, hash_of=config_hasher(stored, self.box), files=files
            ),
            stored_services=dict(stored.definition.get("services", {})),
            files=files,
        )
        with self._lock:
            self._found[key] = found
            while len(self._found) > self.capacity:
                self._found.popitem(last=False)
        return found

    def previous_configs(
        self, stack_id: str, versions: set[int]
    ) -> dict[tuple[int, str], dict[str, Any]]:
        """(version, service) → stored config, for the versions that labelled containers;
        a label pointing at no version gives no reasons, not an error."""
        configs: dict[tuple[int, str], dict[str, Any]] = {}
        for number in sorted(versions):
            try:
                services = self.get(stack_id, number).stored_services
            except NotFound:
                continue
            for name, config in services.items():
                configs[(number, name)] = config
        return configs
