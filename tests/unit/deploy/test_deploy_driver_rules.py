"""The drivers' pure rules: Tomcat's manager answers and names, the release link and prune,
the site archive rewrite (zip → tar, one top directory stripped, escapes refused), curl's
status line, and the preflight each driver gives."""

from __future__ import annotations

import io
import stat
import subprocess
import tarfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core_monitor.deploy.drivers import DRIVERS
from core_monitor.deploy.drivers.archive import release_tar, safe_entry
from core_monitor.deploy.drivers.base import (
    _CURL,
    THEN,
    DriverFailed,
    _curl_config,
    sh,
    split_status,
    split_then,
)
from core_monitor.deploy.drivers.releases import deployment_of, link_target, to_prune
from core_monitor.deploy.drivers.tomcat_text import (
    context_path_problem,
    parse_answer,
    parse_list,
    war_name,
)
from core_monitor.domain.deploy import (
    Artifact,
    ArtifactKind,
    DeployTarget,
    NginxSettings,
    TargetKind,
    TomcatSettings,
)

# Tomcat 10.1's manager, as answered (docs/peers-next measurements)
FAILED_START = "FAIL - Deployed application at context path [/app] but context failed to start\n"
LISTED = (
    "OK - Listed applications for virtual host [localhost]\n"
    "/manager:running:0:/usr/local/tomcat/webapps.dist/manager\n"
    "/app:stopped:0:app\n"
    "/:running:2:ROOT\n"
    "/a/b:running:0:a#b\n"
)


def test_a_failed_context_start_is_http_200_and_still_a_failure() -> None:
    answer = parse_answer(200, FAILED_START)
    assert not answer.ok
    assert answer.message == FAILED_START.strip()


def test_ok_and_refused_answers() -> None:
    assert parse_answer(200, "OK - Deployed application at context path [/app]\n").ok
    refused = parse_answer(401, "<html>401 Unauthorized</html>")
    assert not refused.ok and "credentials" in refused.message
    assert not parse_answer(404, "<html>Not found</html>").ok
    assert not parse_answer(200, "").ok


def test_list_reads_each_context_state() -> None:
    assert parse_list(LISTED) == {
        "/manager": "running",
        "/app": "stopped",
        "/": "running",
        "/a/b": "running",
    }


@pytest.mark.parametrize(
    ("path", "name"), [("/", "ROOT"), ("/app", "app"), ("/a/b", "a#b"), ("/shop-2.0", "shop-2.0")]
)
def test_tomcat_names_a_war_after_its_context_path(path: str, name: str) -> None:
    assert war_name(path) == name
    assert context_path_problem(path) is None


@pytest.mark.parametrize("path", ["", "app", "/app/", "/a/../b", "/a#b", "//x", "/a b", "/.."])
def test_context_paths_refused(path: str) -> None:
    assert context_path_problem(path)


def test_the_current_link_names_a_release() -> None:
    assert link_target("d1") == "releases/d1"
    assert deployment_of("releases/d1") == "d1"
    assert deployment_of("/srv/sites/default/releases/d1/") == "d1"
    for target in ("elsewhere/d1", "releases/", "releases/d1.partial", "d1", "releases/.."):
        assert deployment_of(target) is None


def test_prune_keeps_the_newest_and_never_the_current_or_previous() -> None:
    newest_first = ["r6", "r5", "r4.partial", "r4", "r3", "r2", "r1"]
    assert to_prune(newest_first, 2, current="r6", previous="r5") == ["r4", "r3", "r2", "r1"]
    # a rollback to an old release: it and the one it replaced stay, whatever their age
    assert to_prune(newest_first, 2, current="r1", previous="r6") == ["r4", "r3", "r2"]
    assert to_prune(newest_first, 10, current="r6", previous=None) == []


def _names(stream: io.BufferedIOBase | object) -> dict[str, tarfile.TarInfo]:
    with tarfile.open(fileobj=stream, mode="r") as tar:  # type: ignore[call-overload]
        return {member.name: member for member in tar.getmembers()}


def test_a_zip_site_becomes_a_tar_without_its_top_directory(tmp_path: Path) -> None:
    source = tmp_path / "site.zip"
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("dist/", "")
        archive.writestr("dist/index.html", "hi")
        info = zipfile.ZipInfo("dist/run.sh")
        info.external_attr = (stat.S_IFREG | 0o700) << 16
        archive.writestr(info, "echo")
        link = zipfile.ZipInfo("dist/home.html")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "index.html")
    members = _names(release_tar(source))
    assert set(members) == {"index.html", "run.sh", "home.html"}
    assert members["run.sh"].mode == 0o744  # readable by nginx's workers
    assert members["home.html"].issym() and members["home.html"].linkname == "index.html"
    assert all(member.uid == 0 for member in members.values())


def test_a_lone_file_is_not_taken_for_a_top_directory(tmp_path: Path) -> None:
    source = tmp_path / "one.tar.gz"
    with tarfile.open(source, "w:gz") as tar:
        info = tarfile.TarInfo("index.html")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    assert set(_names(release_tar(source))) == {"index.html"}


