"""The nginx driver: a static site as releases next to a ``current`` symlink.

    <content>/<site>/releases/<deployment_id>/   unpacked from the artifact (put_archive)
    <content>/<site>/current -> releases/<id>    what nginx serves (``root …/current;``)

Transfer unpacks into ``<id>.partial`` and renames it when complete, so a release is
either whole or absent (a re-run after a crash finds it whole and keeps it). Activation
swaps the link with ``ln -s … .current.tmp && mv -T .current.tmp current`` — rename(2):
no request ever sees a half-deployed site — then prunes releases past ``keep_releases``
(never the current or the previous one). nginx resolves ``root`` through the link on every
request (measured), so a deploy changes no configuration and reloads nothing: ``nginx -t``
and a reload belong to a change of the configuration itself, which a site deploy never
makes. (A server that resolves its root once at start — busybox httpd — would need one.)
"""

from __future__ import annotations

from core_monitor.deploy.driver import ContainerAccess, Log, Release, Verdict
from core_monitor.deploy.drivers.archive import release_tar
from core_monitor.deploy.drivers.base import SAFE_NAME, checked, kind_errors, safe_name, sh
from core_monitor.deploy.drivers.releases import (
    CURRENT,
    PARTIAL,
    RELEASES,
    deployment_of,
    link_target,
    to_prune,
)
from core_monitor.domain.deploy import (
    ACCEPTS,
    Artifact,
    DeployTarget,
    NginxSettings,
    TargetKind,
)
from core_monitor.errors import FieldError

_UNPACK = (
    f'if [ -d "$1" ]; then echo present; else rm -rf "$1{PARTIAL}" && mkdir -p "$1{PARTIAL}"; fi'
)
_SWAP = (
    f'cd "$1" && rm -f .{CURRENT}.tmp && ln -s "$2" .{CURRENT}.tmp'
    f' && mv -T .{CURRENT}.tmp {CURRENT} && touch "$2"'
)
_PRUNE = 'cd "$1" && shift && rm -rf -- "$@"'
_SERVES = f'[ -f "$1/{CURRENT}/index.html" ] || [ -f "$1/{CURRENT}/index.htm" ]'


class NginxDriver:
    kind = TargetKind.NGINX
    accepts = ACCEPTS[TargetKind.NGINX]

    def preflight(self, target: DeployTarget, artifact: Artifact, path: str) -> list[FieldError]:
        errors = kind_errors(self.kind, artifact)
        if not SAFE_NAME.fullmatch(path) or ".." in path:
            errors.append(FieldError("path", f"site name {path!r}: letters, digits, . _ -"))
        return errors

    def transfer(
        self, box: ContainerAccess, target: DeployTarget, release: Release, log: Log
    ) -> None:
        directory = f"{_site(target, release.path)}/{RELEASES}/{_release_id(release)}"
        if checked(box, sh(_UNPACK, directory), "prepare the release") == "present":
            log(f"release {directory} already unpacked")
            return
        box.put_archive(f"{directory}{PARTIAL}", release_tar(release.content))
        checked(box, ["mv", "-T", f"{directory}{PARTIAL}", directory], "complete the release")
        log(f"unpacked {release.artifact.filename} into {directory}")

    def activate(
        self, box: ContainerAccess, target: DeployTarget, release: Release, log: Log
    ) -> None:
        site, release_id = _site(target, release.path), _release_id(release)
        previous = _serving(box, site)
        checked(box, sh(_SWAP, site, link_target(release_id)), "swap the current link")
        log(f"{site}/{CURRENT} -> {link_target(release_id)} (was {previous or 'none'})")
        listing = checked(box, ["ls", "-1t", f"{site}/{RELEASES}"], "list the releases")
        doomed = to_prune(
            listing.splitlines(), _settings(target).keep_releases, release_id, previous
        )
        if doomed:
            checked(box, sh(_PRUNE, f"{site}/{RELEASES}", *doomed), "prune old releases")
            log(f"pruned {len(doomed)} old release(s): {', '.join(doomed)}")

    def verify(
        self, box: ContainerAccess, target: DeployTarget, release: Release, log: Log
    ) -> Verdict:
        site = _site(target, release.path)
        serving = _serving(box, site)
        if serving != release.deployment_id:
            return Verdict(False, f"{site}/{CURRENT} names {serving or 'nothing'}")
        if box.run(sh(_SERVES, site)).exit_code != 0:
            return Verdict(False, f"release {serving} has no index.html")
        return Verdict(True, f"{site}/{CURRENT} -> {link_target(serving)}")

    def current(self, box: ContainerAccess, target: DeployTarget, path: str) -> str | None:
        return _serving(box, _site(target, path))


def _settings(target: DeployTarget) -> NginxSettings:
    if not isinstance(target.settings, NginxSettings):
        raise TypeError(f"{target.service} is not an nginx target")
    return target.settings


def _site(target: DeployTarget, path: str) -> str:
    return f"{_settings(target).content.rstrip('/')}/{safe_name(path, 'site')}"


def _release_id(release: Release) -> str:
    return safe_name(release.deployment_id, "deployment id")


def _serving(box: ContainerAccess, site: str) -> str | None:
    result = box.run(["readlink", f"{site}/{CURRENT}"])
    if result.exit_code != 0:
        return None
    return deployment_of(result.output.decode("utf-8", "replace").strip())
