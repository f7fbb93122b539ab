"""``build:``: the syntax (short and long form) and its context, read from the version's bundle.

What the Engine API's build endpoint does offline is supported: a context directory of the
bundle, ``dockerfile`` or ``dockerfile_inline``, ``args``, ``target``, ``labels``,
``network`` (default, bridge or none), ``shm_size``, ``no_cache``, ``pull``. What it cannot do
here is refused by name, never dropped: remote (git, URL) contexts, and the BuildKit-only or
registry-bound options (``ssh``, ``secrets``, ``additional_contexts``, ``cache_from``…).

An image Compose would name ``<project>-<service>`` gets that name when the service gives
no ``image:``; with one, the build is tagged with it. The digest covers every byte the build
reads and every option, so a changed context changes the version's and the service's hash.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from core_monitor.compose.fields import Invalid, Reader
from core_monitor.domain.bundle import ProjectFiles, UnsafePath, clean_path, relative_source, under

BUILD_KEYS = {
    "context",
    "dockerfile",
    "dockerfile_inline",
    "args",
    "target",
    "labels",
    "network",
    "shm_size",
    "no_cache",
    "pull",
}
REFUSED = {
    "ssh": "ssh forwarding needs BuildKit's session, which the Engine API build does not offer",
    "secrets": "build secrets need BuildKit's session, which the Engine API build does not offer",
    "additional_contexts": "additional build contexts need BuildKit",
    "cache_from": "cache sources are registry images, and no registry is assumed here",
    "cache_to": "cache export needs BuildKit",
    "platforms": "multi-platform builds need BuildKit",
    "tags": "extra tags are not supported: name the image with `image:`",
    "privileged": "privileged builds are not allowed",
    "entitlements": "build entitlements need BuildKit",
    "extra_hosts": "build extra_hosts are not supported",
    "isolation": "isolation applies to Windows engines only",
    "ulimits": "build ulimits are not supported",
    "provenance": "attestations need BuildKit",
    "sbom": "attestations need BuildKit",
}
NETWORKS = {"default", "bridge", "none"}
REMOTE_PREFIXES = ("http://", "https://", "git://", "git@", "ssh://", "github.com/")


def read_build(reader: Reader, value: Any, path: str) -> dict[str, Any]:
    """The normalized ``build`` without its digest (``resolve`` adds it, with the files)."""
    if isinstance(value, str):
        return {"context": _context(reader, value, path)}
    config = reader.mapping(value, path)
    for key in config:
        if key in REFUSED:
            reader.fail(f"{path}.{key}", f"not supported: {REFUSED[key]}")
    reader.only_keys(config, BUILD_KEYS | set(REFUSED), path)
    out: dict[str, Any] = {
        "context": _context(reader, config.get("context", "."), f"{path}.context")
    }
    for key, read in _READERS.items():
        if config.get(key) is not None:
            try:
                out[key] = read(reader, config[key], f"{path}.{key}")
            except Invalid:
                continue
    return {k: v for k, v in out.items() if v is not None}


def _context(reader: Reader, value: Any, path: str) -> str:
    text = reader.string(value, path)
    if text.startswith(REMOTE_PREFIXES) or "://" in text:
        raise reader.fail(
            path, "remote build contexts are not supported: put the context in the version's files"
        )
    try:
        return relative_source(text)
    except UnsafePath as exc:
        raise reader.fail(path, f"build context {text!r} {exc}") from None


def _dockerfile(reader: Reader, value: Any, path: str) -> str:
    text = reader.string(value, path)
    try:
        return clean_path(text)
    except UnsafePath as exc:
        raise reader.fail(path, f"{text!r} {exc} (relative to the build context)") from None


def _network(reader: Reader, value: Any, path: str) -> str:
    text = reader.string(value, path)
    if text not in NETWORKS:
        raise reader.fail(path, f"must be one of {sorted(NETWORKS)} (a build joins no other)")
    return text


_READERS: dict[str, Any] = {
    "dockerfile": _dockerfile,
    "dockerfile_inline": lambda r, v, p: r.string(v, p),
    "args": lambda r, v, p: r.dict_or_list(v, p, null_for_bare=True),
    "target": lambda r, v, p: r.string(v, p),
    "labels": lambda r, v, p: {
        k: x or "" for k, x in r.dict_or_list(v, p, null_for_bare=False).items()
    },
    "network": _network,
    "shm_size": lambda r, v, p: r.size(v, p),
    "no_cache": lambda r, v, p: r.boolean(v, p),
    "pull": lambda r, v, p: r.boolean(v, p),
}


def resolve(
    reader: Reader, services: dict[str, dict[str, Any]], project: str, files: ProjectFiles
) -> None:
    """Each service's build context checked in the bundle, its digest and image name set."""
    for name, service in services.items():
        path = f"services.{name}"
        build = service.get("build")
        if build is None:
            if service.get("pull_policy") == "build":
                reader.fail(f"{path}.pull_policy", "build needs a `build` section")
            continue
        service.setdefault("image", f"{project}-{name}".lower())
        context_files = _context_files(reader, build, f"{path}.build", files)
        if context_files is not None:
            build["digest"] = digest(build, context_files)


def _context_files(
    reader: Reader, build: dict[str, Any], path: str, files: ProjectFiles
) -> dict[str, bytes] | None:
    context = clean_path(build["context"])
    found = under(files, context)
    if not found and not (context == "." and "dockerfile_inline" in build):  # may be empty
        reader.fail(
            f"{path}.context", f"{build['context']}: no such directory among the version's files"
        )
        return None
    dockerfile = build.get("dockerfile", "Dockerfile")
    if "dockerfile_inline" not in build and dockerfile not in found:
        where = dockerfile if context == "." else f"{context}/{dockerfile}"
        reader.fail(f"{path}.dockerfile", f"{where}: no such file among the version's files")
        return None
    return found


def digest(build: dict[str, Any], context_files: ProjectFiles) -> str:
    """sha256 over the options and each file's path and content hash (order-free)."""
    options = {k: v for k, v in build.items() if k != "digest"}
    contents = {p: hashlib.sha256(b).hexdigest() for p, b in sorted(context_files.items())}
    text = json.dumps({"options": options, "files": contents}, sort_keys=True)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()