@pytest.mark.parametrize(
    ("name", "link"),
    [("../x", None), ("/etc/passwd", None), ("a/../../x", None), ("a/l", "../../x"), ("l", "/etc")],
)
def test_entries_leaving_the_site_are_refused(name: str, link: str | None) -> None:
    with pytest.raises(DriverFailed):
        safe_entry(name, link)


def test_device_entries_are_refused(tmp_path: Path) -> None:
    source = tmp_path / "dev.tar"
    with tarfile.open(source, "w") as tar:
        info = tarfile.TarInfo("null")
        info.type = tarfile.CHRTYPE
        tar.addfile(info)
    with pytest.raises(DriverFailed, match="not a file"):
        release_tar(source)


def test_hidden_files_keep_their_dot() -> None:
    assert safe_entry("./.well-known/x") == ".well-known/x"


def test_curl_status_line_and_config_quoting() -> None:
    assert split_status(b"OK - done\n200") == (200, "OK - done")
    assert split_status(b"curl: (7) Failed to connect") == (0, "curl: (7) Failed to connect")
    assert _curl_config("u", 'p"a\\ss') == b'user = "u:p\\"a\\\\ss"\n'


def _artifact(kind: ArtifactKind) -> Artifact:
    return Artifact(
        sha256="0" * 64,
        kind=kind,
        filename="x",
        size=1,
        uploaded_by="t",
        uploaded_at=datetime.now(UTC),
    )


def test_preflight_names_the_field() -> None:
    nginx = DeployTarget(service="web", settings=NginxSettings())
    tomcat = DeployTarget(service="app", settings=TomcatSettings())
    refused = DRIVERS[TargetKind.NGINX].preflight(nginx, _artifact(ArtifactKind.WAR), "../x")
    assert [error.path for error in refused] == ["artifact", "path"]
    refused = DRIVERS[TargetKind.TOMCAT].preflight(tomcat, _artifact(ArtifactKind.STATIC), "/app")
    assert [error.path for error in refused] == ["artifact"]
    assert DRIVERS[TargetKind.TOMCAT].preflight(tomcat, _artifact(ArtifactKind.WAR), "/a/b") == []


@pytest.mark.parametrize(
    ("answer", "recorded"),
    [
        ("OK - Deployed application at context path [/app]\n200", True),
        (f"{FAILED_START}200", False),
        ("OK - but not really\n401", False),
    ],
)
def test_the_marker_is_written_only_after_a_success_line(
    tmp_path: Path, answer: str, recorded: bool
) -> None:
    """The deploy's own exec rewrites the marker (a real sh, a stand-in curl that checks it
    got its config on fd 3 and the body on stdin)."""
    fake = tmp_path / "curl"
    fake.write_text(
        "#!/bin/sh\n"
        f'grep -q "user = " /dev/fd/3 || exit 9\ncat > {tmp_path}/body\n'
        f"printf '%s' '{answer}'\n"
    )
    fake.chmod(0o755)
    marker = tmp_path / ".coremon-app.deployment"
    marker.write_text("previous\n")
    argv = sh(_CURL, str(marker), "d7", "OK - ", "", "", "-T", "-", "http://x/deploy")
    done = subprocess.run(
        argv,
        input=b'user = "u:p"\nTHE-WAR',
        capture_output=True,
        env={"PATH": f"{tmp_path}:/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode() == answer
    assert (tmp_path / "body").read_bytes() == b"THE-WAR"
    assert (marker.read_text() if marker.exists() else None) == ("d7\n" if recorded else None)


@pytest.mark.parametrize(
    ("answer", "listed"),
    [
        ("OK - Deployed application at context path [/app]\n200", True),
        (f"{FAILED_START}200", False),
        ("<html>Unauthorized</html>\n401", False),
    ],
)
def test_the_list_follows_in_the_same_exec_only_after_a_success(
    tmp_path: Path, answer: str, listed: bool
) -> None:
    """A real sh, a stand-in curl answering the deploy (the WAR on stdin), ``list``
    (nothing on stdin, its config on fd 3 too) and the probe (no credentials: no config)."""
    fake = tmp_path / "curl"
    fake.write_text(
        "#!/bin/sh\n"
        'case " $* " in *" -K "*) ;; *) printf 302; exit 0;; esac\n'
        'grep -q "user = " /dev/fd/3 || exit 9\n'
        "for a; do last=$a; done\n"
        "case $last in\n"
        "  */list) printf 'OK - Listed applications\\n/app:running:0:app\\n200';;\n"
        f"  *) cat > {tmp_path}/body; printf '%s' '{answer}';;\n"
        "esac\n"
    )
    fake.chmod(0o755)
    marker = tmp_path / ".coremon-app.deployment"
    argv = sh(
        _CURL,
        str(marker),
        "d8",
        "OK - ",
        "http://x/list",
        "http://x/app/",
        "-T",
        "-",
        "http://x/deploy",
    )
    done = subprocess.run(
        argv,
        input=b'user = "u:p"\nTHE-WAR',
        capture_output=True,
        env={"PATH": f"{tmp_path}:/usr/bin:/bin"},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "body").read_bytes() == b"THE-WAR"
    parts = split_then(done.stdout)
    assert parts[0].decode() == answer
    assert (THEN in done.stdout) is listed
    if listed:
        assert parts[1:] == [b"OK - Listed applications\n/app:running:0:app\n200", b"302"]
        assert marker.read_text() == "d8\n"
