"""The catalog's files: an operator's directories extend the packaged one; a bad file is
left out whole and reported with its path; a change is picked up on the next read."""

from __future__ import annotations

import os
from pathlib import Path

from core_monitor.catalog.files import PACKAGED, CatalogSource, load

GOOD = """\
id: thing
version: 1.0.0
title: Thing
category: tools
images: ["busybox:1"]
service: thing
parameters:
  type: object
  properties:
    port: {type: integer, default: 9000}
claims: ["host-port:{{ param.port }}"]
compose:
  services:
    thing:
      image: busybox:1
"""


def _write(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_an_operator_directory_adds_components(tmp_path: Path) -> None:
    _write(tmp_path, "thing/1.0.0.yaml", GOOD)
    catalog = load([PACKAGED, tmp_path])
    assert catalog.problems == ()
    assert "thing" in catalog.components and "postgresql" in catalog.components


def test_bad_files_are_left_out_whole_with_their_path(tmp_path: Path) -> None:
    bad = {
        "a/1.0.0.yaml": "id: a\nversion: [1\n",  # not YAML
        "b/1.0.0.yaml": GOOD.replace("id: thing", "id: b").replace("title: Thing\n", ""),
        "c/1.0.0.yaml": GOOD.replace("id: thing", "id: other"),  # not its folder
        "d/2.0.0.yaml": GOOD.replace("id: thing", "id: d"),  # not its file name
        "e/1.0.0.yaml": GOOD.replace("id: thing", "id: e").replace("type: integer", "type: 7"),
        "f/1.0.0.yaml": GOOD.replace("id: thing", "id: f").replace("param.port", "param.nope"),
        "g/1.0.0.yaml": GOOD.replace("id: thing", "id: g").replace("version: 1.0.0", "version: x"),
        "h/1.0.0.yaml": GOOD.replace("id: thing", "id: h").replace("type: object", "type: string"),
    }
    paths = {_write(tmp_path, rel, text) for rel, text in bad.items()}
    _write(tmp_path, "thing/1.0.0.yaml", GOOD)
    _write(tmp_path, "defaults.yaml", "defaults:\n  servlet: thing\n")  # does not provide it
    catalog = load([tmp_path])
    assert set(catalog.components) == {"thing"}
    reported = {p.path for p in catalog.problems}
    assert {str(p) for p in paths} <= reported
    assert "defaults.yaml" in reported
    messages = " ".join(p.message for p in catalog.problems)
    assert "not YAML" in messages and "title" in messages and "nope" in messages
    assert "not a valid JSON Schema" in messages and "type object" in messages


def test_a_later_directory_replaces_an_entry_and_changes_the_digest(tmp_path: Path) -> None:
    before = load([PACKAGED])
    _write(
        tmp_path,
        "redis/7.2.0.yaml",
        (PACKAGED / "redis/7.2.0.yaml").read_text().replace("title: Redis", "title: Our Redis"),
    )
    after = load([PACKAGED, tmp_path])
    assert after.components["redis"].newest.title == "Our Redis"
    assert after.digest != before.digest
    assert load([PACKAGED]).digest == before.digest  # the digest is the content's


def test_the_source_reloads_when_a_file_changes(tmp_path: Path) -> None:
    source = CatalogSource([tmp_path])
    first = source.current()
    assert source.current() is first  # nothing changed: not reloaded
    path = _write(tmp_path, "thing/1.0.0.yaml", GOOD)
    second = source.current()
    assert "thing" in second.components and second.digest != first.digest
    path.write_text(GOOD.replace("title: Thing", "title: Thing two"))
    os.utime(path, ns=(1, 1))  # a change the clock's resolution could hide
    assert source.current().components["thing"].newest.title == "Thing two"
    path.write_text("id: [")
    third = source.current()
    assert "thing" not in third.components
    assert [p.path for p in third.problems] == [str(path)]
