"""Content hashes: the version's, and each service's configuration hash.

The service hash leaves out what Compose leaves out of its own (pull_policy,
scale/deploy.replicas, depends_on, profiles, x-* extensions), so scaling or reordering does
not recreate containers. x-* never reaches the normalized model, so only the other four are
removed here. ``build`` is kept, unlike Compose: its digest covers the context's files, so a
changed context recreates the service's containers on the image built from it. The image
is hashed by reference; the engine also compares the image ID separately. A service whose
configuration holds a secret gets a keyed hash (``keyed``, an HMAC under the server's key): a
plain one, readable on its container, would let anyone test guessed secrets offline.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from core_monitor.domain.compose import ComposeProject, ServiceSpec

# deploy: the x-coremon-deploy target, an extension Compose ignores (deploys do not recreate)
EXCLUDED_FROM_SERVICE_HASH = frozenset(
    {"replicas", "depends_on", "profiles", "pull_policy", "deploy"}
)
OMITTED_WHEN_EMPTY = ("injected_files", "build")
# Fields added to ServiceSpec after containers were labelled with their hash: hashed only when
# set, so a service that does not use them keeps the hash (and the container) it had.
HASHED_WHEN_SET = frozenset(
    {
        "reservations",
        "platform",
        "runtime",
        "mac_address",
        "links",
        "external_links",
        "volumes_from",
        "attach",
        "develop",
    }
)
_DEFAULTS = ServiceSpec(image="x").model_dump(mode="json", include=set(HASHED_WHEN_SET))


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def content_hash(project: ComposeProject) -> str:
    return hashlib.sha256(canonical_json(project.model_dump(mode="json")).encode()).hexdigest()


def service_config_hash(
    project: ComposeProject, service_name: str, keyed: Callable[[str], str] | None = None
) -> str:
    config = project.services[service_name].model_dump(mode="json")
    for key in EXCLUDED_FROM_SERVICE_HASH:
        config.pop(key, None)
    for key in OMITTED_WHEN_EMPTY:  # added later: existing containers keep their hash
        if not config.get(key):
            config.pop(key, None)
    for key in HASHED_WHEN_SET:
        if config.get(key) == _DEFAULTS[key]:
            config.pop(key)
    text = canonical_json(config)
    return keyed(text) if keyed else hashlib.sha256(text.encode()).hexdigest()
