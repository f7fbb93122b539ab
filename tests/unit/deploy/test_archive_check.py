"""Archive safety at upload: zip and tar.gz, bounded, and a static site's entries stay in
their release directory (no `..`, absolute path, link outside, device or fifo)."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from core_monitor.deploy import archive_check
from core_monitor.deploy.archive_check import ArchiveRefused, check_archive
from core_monitor.domain.deploy import ArtifactKind
from tests.support.deploys import site, war


def tar(tmp_path: Path, *members: tarfile.TarInfo) -> Path:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        archive.addfile(_file("index.html"), io.BytesIO(b"hi"))
        for member in members:
            archive.addfile(member, io.BytesIO(b"x" * member.size) if member.isfile() else None)
    path = tmp_path / "site.tar.gz"
    path.write_bytes(out.getvalue())
    return path


def _file(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = 2
    return info


def _link(name: str, target: str, kind: bytes = tarfile.SYMTYPE) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info


def _special(name: str, kind: bytes) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    return info


def refused(path: Path, kind: ArtifactKind = ArtifactKind.STATIC) -> str:
    with pytest.raises(ArchiveRefused) as caught:
        check_archive(path, kind)
    return str(caught.value)


def test_a_plain_site_passes(tmp_path: Path) -> None:
    path = tmp_path / "s.tar.gz"
    path.write_bytes(site("v1", {"css/a.css": b"x"}))
    check_archive(path, ArtifactKind.STATIC)
    inside = tar(
        tmp_path,
        _link("css/current", "../index.html"),
        _link("hard", "index.html", tarfile.LNKTYPE),
    )
    check_archive(inside, ArtifactKind.STATIC)


@pytest.mark.parametrize(
    ("member", "named"),
    [
        (_file("../evil.html"), "../evil.html"),
        (_file("a/../../evil.html"), "a/../../evil.html"),
        (_file("/etc/passwd"), "/etc/passwd"),
        (_link("passwd", "/etc/passwd"), "passwd"),
        (_link("a/b/up", "../../../etc"), "a/b/up"),
        (_link("hard", "../outside", tarfile.LNKTYPE), "hard"),
        (_special("dev/null", tarfile.CHRTYPE), "dev/null"),
        (_special("disk", tarfile.BLKTYPE), "disk"),
        (_special("pipe", tarfile.FIFOTYPE), "pipe"),
    ],
)
def test_unsafe_tar_entries_are_refused_by_name(
    tmp_path: Path, member: tarfile.TarInfo, named: str
) -> None:
    assert named in refused(tar(tmp_path, member))


def zipped(tmp_path: Path, name: str, data: bytes, mode: int | None = None) -> Path:
    path = tmp_path / "site.zip"
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo(name)
        if mode is not None:
            info.external_attr = mode << 16
        archive.writestr(info, data)
    return path


def test_unsafe_zip_entries_are_refused(tmp_path: Path) -> None:
    assert "../x" in refused(zipped(tmp_path, "../x", b"x"))
    assert "/abs" in refused(zipped(tmp_path, "/abs", b"x"))
    link = stat.S_IFLNK | 0o777
    assert "up" in refused(zipped(tmp_path, "up", b"../../etc/passwd", link))
    assert "fifo" in refused(zipped(tmp_path, "fifo", b"", stat.S_IFIFO | 0o644))
    check_archive(zipped(tmp_path, "ok/link", b"../index.html", link), ArtifactKind.STATIC)


def test_unreadable_archives_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "x"
    path.write_bytes(b"not an archive at all")
    assert "readable" in refused(path)
    assert "readable" in refused(path, ArtifactKind.WAR)
    path.write_bytes(site("v1")[:30])  # truncated
    refused(path)


def test_a_war_is_a_zip_and_may_hold_anything(tmp_path: Path) -> None:
    path = tmp_path / "app.war"
    path.write_bytes(war())
    check_archive(path, ArtifactKind.WAR)
    check_archive(zipped(tmp_path, "../META-INF/x", b"x"), ArtifactKind.EAR)  # not a site


def test_entry_count_and_unpacked_size_are_bounded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "s.tar.gz"
    path.write_bytes(site("v1", {f"f{i}": b"x" for i in range(5)}))
    monkeypatch.setattr(archive_check, "MAX_ENTRIES", 3)
    assert "entries" in refused(path)
    monkeypatch.setattr(archive_check, "MAX_ENTRIES", 100)
    monkeypatch.setattr(archive_check, "MAX_UNPACKED_BYTES", 4)
    assert "bytes" in refused(path)
