"""Semantic checks: each error carries its path."""

from __future__ import annotations

import pytest

from core_monitor.compose import load_compose, validate_project_name
from core_monitor.errors import FieldError, ValidationFailed


def errors(text: str, **kwargs: str) -> list[FieldError]:
    with pytest.raises(ValidationFailed) as info:
        load_compose(text, **kwargs)  # type: ignore[arg-type]
    return info.value.errors


def paths(text: str, **kwargs: str) -> list[str]:
    return [e.path for e in errors(text, **kwargs)]


@pytest.mark.parametrize("name", ["stack", "a", "my_stack-2", "0abc"])
def test_good_project_names(name: str) -> None:
    validate_project_name(name)


@pytest.mark.parametrize("name", ["", "Stack", "-a", "_a", "a.b", "a b", "x" * 64])
def test_bad_project_names(name: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        validate_project_name(name)
    assert [e.path for e in info.value.errors] == ["name"]


def test_load_checks_project_name() -> None:
    assert paths("services: {web: {image: x}}", project_name="Bad") == ["name"]


@pytest.mark.parametrize("name", ["web app", "-web", "wéb", "a/b"])
def test_bad_service_names(name: str) -> None:
    assert paths(f"services: {{'{name}': {{image: x}}}}") == [f"services.{name}"]


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("services: {web: {image: x}}\nmodels: {}", "models"),
        ("services: {web: {image: x, bogus: 1}}", "services.web.bogus"),
        ("services: {web: {image: x, healthcheck: {tst: a}}}", "services.web.healthcheck.tst"),
        ("services: {web: {image: x, ports: [{target: 1, x: 2}]}}", "services.web.ports[0].x"),
        ("services: {web: {image: x, deploy: {mode: global}}}", "services.web.deploy.mode"),
        (
            "services: {web: {image: x, deploy: {resources: {reservations: {pids: 1}}}}}",
            "services.web.deploy.resources.reservations.pids",
        ),
        (
            "services: {web: {image: x, networks: [n]}}\nnetworks: {n: {drver: x}}",
            "networks.n.drver",
        ),
        (
            "services: {web: {image: x, volumes: ['vol:/v']}}\nvolumes: {vol: {size: 1}}",
            "volumes.vol.size",
        ),
        (
            "services: {web: {image: x, logging: {driver: a, opts: {}}}}",
            "services.web.logging.opts",
        ),
        (
            "services: {web: {image: x, depends_on: {b: {when: now}}}, b: {image: x}}",
            "services.web.depends_on.b.when",
        ),
    ],
)
def test_unknown_keys_at_every_depth(text: str, path: str) -> None:
    assert path in paths(text)


def test_build_without_its_context_in_the_files_names_the_context() -> None:
    found = errors("services: {web: {build: .}}")
    assert [e.path for e in found] == ["services.web.build.context"]
    assert "no such directory" in found[0].message


def test_image_required() -> None:
    assert paths("services: {web: {restart: always}}") == ["services.web.image"]


def test_services_required_and_non_empty() -> None:
    assert paths("networks: {}") == ["services"]
    assert paths("services: {}") == ["services"]


def test_unknown_dependency() -> None:
    assert paths("services: {web: {image: x, depends_on: [db]}}") == ["services.web.depends_on.db"]


def test_cycle_is_named() -> None:
    found = errors("services: {a: {image: x, depends_on: [b]}, b: {image: x, depends_on: [a]}}")
    assert [e.message for e in found] == ["dependency cycle: a -> b -> a"]
    assert found[0].path == "services.a.depends_on"


def test_self_dependency_is_a_cycle() -> None:
    found = errors("services: {a: {image: x, depends_on: [a]}}")
    assert found[0].message == "dependency cycle: a -> a"


def test_undefined_network_and_volume() -> None:
    assert paths("services: {web: {image: x, networks: [front]}}") == [
        "services.web.networks.front"
    ]
    assert paths("services: {web: {image: x, volumes: ['data:/d']}}") == ["services.web.volumes[0]"]


@pytest.mark.parametrize("port", ["0:80", "65536:80", "80:0", "80:70000", "x:80", "1-:80"])
def test_bad_ports(port: str) -> None:
    assert paths(f"services: {{web: {{image: x, ports: ['{port}']}}}}") == ["services.web.ports[0]"]


def test_port_published_twice_in_the_stack() -> None:
    text = "services: {a: {image: x, ports: ['80:80']}, b: {image: x, ports: ['80:81']}}"
    assert paths(text) == ["services.b.ports[0]"]


def test_same_port_other_protocol_or_ip_is_fine() -> None:
    load_compose(
        "services: {a: {image: x, ports: ['80:80', '80:80/udp', '127.0.0.1:81:80',"
        " '127.0.0.2:81:80']}}"
    )


