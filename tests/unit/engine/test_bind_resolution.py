"""Following a bind source's links one component at a time, over a host described as data
(the walk's logic; the real host probe is exercised in tests/acceptance)."""

from __future__ import annotations

import posixpath

import pytest

from core_monitor.engine.bind_resolution import resolve
from core_monitor.engine.model import PathStat

DIRS = {"/", "/srv", "/srv/a", "/srv/a/b", "/etc", "/run", "/var"}
LINKS = {
    "/srv/a/root": "/",
    "/srv/a/up": "../..",
    "/srv/a/sock": "/var/run/docker.sock",
    "/var/run": "../run",
    "/srv/a/loop": "loop",
    "/srv/a/inside": "b",
}
FILES = {"/run/docker.sock", "/etc/passwd"}


def stat(path: str) -> PathStat | None:
    if path in LINKS:
        return PathStat(is_dir=False, is_link=True)
    if path in DIRS:
        return PathStat(is_dir=True, is_link=False)
    if path in FILES:
        return PathStat(is_dir=False, is_link=False)
    return None


def read_link(path: str) -> str:
    return LINKS[path]


@pytest.mark.parametrize(
    ("path", "real"),
    [
        ("/srv/a/b", "/srv/a/b"),
        ("/srv/a/root", "/"),
        ("/srv/a/root/etc/passwd", "/etc/passwd"),
        ("/srv/a/up/etc", "/etc"),
        ("/srv/a/sock", "/run/docker.sock"),
        ("/srv/a/inside", "/srv/a/b"),
        ("/srv/a/new/dir", "/srv/a/new/dir"),  # absent: the engine will create it
    ],
)
def test_links_are_followed_as_the_kernel_does(path: str, real: str) -> None:
    found = resolve(path, stat, read_link)
    assert found.path == real, found
    assert posixpath.isabs(real)


def test_a_loop_and_a_file_in_the_middle_cannot_be_resolved_safely() -> None:
    assert resolve("/srv/a/loop", stat, read_link).problem == "too many levels of symbolic links"
    assert "not a directory" in (resolve("/etc/passwd/x", stat, read_link).problem or "")
