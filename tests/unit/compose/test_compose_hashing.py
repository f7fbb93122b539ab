"""Content and service-configuration hashes."""

from __future__ import annotations

import re

from core_monitor.compose import content_hash, load_compose, service_config_hash

BASE = """
services:
  web:
    image: nginx
    ports: ['8080:80']
    environment: {A: '1', B: '2'}
    depends_on: [db]
  db:
    image: postgres
"""


def test_hashes_are_sha256_hex() -> None:
    project = load_compose(BASE)
    assert re.fullmatch(r"[0-9a-f]{64}", content_hash(project))
    assert re.fullmatch(r"[0-9a-f]{64}", service_config_hash(project, "web"))


def test_content_hash_ignores_formatting_and_order() -> None:
    other = """
services:
  db: {image: postgres}
  web:
    depends_on: [db]
    environment: [B=2, A=1]
    ports: ["8080:80"]
    image: nginx
    x-note: ignored
"""
    assert content_hash(load_compose(BASE)) == content_hash(load_compose(other))


def test_content_hash_sees_every_change() -> None:
    assert content_hash(load_compose(BASE)) != content_hash(
        load_compose(BASE.replace("'2'", "'3'"))
    )
    assert content_hash(load_compose(BASE)) != content_hash(
        load_compose(BASE, project_name="other")
    )


def test_service_hash_excludes_scale_dependencies_profiles_pull_policy() -> None:
    base = load_compose(BASE)
    changed = load_compose(
        BASE.replace(
            "    depends_on: [db]\n",
            "    deploy: {replicas: 3}\n    profiles: [p]\n    pull_policy: always\n",
        ).replace("'8080:80'", "'80'")
    )
    assert service_config_hash(base, "web") != service_config_hash(changed, "web")  # ports
    same_ports = load_compose(
        BASE.replace(
            "    depends_on: [db]\n",
            "    scale: 0\n    profiles: [p]\n    pull_policy: always\n    x-a: 1\n",
        )
    )
    assert service_config_hash(base, "web") == service_config_hash(same_ports, "web")


def test_service_hash_changes_with_config() -> None:
    base = load_compose(BASE)
    assert service_config_hash(base, "web") != service_config_hash(
        load_compose(BASE.replace("image: nginx", "image: nginx:2")), "web"
    )
    assert service_config_hash(base, "web") != service_config_hash(base, "db")
