"""Compose's merge rules, one rule per test (the oracle checks them together)."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from core_monitor.compose import load_compose
from core_monitor.compose.merge import merge_project, merge_service


def web(**keys: Any) -> dict[str, Any]:
    return {"services": {"web": {"image": "busybox", **keys}}}


def merged(base: dict[str, Any], override: dict[str, Any]) -> Any:
    return merge_service(base, override)


def test_scalars_are_replaced_and_new_keys_added() -> None:
    assert merged({"image": "a", "user": "1"}, {"image": "b", "tty": True}) == {
        "image": "b",
        "user": "1",
        "tty": True,
    }


def test_command_and_entrypoint_are_replaced_whole() -> None:
    result = merged(
        {"command": ["a", "b"], "entrypoint": ["x"]}, {"command": "c", "entrypoint": []}
    )
    assert result == {"command": "c", "entrypoint": []}


def test_environment_merges_by_name_across_list_and_mapping_forms() -> None:
    result = merged({"environment": ["A=1", "B=2", "D"]}, {"environment": {"B": "3", "C": None}})
    assert result["environment"] == {"A": "1", "B": "3", "D": None, "C": None}


def test_labels_merge_by_name() -> None:
    assert merged({"labels": {"a": "1"}}, {"labels": ["a=2", "b=3"]})["labels"] == {
        "a": "2",
        "b": "3",
    }


def test_ports_are_appended_and_unique_by_address_target_and_protocol() -> None:
    result = merged(
        {"ports": ["8000-8001:80-81", "9000:90"]},
        {"ports": ["8001:81/tcp", "127.0.0.1:9000:90", "9000:90/udp"]},
    )
    assert result["ports"] == [
        {"target": 80, "published": "8000", "protocol": "tcp", "mode": "ingress"},
        "8001:81/tcp",
        "9000:90",
        "127.0.0.1:9000:90",
        "9000:90/udp",
    ]


def test_volumes_are_unique_by_target_later_wins_in_place() -> None:
    result = merged(
        {"volumes": ["data:/data", "/tmp:/tmp:ro"]},
        {"volumes": [{"type": "volume", "source": "other", "target": "/data"}, "/x:/x"]},
    )
    assert result["volumes"] == [
        {"type": "volume", "source": "other", "target": "/data"},
        "/tmp:/tmp:ro",
        "/x:/x",
    ]


def test_dns_and_capabilities_are_appended_without_duplicates() -> None:
    result = merged(
        {"dns": "8.8.8.8", "cap_add": ["A"]}, {"dns": ["1.1.1.1", "8.8.8.8"], "cap_add": ["B", "A"]}
    )
    assert result["dns"] == ["8.8.8.8", "1.1.1.1"]
    assert result["cap_add"] == ["A", "B"]


def test_other_sequences_are_appended() -> None:
    assert merged({"security_opt": ["a"]}, {"security_opt": ["a", "b"]})["security_opt"] == [
        "a",
        "a",
        "b",
    ]


def test_logging_keeps_options_for_the_same_driver_and_drops_them_for_another() -> None:
    base = {"logging": {"driver": "json-file", "options": {"max-size": "1m"}}}
    same = merged(base, {"logging": {"options": {"max-file": "3"}}})
    assert same["logging"] == {
        "driver": "json-file",
        "options": {"max-size": "1m", "max-file": "3"},
    }
    other = merged(base, {"logging": {"driver": "local"}})
    assert other["logging"] == {"driver": "local"}


def test_healthcheck_test_is_replaced_the_rest_merged() -> None:
    base = {"healthcheck": {"test": ["CMD", "a", "b"], "interval": "10s", "retries": 3}}
    result = merged(base, {"healthcheck": {"test": ["CMD", "c"], "interval": "20s"}})
    assert result["healthcheck"] == {"test": ["CMD", "c"], "interval": "20s", "retries": 3}


def test_networks_and_depends_on_merge_across_list_and_mapping_forms() -> None:
    result = merged(
        {"networks": ["front"], "depends_on": ["db"]},
        {
            "networks": {"back": {"aliases": ["w"]}},
            "depends_on": {"cache": {"condition": "service_healthy"}},
        },
    )
    assert result["networks"] == {"front": None, "back": {"aliases": ["w"]}}
    assert result["depends_on"] == {
        "db": {"condition": "service_started", "required": True},
        "cache": {"condition": "service_healthy"},
    }


def test_ulimits_merge_per_limit() -> None:
    result = merged(
        {"ulimits": {"nofile": {"soft": 1, "hard": 2}, "nproc": 5}},
        {"ulimits": {"nofile": {"soft": 2}, "nproc": 6}},
    )
    assert result["ulimits"] == {"nofile": {"soft": 2, "hard": 2}, "nproc": 6}


def test_build_string_and_mapping_forms_merge() -> None:
    result = merged({"build": "."}, {"build": {"args": ["A=1"], "target": "prod"}})
    assert result["build"] == {"context": ".", "target": "prod", "args": {"A": "1"}}


def test_project_merge_adds_services_and_merges_resource_labels() -> None:
    base = {**web(), "volumes": {"data": {"labels": ["a=1"]}}, "name": "x"}
    override = {"services": {"db": {"image": "db"}}, "volumes": {"data": {"labels": {"b": "2"}}}}
    result = merge_project(base, override)
    assert set(result["services"]) == {"web", "db"}
    assert result["volumes"]["data"]["labels"] == {"a": "1", "b": "2"}
    assert result["name"] == "x"


def test_inputs_are_not_modified() -> None:
    base = web(environment=["A=1"], ports=["80"])
    snapshot = repr(base)
    merge_project(base, web(environment={"B": "2"}, ports=["81"]))
    assert repr(base) == snapshot


def test_override_files_through_load_compose() -> None:
    files = {
        "override.yaml": b"services:\n  web:\n    image: busybox:${TAG}\n"
        b"    environment: {B: '2'}\n"
    }
    project = load_compose(
        "services:\n  web:\n    image: nginx\n    environment: [A=1]\n",
        {"TAG": "1.36"},
        files=files,
        overrides=["override.yaml"],
    )
    web_service = project.services["web"]
    assert web_service.image == "busybox:1.36"
    assert web_service.environment == {"A": "1", "B": "2"}


_names = st.sampled_from(["A", "B", "C"])
_services = st.fixed_dictionaries(
    {"image": st.just("busybox")},
    optional={
        "environment": st.dictionaries(_names, st.text("xyz", max_size=2), max_size=3),
        "ports": st.lists(st.sampled_from(["80", "8080:80", "127.0.0.1:9000:90/udp"]), max_size=3),
        "dns": st.lists(st.sampled_from(["1.1.1.1", "8.8.8.8"]), max_size=2, unique=True),
        "command": st.lists(st.text("ab", min_size=1, max_size=2), max_size=2),
    },
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["web", "db"]), _services, min_size=1))
def test_merging_an_empty_override_is_the_identity(services: dict[str, Any]) -> None:
    project = {"services": services}
    assert merge_project(project, {}) == project
    assert merge_project(project, {"services": {}}) == project
    for name, service in services.items():
        assert merge_service(service, {}) == service
        del name


def test_reset_removes_a_key_and_override_replaces_instead_of_merging() -> None:
    files = {
        "o.yaml": b"services:\n  web:\n    environment: !override {C: '3'}\n"
        b"    dns: !override ['8.8.8.8']\n    command: !reset null\n  gone: !reset\n"
    }
    text = (
        "services:\n  web:\n    image: busybox\n    environment: {A: '1'}\n"
        "    dns: [1.1.1.1]\n    command: [a]\n    user: !reset '1000'\n"
        "  gone:\n    image: busybox\n"
    )
    project = load_compose(text, files=files, overrides=["o.yaml"])
    web_service = project.services["web"]
    assert web_service.environment == {"C": "3"}
    assert web_service.dns == ["8.8.8.8"]
    assert web_service.command is None
    assert web_service.user is None
    assert set(project.services) == {"web"}


def test_an_override_tag_is_interpolated() -> None:
    text = "services:\n  web:\n    image: busybox\n    environment: !override {A: '${X}'}\n"
    assert load_compose(text, {"X": "1"}).services["web"].environment == {"A": "1"}
