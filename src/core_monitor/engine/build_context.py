"""A build request from a service's ``build`` section and the version's files (pure).

The context travels to the engine as a gzipped tar made in memory (bounded by the bundle's
limits) with fixed metadata: the same files give the same archive, so the engine's build
cache is hit. A bundle carries no file modes: a file starting with ``#!`` is made
executable (0755), any other is 0644. ``dockerfile_inline`` is added to the archive under
``INLINE_DOCKERFILE``. The context's ``.dockerignore`` is applied here, as the docker CLI
applies it before sending (the engine does not): the last matching pattern wins, ``!``
re-includes, a pattern naming a directory leaves out everything below it; the Dockerfile and
``.dockerignore`` are always sent.
"""

from __future__ import annotations

import gzip
import io
import tarfile
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from core_monitor.domain.bundle import ProjectFiles, clean_path, under
from core_monitor.domain.compose import BuildSpec
from core_monitor.engine import labels as lbl

INLINE_DOCKERFILE = ".coremon.inline.Dockerfile"


@dataclass(frozen=True)
class BuildRequest:
    """What the Engine API's build endpoint receives (docker-py's ``api.build`` names)."""

    tag: str
    archive: bytes  # gzipped tar of the context
    dockerfile: str
    buildargs: dict[str, str] = field(default_factory=dict)
    target: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    network_mode: str | None = None
    shmsize: int | None = None
    nocache: bool = False
    pull: bool = False


def request(tag: str, build: BuildSpec, files: ProjectFiles) -> BuildRequest:
    context = ignored_out(under(files, clean_path(build.context)), build.dockerfile)
    dockerfile = build.dockerfile
    if build.dockerfile_inline is not None:
        context[INLINE_DOCKERFILE] = build.dockerfile_inline.encode()
        dockerfile = INLINE_DOCKERFILE
    return BuildRequest(
        tag=tag,
        archive=archive(context),
        dockerfile=dockerfile,
        # a bare arg (no value) is not passed: the Dockerfile's default applies
        buildargs={k: v for k, v in build.args.items() if v is not None},
        target=build.target,
        labels={**build.labels, lbl.BUILD_DIGEST: build.digest},
        network_mode=build.network,
        shmsize=build.shm_size,
        nocache=build.no_cache,
        pull=build.pull,
    )


def ignored_out(files: ProjectFiles, dockerfile: str) -> dict[str, bytes]:
    """``files`` less what the context's ``.dockerignore`` leaves out."""
    patterns = _patterns(files.get(".dockerignore", b""))
    keep = {".dockerignore", dockerfile}
    return {p: b for p, b in files.items() if p in keep or not _ignored(p, patterns)}


def _patterns(text: bytes) -> list[tuple[bool, str]]:
    """(re-include?, pattern) per line, comments and blank lines dropped."""
    found = []
    for raw in text.decode("utf-8", "replace").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line[1:].strip() if negate else line
        pattern = "/".join(p for p in pattern.strip("/").split("/") if p not in ("", "."))
        if pattern:
            found.append((negate, pattern))
    return found


def _ignored(path: str, patterns: list[tuple[bool, str]]) -> bool:
    ignored = False
    parts = path.split("/")
    prefixes = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    for negate, pattern in patterns:
        if any(_match(prefix, pattern) for prefix in prefixes):
            ignored = not negate
    return ignored


def _match(path: str, pattern: str) -> bool:
    if "**" in pattern:  # any number of directories: try it as zero, then as any
        return fnmatchcase(path, pattern.replace("**/", "")) or fnmatchcase(path, pattern)
    return fnmatchcase(path, pattern) and path.count("/") == pattern.count("/")


def archive(files: ProjectFiles) -> bytes:
    """A deterministic gzipped tar of ``files`` (relative path → bytes)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, content in sorted(files.items()):
            info = tarfile.TarInfo(path)
            info.size = len(content)
            info.mode = 0o755 if content.startswith(b"#!") else 0o644
            info.mtime = 0
            tar.addfile(info, io.BytesIO(content))
    return gzip.compress(raw.getvalue(), mtime=0)
