"""A version's files before they are stored (issue 15): clean paths, limits, secret files
sealed with the key, the content hash covering them; a project archive's bounds."""

from __future__ import annotations

import io
import tarfile

import pytest

from core_monitor.domain.bundle import MAX_BUNDLE_BYTES, MAX_FILE_BYTES, MAX_FILES
from core_monitor.domain.diff import file_changes
from core_monitor.errors import PayloadTooLarge, ValidationFailed
from core_monitor.services import bundles
from core_monitor.services.archive import read_project
from core_monitor.vault import SecretBox

BOX = SecretBox("a-test-key-for-the-bundle-rules")
COMPOSE = "services:\n  a:\n    image: busybox\nsecrets:\n  pw:\n    file: ./secrets/pw.txt\n"


def test_paths_are_cleaned_and_unsafe_ones_named() -> None:
    assert bundles.checked({"./conf//a.ini": b"x"}) == {"conf/a.ini": b"x"}
    with pytest.raises(ValidationFailed) as refused:
        bundles.checked({"../x": b"", "ok": b"", "/abs": b"", "a/./ok": b"", "a/ok": b""})
    assert [e.path for e in refused.value.errors] == ["files.../x", "files./abs", "files.a/ok"]


def test_limits_name_what_is_over_them() -> None:
    with pytest.raises(ValidationFailed, match="more than"):
        bundles.checked({f"f{i}": b"" for i in range(MAX_FILES + 1)})
    with pytest.raises(PayloadTooLarge, match=r"files\.big"):
        bundles.checked({"big": bytes(MAX_FILE_BYTES + 1)})
    count = MAX_BUNDLE_BYTES // MAX_FILE_BYTES + 1
    with pytest.raises(PayloadTooLarge, match="together"):
        bundles.checked({f"f{i}": bytes(MAX_FILE_BYTES) for i in range(count)})


def test_secret_files_are_sealed_and_opened_with_the_key() -> None:
    files = {"secrets/pw.txt": b"hunter2-long-secret", "conf/a.ini": b"plain"}
    stored = {f.path: f for f in bundles.sealed(COMPOSE, files, BOX)}
    assert stored["secrets/pw.txt"].secret and not stored["conf/a.ini"].secret
    assert b"hunter2" not in stored["secrets/pw.txt"].content
    assert stored["conf/a.ini"].content == b"plain"
    assert bundles.opened(list(stored.values()), BOX) == files
    with pytest.raises(ValidationFailed) as refused:
        bundles.sealed(COMPOSE, files, SecretBox(None))
    assert refused.value.errors[0].path == "files.secrets/pw.txt"


def test_the_content_hash_covers_the_files() -> None:
    one = bundles.sealed(COMPOSE, {"a": b"1"}, BOX)
    same = bundles.sealed(COMPOSE, {"a": b"1"}, BOX)
    other = bundles.sealed(COMPOSE, {"a": b"2"}, BOX)
    assert bundles.bundle_hash("h", ()) == "h"  # a version without files keeps its hash
    assert bundles.bundle_hash("h", one) == bundles.bundle_hash("h", same)
    assert bundles.bundle_hash("h", one) != bundles.bundle_hash("h", other)


def test_file_changes() -> None:
    before = {"a": "1", "b": "2", "c": "3"}
    after = {"b": "2", "c": "4", "d": "5"}
    assert [(c.path, c.change) for c in file_changes(before, after)] == [
        ("a", "removed"),
        ("c", "changed"),
        ("d", "added"),
    ]


def test_an_archive_whose_headers_unpack_past_the_limit_is_413() -> None:
    """A pax header is read whole by tarfile: the decompressed stream itself is bounded."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz", format=tarfile.PAX_FORMAT) as tar:
        info = tarfile.TarInfo("compose.yaml")
        info.pax_headers = {"comment": "x" * (MAX_BUNDLE_BYTES + 8 * 1024 * 1024)}
        tar.addfile(info, io.BytesIO(b""))
    with pytest.raises(PayloadTooLarge, match="unpacks"):
        read_project(out.getvalue())


def test_a_hard_link_is_refused_with_its_name() -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        info = tarfile.TarInfo("hard")
        info.type = tarfile.LNKTYPE
        info.linkname = "compose.yaml"
        tar.addfile(info)
    with pytest.raises(ValidationFailed) as refused:
        read_project(out.getvalue())
    assert refused.value.errors[0].path == "archive.hard"
