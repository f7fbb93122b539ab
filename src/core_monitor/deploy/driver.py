"""The one interface every middleware driver implements, and what a driver may use.

A deploy runs ``preflight`` (at request time, pure: refuse what can be seen to fail),
then in the worker ``transfer`` → ``activate`` → ``verify`` (skipped when ``activate``
already saw the server's own status in its exec); ``current`` tells which deployment a
target serves (after a recreate, and for drift). A server that does not listen yet (just
started by an APPLY) is waited for, up to the release's ``ready_seconds``. Drivers reach the
container only through ``ContainerAccess`` (implemented in ``engine/docker``), so they
never import docker-py and can be tested against recorded answers.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from core_monitor.domain.deploy import Artifact, ArtifactKind, DeployTarget, TargetKind
from core_monitor.errors import FieldError


@dataclass(frozen=True)
class ExecResult:
    exit_code: int
    output: bytes  # stdout and stderr, bounded by the adapter


class ContainerAccess(Protocol):
    """One running container of the target service, as a driver may touch it."""

    def run(
        self, argv: Sequence[str], *, stdin: BinaryIO | None = None, timeout: float = 60.0
    ) -> ExecResult:
        """``docker exec`` argv (no shell unless argv asks for one), stdin streamed."""

    def put_archive(self, directory: str, tar: BinaryIO) -> None:
        """Unpack a tar stream into ``directory`` inside the container."""


@dataclass(frozen=True)
class Release:
    """What one deploy puts in place."""

    deployment_id: str
    path: str  # context path ("/app") or site name
    artifact: Artifact
    content: Path  # the artifact's file in Core Monitor's store
    # how long its steps wait for the server to accept connections (COREMON_DEPLOY_READY_SECONDS)
    ready_seconds: float = 60.0


@dataclass(frozen=True)
class Verdict:
    ok: bool
    message: str  # the driver's own words (Tomcat's "FAIL - …", the probe's status)
    # the HTTP status a GET of the deployed path's probe URL (``probe.probe_url``) got in
    # the driver's own exec, right after its status: the executor's probe then needs no
    # exec of its own when it passes (None: not probed)
    probed: int | None = None


Log = Callable[[str], None]


class Driver(Protocol):
    kind: TargetKind
    accepts: frozenset[ArtifactKind]

    def preflight(self, target: DeployTarget, artifact: Artifact, path: str) -> list[FieldError]:
        """Refusals known before anything runs (kind mismatch, namespace, bad path)."""

    def transfer(
        self, box: ContainerAccess, target: DeployTarget, release: Release, log: Log
    ) -> None:
        """Put the release's content into the container, not yet served."""

    def activate(
        self, box: ContainerAccess, target: DeployTarget, release: Release, log: Log
    ) -> Verdict | None:
        """Make the transferred release the one served (atomically where the server can).
        A verdict when the activation's own exec also read the server's status (Tomcat's
        deploy and ``list`` in one exec): ``verify`` is then not asked."""

    def verify(
        self, box: ContainerAccess, target: DeployTarget, release: Release, log: Log
    ) -> Verdict:
        """The driver's own status of the release; the executor adds the HTTP probe."""

    def current(self, box: ContainerAccess, target: DeployTarget, path: str) -> str | None:
        """The deployment id the target serves at ``path`` now, or None."""
