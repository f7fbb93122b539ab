"""One parser of the engine's container rows, and each naming rule in one place."""

from __future__ import annotations

import ast
from pathlib import Path

from core_monitor.compose import hashing
from core_monitor.engine import labels as lbl
from core_monitor.engine import planner
from core_monitor.engine.docker import rows
from core_monitor.engine.model import BindMount, PublishedPort

SRC = Path(__file__).resolve().parents[3] / "src" / "core_monitor"

ROW = {
    "Id": "abc",
    "Names": ["/shop-web-1", "/other/web"],
    "Image": "busybox:1",
    "ImageID": "sha256:1",
    "State": "exited",
    "Status": "Exited (137) 2 seconds ago (unhealthy)",
    "Ports": [
        {"IP": "::", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
        {"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
        {"IP": "0.0.0.0", "PrivatePort": 80, "PublicPort": 8080, "Type": "tcp"},
        {"PrivatePort": 443, "Type": "tcp"},
    ],
    "Mounts": [
        {"Type": "bind", "Source": "/srv/data", "RW": False},
        {"Type": "volume", "Name": "v", "Source": "/var/lib/docker/volumes/v/_data"},
    ],
    "Labels": {
        lbl.COMPOSE_PROJECT: "shop",
        lbl.COMPOSE_SERVICE: "web",
        lbl.COMPOSE_NUMBER: "1",
        lbl.COMPOSE_CONFIG_HASH: "h",
        lbl.STACK_VERSION: "3",
    },
}


def test_a_row_becomes_one_typed_container() -> None:
    c = rows.container(ROW)
    assert (c.id, c.name, c.names, c.project, c.service, c.number) == (
        "abc",
        "shop-web-1",
        ("shop-web-1", "other/web"),
        "shop",
        "web",
        1,
    )
    assert (c.state, c.health, c.exit_code, c.version) == ("exited", "unhealthy", 137, 3)
    assert (c.image, c.image_id, c.config_hash) == ("busybox:1", "sha256:1", "h")
    assert c.ports == (  # published ones only, each once, sorted
        PublishedPort(80, "tcp", "0.0.0.0", 8080),
        PublishedPort(80, "tcp", "::", 8080),
    )
    assert c.binds == (BindMount("/srv/data", read_write=False),)


def test_a_bare_row_has_defaults() -> None:
    c = rows.container({"Id": "x", "Status": "Up 1 second (health: starting)"})
    assert (c.name, c.state, c.health, c.exit_code, c.version) == (
        "?",
        "unknown",
        "starting",
        None,
        None,
    )


def test_the_container_name_rule() -> None:
    assert lbl.container_name("shop", "web", 2) == "shop-web-2"
    assert lbl.container_name("shop", "web", 2, "mine") == "mine"
    assert lbl.number_in_name(lbl.container_name("shop", "web", 12)) == 12
    assert lbl.number_in_name("mine") == 0


def test_the_depends_on_label_round_trips() -> None:
    text = lbl.encode_depends_on({"db": "service_healthy", "cache": "service_started"})
    assert text == "cache:service_started:false,db:service_healthy:false"
    assert lbl.decode_depends_on(text) == {"cache", "db"}
    assert lbl.decode_depends_on("") == set()


def test_the_planner_compares_what_the_hash_leaves_out() -> None:
    assert planner.HASH_EXCLUDED is hashing.EXCLUDED_FROM_SERVICE_HASH


def test_label_keys_are_spelled_only_in_labels_py() -> None:
    """No module but engine/labels.py writes a Compose or Core Monitor label key."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        if path == SRC / "engine" / "labels.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and text.startswith(("com.docker.compose", "io.coremon.")):
                found.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert found == []
