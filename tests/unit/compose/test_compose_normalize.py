"""Short → long syntax, units, defaults, implicit networks and dependencies."""

from __future__ import annotations

from typing import Any

import pytest

from core_monitor.compose import ComposeProject, load_compose
from core_monitor.domain.compose import ServiceSpec


def service(body: str, extra: str = "", **variables: str) -> ServiceSpec:
    text = "services:\n  web:\n    image: nginx\n" + body + extra
    return load_compose(text, variables).services["web"]


def ports(*items: str) -> list[dict[str, Any]]:
    body = "    ports:\n" + "".join(f"      - {item!r}\n" for item in items)
    return [p.model_dump(exclude_defaults=True) for p in service(body).ports]


def test_defaults() -> None:
    spec = service("")
    assert spec.restart == "no"
    assert spec.pull_policy == "missing"
    assert spec.replicas == 1
    assert spec.command is None
    assert spec.networks == {"default": spec.networks["default"]}


def test_port_short_forms() -> None:
    assert ports("8080") == [{"target": 8080}]
    assert ports("8080:80") == [{"target": 80, "published": "8080"}]
    assert ports("127.0.0.1:8080:80") == [
        {"target": 80, "published": "8080", "host_ip": "127.0.0.1"}
    ]
    assert ports("127.0.0.1::80") == [{"target": 80, "host_ip": "127.0.0.1"}]
    assert ports("53:53/udp") == [{"target": 53, "published": "53", "protocol": "udp"}]
    assert ports("[::1]:80:80") == [{"target": 80, "published": "80", "host_ip": "::1"}]


def test_port_ranges_expand() -> None:
    assert ports("8000-8002:80-82") == [
        {"target": 80, "published": "8000"},
        {"target": 81, "published": "8001"},
        {"target": 82, "published": "8002"},
    ]
    assert ports("7000-7001") == [{"target": 7000}, {"target": 7001}]


def test_port_long_syntax() -> None:
    body = (
        "    ports:\n      - {target: 80, published: 8080, host_ip: 127.0.0.1, protocol: udp,"
        " mode: host, name: web, app_protocol: http}\n"
    )
    port = service(body).ports[0]
    assert (port.target, port.published, port.host_ip, port.protocol) == (
        80,
        "8080",
        "127.0.0.1",
        "udp",
    )
    assert (port.mode, port.name, port.app_protocol) == ("host", "web", "http")


def test_volumes_short_and_long() -> None:
    body = (
        "    volumes:\n"
        "      - data:/data:ro\n"
        "      - /srv:/srv\n"
        "      - cache:/cache:nocopy\n"
        "      - /anon\n"
        "      - {type: tmpfs, target: /t, tmpfs: {size: 64m, mode: 1777}}\n"
        "      - {type: bind, source: /a, target: /b, bind: {propagation: rshared}}\n"
    )
    extra = "volumes:\n  data:\n  cache:\n"
    mounts = service(body, extra).volumes
    assert mounts[0].model_dump(exclude_defaults=True) == {
        "type": "volume",
        "source": "data",
        "target": "/data",
        "read_only": True,
    }
    assert mounts[1].type == "bind"
    assert mounts[1].bind_create_host_path is True
    assert mounts[2].volume_nocopy is True
    assert mounts[3].source is None
    assert mounts[3].type == "volume"
    assert (mounts[4].tmpfs_size, mounts[4].tmpfs_mode) == (64 * 1024**2, 1777)
    assert mounts[5].bind_propagation == "rshared"


def test_command_and_entrypoint_are_shell_split() -> None:
    spec = service("    command: sh -c 'echo hi there'\n    entrypoint: [\"/init\"]\n")
    assert spec.command == ["sh", "-c", "echo hi there"]
    assert spec.entrypoint == ["/init"]


def test_environment_list_and_map() -> None:
    assert service("    environment: [A=1, B, C=, D=x=y]\n").environment == {
        "A": "1",
        "B": None,
        "C": "",
        "D": "x=y",
    }
    assert service("    environment: {A: 1, B: null, C: true}\n").environment == {
        "A": "1",
        "B": None,
        "C": "true",
    }


def test_labels_sysctls_extra_hosts() -> None:
    spec = service(
        "    labels: [a=1, b]\n"
        "    sysctls: {net.core.somaxconn: 1024}\n"
        "    extra_hosts: ['a:1.2.3.4', 'b=::1']\n"
    )
    assert spec.labels == {"a": "1", "b": ""}
    assert spec.sysctls == {"net.core.somaxconn": "1024"}
    assert spec.extra_hosts == ["a=1.2.3.4", "b=::1"]
    assert service("    extra_hosts: {h: 10.0.0.1}\n").extra_hosts == ["h=10.0.0.1"]


def test_durations_are_nanoseconds_and_sizes_bytes() -> None:
    spec = service(
        "    stop_grace_period: 1m30s\n"
        "    shm_size: 1.5gb\n"
        "    mem_limit: 512m\n"
        "    healthcheck: {test: 'true', interval: 500ms, start_period: 2s}\n"
    )
    assert spec.stop_grace_period == 90 * 10**9
    assert spec.shm_size == int(1.5 * 1024**3)
    assert spec.mem_limit == 512 * 1024**2
    assert spec.healthcheck is not None
    assert spec.healthcheck.test == ["CMD-SHELL", "true"]
    assert spec.healthcheck.interval == 500 * 10**6
    assert spec.healthcheck.start_period == 2 * 10**9


