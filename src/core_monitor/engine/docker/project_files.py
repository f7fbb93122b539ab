"""A stack's project directory on the engine's host, read and written through the Engine
API only: the engine may be remote (TCP/TLS, SSH), sharing no filesystem with Core Monitor.

A helper image holding one empty file is imported through the API once per engine (no
registry needed). A container of it, never started, binds the project directory; the
archive API then writes the bundle into the bind (``put_archive``). Reading back binds the
host's root read only, as the host probe does, so an absent directory reads as absent
instead of being created by the read.

Removing a file: the archive API has no delete. Extracting an entry over an existing path
makes the engine remove that path first; an entry of a type it does not handle then fails
the extraction, after the removal. The removal is checked with a stat, never assumed.
"""

from __future__ import annotations

import contextlib
import io
import tarfile
import time
from collections.abc import Callable, Iterable, Iterator, Mapping

from core_monitor.domain.bundle import ProjectFiles
from core_monitor.domain.project_dir import MANIFEST
from core_monitor.engine import labels as lbl
from core_monitor.engine import project_files
from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.engine.errors import EngineFailed, EngineRefused
from core_monitor.errors import NotFound, TerminalError

HELPER_IMAGE = "coremon/files:1"
INSIDE = "/project"  # where the helper container sees the project directory
HOST_ROOT = "/coremon-host"  # where the reading container sees the host's root
_NEVER = ["/coremon-files-is-never-started"]
_UNHANDLED = b"X"  # a tar type flag the engine's extraction refuses


class ProjectDirectory:
    """One stack's project directory on one engine. ``fence`` runs before each write."""

    def __init__(
        self, gateway: DockerGateway, directory: str, fence: Callable[[], None] | None = None
    ) -> None:
        self.gw = gateway
        self.directory = directory
        self.fence = fence or (lambda: None)

    def read_manifest(self) -> dict[str, str] | None:
        """The bundle manifest written there last; None when there is none."""
        path = f"{HOST_ROOT}{self.directory}/{MANIFEST}"
        with self._container([f"/:{HOST_ROOT}:ro"]) as container:
            try:
                data = self._get(container, path)
            except NotFound:
                return None
        return project_files.decode(data)

    def write(self, files: ProjectFiles, obsolete: Iterable[str]) -> None:
        """The previous bundle's leftovers out (first: a file of theirs may be a directory
        of this one), then the bundle's files and its manifest in (last: until it is
        written, the next plan still sees the old manifest and writes again)."""
        wanted = project_files.manifest(files)
        archive = _tar({**files, MANIFEST: project_files.encode(wanted)})
        self.fence()
        with self._container([f"{self.directory}:{INSIDE}:rw"]) as container:
            for path in obsolete:
                self._remove(container, path)
            self.gw.call(
                f"write the project files of {self.directory}",
                lambda api: api.put_archive(container, INSIDE, archive),
            )

    # -- helpers ------------------------------------------------------------------------
    def _remove(self, container: str, path: str) -> None:
        entry = tarfile.TarInfo(path)
        entry.type = _UNHANDLED
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as archive:
            archive.addfile(entry)
        # refused after the removal (see above); whatever the answer, the stat decides
        with contextlib.suppress(EngineFailed, EngineRefused):
            self.gw.call(
                f"remove {path} from {self.directory}",
                lambda api: api.put_archive(container, INSIDE, buffer.getvalue()),
            )
        if self._exists(container, f"{INSIDE}/{path}"):
            raise TerminalError(f"cannot remove {path!r} from {self.directory}")

    def _exists(self, container: str, path: str) -> bool:
        response = self.gw.call(
            f"stat {path}",
            lambda api: api.head(
                f"{api.base_url}/v{api.api_version}/containers/{container}/archive",
                params={"path": path},
            ),
        )
        return bool(response.status_code != 404)

    def _get(self, container: str, path: str) -> bytes:
        data = self.gw.call(
            f"read {path}", lambda api: b"".join(api.get_archive(container, path)[0])
        )
        with tarfile.open(fileobj=io.BytesIO(data)) as archive:
            member = archive.next()
            found = archive.extractfile(member) if member is not None else None
            return found.read() if found is not None else b""

    @contextlib.contextmanager
    def _container(self, binds: list[str]) -> Iterator[str]:
        self._ensure_image()
        created = self.gw.call(
            "create the project files helper",
            lambda api: api.create_container(
                HELPER_IMAGE,
                entrypoint=_NEVER,
                network_disabled=True,
                labels={lbl.PROBE: "project-files"},
                host_config=api.create_host_config(binds=binds, network_mode="none"),
            ),
        )
        container = str(created["Id"])
        try:
            yield container
        finally:
            with contextlib.suppress(NotFound):
                self.gw.call(
                    "remove the project files helper",
                    lambda api: api.remove_container(container, force=True),
                )

    def _ensure_image(self) -> None:
        if self.gw.image_id(HELPER_IMAGE) is not None:
            return
        repository, _, tag = HELPER_IMAGE.partition(":")
        archive = _tar({"coremon-files": b""})
        self.gw.call(
            "import the project files helper image",
            lambda api: api.import_image_from_data(archive, repository=repository, tag=tag),
        )


def _tar(files: Mapping[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    now = int(time.time())
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for path, data in sorted(files.items()):
            entry = tarfile.TarInfo(path)
            entry.size, entry.mode, entry.mtime = len(data), 0o644, now
            archive.addfile(entry, io.BytesIO(data))
    return buffer.getvalue()
