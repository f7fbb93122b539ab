"""A project directory uploaded as a .tar.gz (issue 15): its compose file at the root, its
other files the version's bundle; bounded, and only plain files inside the directory."""

from __future__ import annotations

import io
import json
import tarfile

from fastapi.testclient import TestClient

from core_monitor.domain.bundle import MAX_FILE_BYTES

URL = "/api/v1/stacks"
COMPOSE = b"services:\n  web:\n    image: busybox:1\n    environment: {TAG: '${TAG}'}\n"


def _tgz(members: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            tar.addfile(info)
    return out.getvalue()


def _zeros(tar: tarfile.TarFile, name: str, size: int) -> None:
    info = tarfile.TarInfo(name)
    info.size = size
    tar.addfile(info, io.BytesIO(bytes(size)))


def _upload(client: TestClient, archive: bytes, name: str = "up") -> object:
    return client.post(
        f"{URL}/upload",
        data={"name": name, "variables": json.dumps({"TAG": "7"}), "comment": "from a tgz"},
        files={"archive": ("project.tar.gz", archive, "application/gzip")},
    )


def test_a_project_directory_becomes_a_stack_with_its_files(client: TestClient) -> None:
    archive = _tgz({"shop/compose.yaml": COMPOSE, "shop/conf/app.ini": b"[app]\n"})
    created = _upload(client, archive)
    assert created.status_code == 201, created.text  # type: ignore[attr-defined]
    version = client.get(f"{URL}/up/versions/1").json()
    assert version["compose"] == COMPOSE.decode() and version["comment"] == "from a tgz"
    assert version["definition"]["services"]["web"]["environment"] == {"TAG": "7"}
    listed = client.get(f"{URL}/up/versions/1/files").json()
    assert [f["path"] for f in listed] == ["conf/app.ini"]
    again = client.post(
        f"{URL}/up/versions/upload",
        files={"archive": ("p.tgz", _tgz({"compose.yml": COMPOSE, "b.txt": b"b"}), "x/y")},
    )
    assert again.status_code == 201, again.text
    assert again.json()["variables"] == {"TAG": {"value": "7", "secret": False}}  # inherited
    assert [f["path"] for f in client.get(f"{URL}/up/versions/2/files").json()] == ["b.txt"]


def test_a_link_or_a_path_outside_is_422_naming_the_member(client: TestClient) -> None:
    link = _upload(client, _tgz({"compose.yaml": COMPOSE}, links={"conf": "/etc"}))
    assert link.status_code == 422  # type: ignore[attr-defined]
    assert "archive.conf" in link.text  # type: ignore[attr-defined]
    outside = _upload(client, _tgz({"compose.yaml": COMPOSE, "../evil": b"x"}))
    assert outside.status_code == 422  # type: ignore[attr-defined]
    assert "archive.../evil" in outside.text  # type: ignore[attr-defined]
    none = _upload(client, _tgz({"readme.md": b"x"}))
    assert none.status_code == 422 and "compose.yaml" in none.text  # type: ignore[attr-defined]
    junk = _upload(client, b"not a gzip at all")
    assert junk.status_code == 422  # type: ignore[attr-defined]
    assert client.get(f"{URL}/up").status_code == 404


def test_a_file_too_large_or_a_gzip_bomb_is_413(client: TestClient) -> None:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        tar.addfile(_info("compose.yaml", len(COMPOSE)), io.BytesIO(COMPOSE))
        _zeros(tar, "big.bin", MAX_FILE_BYTES + 1)
    big = _upload(client, out.getvalue())
    assert big.status_code == 413 and "archive.big.bin" in big.text  # type: ignore[attr-defined]
    bomb = io.BytesIO()
    with tarfile.open(fileobj=bomb, mode="w:gz") as tar:
        tar.addfile(_info("compose.yaml", len(COMPOSE)), io.BytesIO(COMPOSE))
        for i in range(6):  # 48 MiB of zeros in a few hundred kilobytes
            _zeros(tar, f"zeros{i}.bin", MAX_FILE_BYTES)
    assert len(bomb.getvalue()) < 1024 * 1024
    refused = _upload(client, bomb.getvalue())
    assert refused.status_code == 413  # type: ignore[attr-defined]
    assert client.get(f"{URL}/up").status_code == 404


def _info(name: str, size: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size = size
    return info