def test_fixed_port_with_replicas() -> None:
    assert paths("services: {a: {image: x, scale: 2, ports: ['80:80']}}") == ["services.a.ports[0]"]
    load_compose("services: {a: {image: x, scale: 2, ports: ['80']}}")


@pytest.mark.parametrize(
    ("body", "path"),
    [
        ("healthcheck: {interval: 10 seconds}", "services.web.healthcheck.interval"),
        ("stop_grace_period: soon", "services.web.stop_grace_period"),
        ("healthcheck: {timeout: -1s}", "services.web.healthcheck.timeout"),
        ("mem_limit: 1x", "services.web.mem_limit"),
        ("shm_size: lots", "services.web.shm_size"),
        ("mem_limit: -1", "services.web.mem_limit"),
        ("restart: sometimes", "services.web.restart"),
        ("restart: 'on-failure:x'", "services.web.restart"),
        ("pull_policy: build", "services.web.pull_policy"),
        ("privileged: maybe", "services.web.privileged"),
        ("cpus: -1", "services.web.cpus"),
        ("ulimits: {nofile: {soft: 3, hard: 2}}", "services.web.ulimits.nofile"),
        ("volumes: ['../rel:/x']", "services.web.volumes[0]"),
        ("volumes: ['/abs:rel']", "services.web.volumes[0]"),
        ("network_mode: 'service:ghost'", "services.web.network_mode"),
        ("environment: 3", "services.web.environment"),
        ("depends_on: {}, healthcheck: {test: [RUN]}", "services.web.healthcheck.test"),
    ],
)
def test_bad_values(body: str, path: str) -> None:
    assert path in paths(f"services: {{web: {{image: x, {body}}}}}")


def test_container_name_with_replicas() -> None:
    assert paths("services: {web: {image: x, container_name: c, deploy: {replicas: 2}}}") == [
        "services.web.container_name"
    ]


def test_network_mode_with_networks() -> None:
    text = "services: {web: {image: x, network_mode: host, networks: [n]}}\nnetworks: {n: {}}"
    assert "services.web.network_mode" in paths(text)


def test_mem_limit_must_agree_with_deploy() -> None:
    text = "services: {web: {image: x, mem_limit: 1g, deploy: {resources: {limits: {memory: 2g}}}}}"
    assert paths(text) == ["services.web.mem_limit"]


def test_many_errors_are_collected() -> None:
    found = paths("services: {web: {image: x, restart: bad, mem_limit: bad, bogus: 1}}")
    assert sorted(found) == ["services.web.bogus", "services.web.mem_limit", "services.web.restart"]


def test_one_letter_volume_name_is_ambiguous() -> None:
    assert paths("services: {web: {image: x, volumes: ['v:/v']}}\nvolumes: {v: {}}") == [
        "services.web.volumes[0]"
    ]


def test_depends_on_listed_twice() -> None:
    text = "services: {web: {image: x, depends_on: [db, db]}, db: {image: x}}"
    assert paths(text) == ["services.web.depends_on[1]"]


def test_unused_resources_are_still_validated() -> None:
    assert paths("services: {web: {image: x}}\nvolumes: {data: {bogus: 1}}") == [
        "volumes.data.bogus"
    ]


def test_container_count_is_the_total_of_replicas_across_services() -> None:
    from core_monitor.compose import check_container_count

    text = "services:\n" + "".join(
        f"  s{i}:\n    image: x\n    deploy: {{replicas: {n}}}\n" for i, n in enumerate([3, 4])
    )
    text += "  one:\n    image: x\n  scaled:\n    image: x\n    scale: 2\n"
    project = load_compose(text)
    check_container_count(project, 10)  # 3 + 4 + 1 + 2: exactly at the cap
    with pytest.raises(ValidationFailed) as info:
        check_container_count(project, 9)
    assert [e.path for e in info.value.errors] == ["services.s1.deploy.replicas"]
    assert "10 containers" in info.value.errors[0].message
    assert "COREMON_MAX_CONTAINERS_PER_STACK" in info.value.errors[0].message


def test_checking_published_ports_grows_linearly_with_their_number() -> None:
    from core_monitor.compose.validate import check
    from tests.support.cost import lines_run

    def ports(n: int) -> int:
        entries = "".join(f"      - '{i}:{i}'\n" for i in range(1, n + 1))
        project = load_compose(f"services:\n  web:\n    image: x\n    ports:\n{entries}")
        return lines_run(lambda: check(project))

    assert ports(2000) / ports(500) < 4 * 1.3  # quadratic would be about 16
