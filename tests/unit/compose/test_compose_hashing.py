"""Content and service-configuration hashes."""

from __future__ import annotations

import re

from core_monitor.compose import content_hash, load_compose, service_config_hash

# the web service's hash before issue 15 added fields to ServiceSpec (measured on that code)
WEB_HASH_BEFORE_ISSUE_15 = "3ad6b90f5aa134ff574ee8ad488e731ebfcd03245ee85ac8d858e3d95076e0e2"
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


def test_a_service_without_issue_15_keys_keeps_the_hash_it_had() -> None:
    """Containers already running are labelled with their service's hash: a new field left at
    its default must not change it (else every container would be recreated on upgrade).
    The value is the hash of BASE's web service before those fields existed."""
    assert service_config_hash(load_compose(BASE), "web") == WEB_HASH_BEFORE_ISSUE_15


def test_each_issue_15_key_changes_the_service_hash() -> None:
    before = service_config_hash(load_compose(BASE), "web")
    for line in (
        "platform: linux/amd64",
        "runtime: runc",
        "mac_address: 02:42:ac:11:00:02",
        "links: [db]",
        "external_links: [x]",
        "volumes_from: [db]",
        "attach: false",
        "deploy: {resources: {reservations: {memory: 1m}}}",
    ):
        changed = BASE.replace("    image: nginx\n", f"    image: nginx\n    {line}\n", 1)
        assert service_config_hash(load_compose(changed), "web") != before, line