def test_healthcheck_none_disables() -> None:
    check = service("    healthcheck: {test: [NONE]}\n").healthcheck
    assert check is not None
    assert check.disable is True


def test_restart_forms() -> None:
    for policy in ("no", "always", "on-failure", "on-failure:3", "unless-stopped"):
        assert service(f"    restart: '{policy}'\n").restart == policy


def test_ulimits_int_and_soft_hard() -> None:
    spec = service("    ulimits: {nproc: 10, nofile: {soft: 1, hard: 2}}\n")
    assert spec.ulimits["nproc"].soft == spec.ulimits["nproc"].hard == 10
    assert (spec.ulimits["nofile"].soft, spec.ulimits["nofile"].hard) == (1, 2)


def test_deploy_and_scale() -> None:
    spec = service(
        "    deploy: {replicas: 3, resources: {limits: {cpus: '0.5', memory: 1g, pids: 9}}}\n"
    )
    assert spec.replicas == 3
    assert (spec.limits.cpus, spec.limits.memory, spec.limits.pids) == (0.5, 1024**3, 9)
    assert service("    scale: 2\n").replicas == 2


def test_pull_policy_alias() -> None:
    assert service("    pull_policy: if_not_present\n").pull_policy == "missing"


def test_dns_and_tmpfs_accept_one_string() -> None:
    spec = service("    dns: 8.8.8.8\n    tmpfs: /run\n")
    assert spec.dns == ["8.8.8.8"]
    assert spec.tmpfs == ["/run"]


def test_networks_list_and_map() -> None:
    text = """
services:
  web:
    image: nginx
    networks:
      front: {aliases: [www], ipv4_address: 10.0.0.5, priority: 5}
      back:
networks:
  front: {ipam: {config: [{subnet: 10.0.0.0/24}]}}
  back:
  unused:
"""
    project = load_compose(text, project_name="shop")
    nets = project.services["web"].networks
    assert nets["front"].aliases == ["www"]
    assert nets["front"].ipv4_address == "10.0.0.5"
    assert nets["front"].priority == 5
    assert project.networks["front"].name == "shop_front"
    assert "unused" not in project.networks  # dropped like Compose does
    assert "default" not in project.networks


def test_default_network_is_implicit() -> None:
    project = load_compose("services: {a: {image: x}, b: {image: x, network_mode: host}}")
    assert set(project.services["a"].networks) == {"default"}
    assert project.services["b"].networks == {}
    assert project.networks["default"].name == "stack_default"


def test_external_resources_keep_their_names() -> None:
    text = """
services: {web: {image: x, networks: [proxy], volumes: ['vol:/v']}}
networks: {proxy: {external: true}}
volumes: {vol: {external: true, name: real}}
"""
    project = load_compose(text)
    assert project.networks["proxy"].name == "proxy"
    assert project.networks["proxy"].external is True
    assert project.volumes["vol"].name == "real"


def test_service_network_mode_adds_dependency() -> None:
    project = load_compose("services: {a: {image: x, network_mode: 'service:b'}, b: {image: x}}")
    dep = project.services["a"].depends_on["b"]
    assert (dep.condition, dep.required, dep.restart) == ("service_started", True, True)


def test_depends_on_forms() -> None:
    text = """
services:
  a: {image: x, depends_on: [b]}
  b:
    image: x
    depends_on:
      c: {condition: service_healthy, restart: true, required: false}
  c: {image: x}
"""
    project = load_compose(text)
    assert project.services["a"].depends_on["b"].condition == "service_started"
    assert project.services["a"].depends_on["b"].required is True
    dep = project.services["b"].depends_on["c"]
    assert (dep.condition, dep.required, dep.restart) == ("service_healthy", False, True)


def test_extensions_dropped_and_name_ignored() -> None:
    project = load_compose(
        "name: other\nx-a: 1\nservices: {web: {image: x, x-b: {c: d}}}", project_name="mine"
    )
    assert project.name == "mine"


def test_json_round_trip() -> None:
    text = """
services:
  web:
    image: nginx
    ports: ['8080:80']
    volumes: ['dat:/d', {type: tmpfs, target: /t}]
    healthcheck: {test: 'true'}
    ulimits: {nofile: 5}
    environment: [A]
volumes: {dat: {}}
"""
    project = load_compose(text)
    assert ComposeProject.model_validate(project.model_dump(mode="json")) == project


def test_model_is_frozen() -> None:
    project = load_compose("services: {web: {image: x}}")
    with pytest.raises(Exception, match="frozen"):
        project.services["web"].image = "y"  # type: ignore[misc]


def test_extra_hosts_brackets_and_multiple_addresses() -> None:
    spec = service("    extra_hosts: {multi: ['1.2.3.4', '[::1]']}\n")
    assert spec.extra_hosts == ["multi=1.2.3.4", "multi=::1"]
    assert service("    extra_hosts: ['h:[::1]']\n").extra_hosts == ["h=::1"]


def test_zero_cpus_and_memory_mean_unlimited() -> None:
    spec = service("    cpus: 0\n    mem_limit: 0\n")
    assert (spec.cpus, spec.mem_limit) == (None, None)


def test_literal_dollars_are_kept() -> None:
    assert service("    environment: {A: '5$', B: '$$X'}\n").environment == {"A": "5$", "B": "$X"}
