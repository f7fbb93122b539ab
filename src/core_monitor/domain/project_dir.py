"""Where a stack's relative and ``~`` bind sources lead on the engine's host. Pure.

Each stack has a project directory on the engine's host, ``<projects root>/<stack name>``
(Compose's project directory, Dockge's per-stack folder): the version's bundle files are
written there and ``./x`` binds resolve inside it. ``~`` is the engine host's home
directory as configured (``COREMON_HOST_HOME``, default ``/root``): Compose expands it to
the home of whoever runs ``compose``, and Core Monitor runs no process on that host, so the
host's home is a setting rather than a guess. Either way the result is an absolute host
path, judged by the policy like any other bind source.

The config hash stays on the written form (``./conf``, ``~/x``): moving the projects root
does not by itself recreate containers (their binds then point at the old place until a
change recreates them; move the root with the stacks stopped, or re-apply with a change).
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from core_monitor.domain.host_paths import clean
from core_monitor.domain.policy import Policy

DEFAULT_PROJECTS_ROOT = "/var/lib/coremon/projects"
DEFAULT_HOST_HOME = "/root"
MANIFEST = ".coremon/bundle.json"  # path → sha256 of the bundle files written there


@dataclass(frozen=True)
class HostPlaces:
    """The engine host's projects root and home directory (absolute, cleaned)."""

    projects_root: str = DEFAULT_PROJECTS_ROOT
    home: str = DEFAULT_HOST_HOME

    def project_dir(self, stack: str) -> str:
        return clean(posixpath.join(self.projects_root, stack))

    def host_source(self, stack: str, source: str) -> str:
        """A bind source as the engine host's absolute path (absolute ones unchanged)."""
        if source == "~" or source.startswith("~/"):
            return clean(self.home + source[1:])
        if source == "." or source.startswith("./"):
            return clean(self.project_dir(stack) + source[1:])
        return source


DEFAULT_PLACES = HostPlaces()


def allowing_projects(policy: Policy, places: HostPlaces) -> Policy:
    """The policy with the projects root among its allowed bind roots: the stacks' own
    project directories are where relative binds lead, whatever root the host uses."""
    if places.projects_root in policy.allowed_bind_roots:
        return policy
    roots = [*policy.allowed_bind_roots, places.projects_root]
    return policy.model_copy(update={"allowed_bind_roots": roots})
