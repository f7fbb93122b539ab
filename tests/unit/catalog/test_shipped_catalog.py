"""Every component version the package ships: loaded without a problem, a valid parameter
schema, and its fragment (with what it needs, default answers) passes the compose loader."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from core_monitor.catalog.files import PACKAGED, load
from core_monitor.catalog.wizard import propose, with_generated
from core_monitor.compose import load_compose
from core_monitor.domain.catalog import Selected
from core_monitor.domain.deploy import EXTENSION, DeployTarget

CATALOG = load([PACKAGED])
ENTRIES = [v for c in CATALOG.components.values() for v in c.versions]
IDS = [f"{v.id}-{v.version}" for v in ENTRIES]
SHARED_REFS = {
    "nginx:1.27",
    "haproxy:2.8",
    "tomcat:10.1",
    "quay.io/wildfly/wildfly:30.0.1.Final-jdk17",
    "postgres:16",
    "postgres:15",
    "mariadb:10.11",
    "redis:7.2",
    "rabbitmq:3.12-management",
    "adminer:4.8.1",
}


def rendered(component: str, version: str) -> tuple[str, dict[str, str]]:
    """The compose and variables of one component version with its needs, default answers."""
    proposal = propose(CATALOG, [Selected(component=component, version=version)], {})
    assert proposal.ok, proposal.resolution.violations
    final = with_generated(CATALOG, proposal.resolution, {})
    again = propose(CATALOG, [Selected(component=component, version=version)], final)
    assert again.ok, again.resolution.violations
    return again.rendered.compose, {v.name: v.value or "" for v in again.rendered.variables}


def test_the_packaged_catalog_loads_whole() -> None:
    assert CATALOG.problems == ()
    assert len(CATALOG.components) >= 12
    assert len(CATALOG.components["postgresql"].versions) == 2


def test_the_images_are_the_shared_references() -> None:
    images = {i for v in ENTRIES for i in v.images}
    assert images == SHARED_REFS


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_its_parameter_schema_is_valid_json_schema(entry: object) -> None:
    from core_monitor.domain.catalog import ComponentVersion

    assert isinstance(entry, ComponentVersion)
    Draft202012Validator.check_schema(entry.parameters)
    assert Draft202012Validator(entry.parameters).is_valid(
        {n: s["default"] for n, s in entry.properties.items() if "default" in s}
        | {
            n: "generated-value-0123456789"
            for n, s in entry.properties.items()
            if s.get("generate")
        }
    )


@pytest.mark.parametrize("entry", ENTRIES, ids=IDS)
def test_its_fragment_with_default_answers_passes_the_loader(entry: object) -> None:
    from core_monitor.domain.catalog import ComponentVersion

    assert isinstance(entry, ComponentVersion)
    text, variables = rendered(entry.id, entry.version)
    project = load_compose(text, variables, project_name="wizard")
    for image in entry.images:
        assert image in {s.image for s in project.services.values()}
    assert "{{" not in text  # no template language of ours is left


@pytest.mark.parametrize("entry", [e for e in ENTRIES if e.deploy], ids=lambda e: e.id)
def test_its_deploy_target_parses_as_the_shared_settings(entry: object) -> None:
    from core_monitor.domain.catalog import ComponentVersion

    assert isinstance(entry, ComponentVersion)
    assert entry.deploy is not None
    target = DeployTarget.model_validate({"service": entry.service, "settings": entry.deploy})
    assert target.kind.value == entry.deploy["kind"]
    assert EXTENSION in entry.compose["services"][entry.service]


def ten_components() -> tuple[str, dict[str, str]]:
    """The benchmark's selection (8 asked for, 2 added), rendered with generated secrets."""
    from benchmarks.wizard import ANSWERS, SELECTION

    proposal = propose(CATALOG, SELECTION, ANSWERS)
    assert proposal.ok, proposal.resolution.violations
    final = with_generated(CATALOG, proposal.resolution, ANSWERS)
    again = propose(CATALOG, SELECTION, final)
    return again.rendered.compose, {v.name: v.value or "" for v in again.rendered.variables}


def test_a_ten_component_selection_passes_the_loader() -> None:
    text, variables = ten_components()
    project = load_compose(text, variables, project_name="wizard")
    assert set(project.services) == {
        "adminer",
        "mariadb",
        "nginx",
        "postgresql",
        "proxy",
        "rabbitmq",
        "redis",
        "tomcat",
    }
    assert project.services["proxy"].environment == {}
    assert project.services["tomcat"].environment["DB_HOST"] == "postgresql"
    assert variables["POSTGRESQL_DATABASE"] == "shop"
