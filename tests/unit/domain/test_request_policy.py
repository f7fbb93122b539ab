"""The policy judged on engine requests: every rule, in every syntax that reaches it.

Definitions go through the real loader and the real request builder (docker-py's HostConfig),
so a syntax the loader accepts cannot slip past a check that only knew another spelling.
"""

from __future__ import annotations

import pytest

from core_monitor.compose import load_compose
from core_monitor.domain.host_access import (
    ForeignBind,
    Resolved,
    StackScope,
    bind_violations,
    check_volume,
)
from core_monitor.domain.policy import Policy, breaking
from core_monitor.domain.request_policy import ContainerRequest, check_container
from core_monitor.engine.request_guard import definition_violations
from core_monitor.errors import TerminalError

POLICY = Policy()
HEAD = "services:\n  app:\n    image: busybox\n"


def rules(text: str, variables: dict[str, str] | None = None) -> list[tuple[str, str]]:
    project = load_compose(HEAD + text, variables or {}, project_name="p")
    found = breaking(definition_violations(project, POLICY), POLICY, [])
    return [(v.rule, v.path) for v in found]


def test_a_plain_service_breaks_nothing() -> None:
    text = (
        "    ports: ['127.0.0.1:8080:80']\n    restart: always\n    init: true\n"
        "    volumes: [data:/data, '/srv/app:/app:ro', {type: tmpfs, target: /tmp}]\n"
        "    cap_add: [chown, CAP_NET_BIND_SERVICE]\n    cap_drop: [ALL]\n"
        "    security_opt: ['no-new-privileges:true', 'no-new-privileges']\n"
        "    sysctls: {net.core.somaxconn: '1024'}\n"
        "    logging: {driver: json-file, options: {max-size: 10m}}\n"
        "volumes:\n  data: {}\n  scratch:\n"
        "    driver_opts: {type: tmpfs, device: tmpfs, o: size=1m}\n"
    )
    assert rules(text) == []


SOCKETS = [
    "/var/run/docker.sock",
    "/run/docker.sock",
    "//run/docker.sock",
    "///var//run/docker.sock",
    "/run/./docker.sock",
    "/srv/../run/docker.sock",
    "/run/docker.sock/",
]


@pytest.mark.parametrize("source", SOCKETS)
def test_the_docker_socket_in_every_spelling_short_and_long(source: str) -> None:
    short = f"    volumes: ['{source}:/s']\n"
    long = f"    volumes:\n      - {{type: bind, source: '{source}', target: /s}}\n"
    assert rules(short) == [("docker_socket", "services.app.volumes[0].source")]
    assert rules(long) == [("docker_socket", "services.app.volumes[0].source")]


@pytest.mark.parametrize(
    ("source", "rule"),
    [
        ("/", "sensitive_paths"),
        ("//", "sensitive_paths"),
        ("/etc", "sensitive_paths"),
        ("/etc/", "sensitive_paths"),
        ("/srv/../etc", "sensitive_paths"),
        ("/srv/./../proc/sys", "sensitive_paths"),
        ("/proc", "sensitive_paths"),
        ("/tmp/x", "bind_outside_roots"),
        ("/var/tmp/x", "bind_outside_roots"),
        ("/dev/shm/x", "sensitive_paths"),
        ("/SRV/x", "bind_outside_roots"),  # paths are case-sensitive: /SRV is not /srv
        ("/srvx/a", "bind_outside_roots"),  # a prefix of a root's name is not under it
    ],
)
def test_host_paths_are_judged_as_the_engine_cleans_them(source: str, rule: str) -> None:
    assert rules(f"    volumes: ['{source}:/x']\n") == [(rule, "services.app.volumes[0].source")]


def test_an_interpolated_source_is_judged_after_interpolation() -> None:
    found = rules("    volumes: ['${ROOT}/docker.sock:/s']\n", {"ROOT": "//var/run"})
    assert found == [("docker_socket", "services.app.volumes[0].source")]


@pytest.mark.parametrize(
    "options",
    [
        "{type: none, o: bind, device: /}",
        "{type: none, o: rbind, device: /}",
        "{type: none, o: 'ro,rbind', device: //etc}",
        "{o: bind, device: /srv/../var/run/docker.sock}",
    ],
)
def test_a_local_volume_that_binds_is_judged_as_a_bind(options: str) -> None:
    found = rules(f"    volumes: [vol:/v]\nvolumes:\n  vol:\n    driver_opts: {options}\n")
    assert found and found[0][1] == "volumes.vol.driver_opts.device"
    assert found[0][0] in ("sensitive_paths", "docker_socket")


@pytest.mark.parametrize(
    "volume",
    [
        "driver_opts: {type: proc, device: proc}",
        "driver_opts: {type: sysfs, device: sysfs}",
        "driver_opts: {type: ext4, device: /dev/sda1}",
        "driver_opts: {type: nfs, o: 'addr=127.0.0.1', device: ':/export'}",
        "driver: some-plugin",
    ],
)
def test_volume_drivers_and_device_mounts_are_refused(volume: str) -> None:
    found = rules(f"    volumes: [vol:/v]\nvolumes:\n  vol:\n    {volume}\n")
    assert [r for r, _ in found] == ["volume_drivers"]


@pytest.mark.parametrize("key", ["network_mode", "pid", "ipc", "userns_mode"])
@pytest.mark.parametrize("value", ["host", "HOST"])
def test_host_namespaces(key: str, value: str) -> None:
    if value == "host":
        assert rules(f"    {key}: {value}\n") == [("host_namespaces", f"services.app.{key}")]
        return
    # the engine knows no 'HOST' mode: refused as invalid, or sent and refused by the engine
    try:
        found = rules(f"    {key}: {value}\n")
    except TerminalError as exc:
        assert "HOST" in str(exc)  # noqa: PT017 - either outcome is fine, each checked
    else:
        assert ("host_namespaces", f"services.app.{key}") not in found


@pytest.mark.parametrize("key", ["network_mode", "pid", "ipc"])
def test_joining_a_container_outside_the_stack_is_refused(key: str) -> None:
    assert rules(f"    {key}: container:other-stack-db-1\n") == [
        ("foreign_resources", f"services.app.{key}")
    ]
    # one of the stack's own containers, by name, or a service of it
    assert rules(f"    {key}: container:p-app-1\n") == []
    assert rules(f"    {key}: service:peer\n  peer:\n    image: busybox\n") == []


def test_links_and_volumes_from_outside_the_stack_are_foreign() -> None:
    peer = "  peer:\n    image: busybox\n"
    assert rules("    links: [peer]\n    volumes_from: ['peer:ro']\n" + peer) == []
    assert rules("    external_links: ['other-stack-db-1:db']\n") == [
        ("foreign_resources", "services.app.links")
    ]
    assert rules("    volumes_from: ['container:other-stack-db-1']\n") == [
        ("foreign_resources", "services.app.volumes_from[0]")
    ]
    assert rules("    runtime: runsc\n") == [("runtime", "services.app.runtime")]
    gpu = "    deploy: {resources: {reservations: {devices: [{capabilities: [gpu]}]}}}\n"
    assert rules(gpu) == [("devices", "services.app.(DeviceRequests)")]


def test_the_engines_host_network_under_any_key() -> None:
    found = rules(
        "    networks: [outside]\nnetworks:\n  outside:\n    external: true\n    name: host\n"
    )
    assert {r for r, _ in found} == {"host_namespaces"}
    found = rules("    networks: [mine]\nnetworks:\n  mine:\n    driver: host\n")
    assert ("host_namespaces", "networks.mine") in found


@pytest.mark.parametrize(
    ("line", "path"),
    [
        ("cap_add: [SYS_ADMIN]", "cap_add[0]"),
        ("cap_add: [cap_sys_admin]", "cap_add[0]"),
        ("cap_add: [ALL]", "cap_add[0]"),
        ("cap_add: [chown, NET_ADMIN]", "cap_add[1]"),
        ("cap_add: [BPF]", "cap_add[0]"),
    ],
)
def test_capabilities_beyond_dockers_default_set(line: str, path: str) -> None:
    assert rules(f"    {line}\n") == [("capabilities", f"services.app.{path}")]


@pytest.mark.parametrize(
    "option",
    [
        "seccomp=unconfined",
        "seccomp:unconfined",
        'seccomp={"defaultAction":"SCMP_ACT_ALLOW"}',
        "seccomp=/etc/permissive.json",
        "apparmor=unconfined",
        "Apparmor:Unconfined",
        "label=disable",
        "label:type:spc_t",
        "systempaths=unconfined",
        "no-new-privileges=false",
        "no-new-privileges:false",
    ],
)
def test_security_options_other_than_no_new_privileges(option: str) -> None:
    assert rules(f"    security_opt: ['{option}']\n") == [
        ("security_options", "services.app.security_opt[0]")
    ]


@pytest.mark.parametrize("key", ["kernel.core_pattern", "kernel.msgmax", "net.ipv4.ip_forward"])
def test_sysctls_outside_the_safe_set(key: str) -> None:
    assert rules(f"    sysctls: {{{key}: '1'}}\n") == [("sysctls", f"services.app.sysctls.{key}")]
    assert rules(f"    sysctls: ['{key}=1']\n") == [("sysctls", f"services.app.sysctls.{key}")]


@pytest.mark.parametrize("driver", ["syslog", "gelf", "fluentd", "awslogs", "splunk"])
def test_log_drivers_that_leave_the_host(driver: str) -> None:
    assert rules(f"    logging: {{driver: {driver}}}\n") == [
        ("log_drivers", "services.app.logging.driver")
    ]


def test_devices_in_short_and_long_syntax() -> None:
    assert rules("    devices: ['/dev/kmsg']\n") == [("devices", "services.app.devices[0]")]
    assert rules("    devices: ['/dev/sda:/dev/xvda:rwm']\n") == [
        ("devices", "services.app.devices[0]")
    ]


# -- what no definition says, but a request could ------------------------------------------
def request(**host: object) -> ContainerRequest:
    return ContainerRequest("app", host)


@pytest.mark.parametrize(
    ("host", "rule"),
    [
        ({"Runtime": "nvidia"}, "runtime"),
        ({"CgroupParent": "/"}, "runtime"),
        ({"MaskedPaths": []}, "runtime"),
        ({"ReadonlyPaths": []}, "runtime"),
        ({"StorageOpt": {"size": "1G"}}, "runtime"),
        ({"SomethingNew": True}, "runtime"),  # a key the allow-list does not know
        ({"UTSMode": "host"}, "host_namespaces"),
        ({"CgroupnsMode": "host"}, "host_namespaces"),
        ({"VolumesFrom": ["other-db-1:ro"]}, "foreign_resources"),
        ({"Links": ["/other-db-1:db"]}, "foreign_resources"),
        ({"DeviceRequests": [{"Driver": "nvidia", "Count": -1}]}, "devices"),
        ({"DeviceCgroupRules": ["c 1:3 mr"]}, "devices"),
        ({"VolumeDriver": "plugin"}, "volume_drivers"),
        (
            {
                "Mounts": [
                    {
                        "Type": "volume",
                        "Target": "/v",
                        "VolumeOptions": {"DriverConfig": {"Name": "local", "Options": {}}},
                    }
                ]
            },
            "volume_drivers",
        ),
        ({"Mounts": [{"Type": "npipe", "Source": "x", "Target": "/v"}]}, "volume_drivers"),
        ({"Privileged": True}, "privileged"),
    ],
)
def test_request_keys_outside_the_allow_list(host: dict[str, object], rule: str) -> None:
    found = check_container(request(**host), StackScope("p"), POLICY)
    assert [v.rule for v in found] == [rule]


def test_harmless_keys_and_the_stacks_own_joins_pass() -> None:
    host = {
        "Memory": 1 << 20,
        "PortBindings": {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8080"}]},
        "VolumesFrom": ["p-db-1"],
        "NetworkMode": "container:abc123",
    }
    scope = StackScope("p", containers=frozenset({"p-db-1", "abc123"}))
    assert check_container(request(**host), scope, POLICY) == []


def test_resources_owned_by_another_stack_are_foreign() -> None:
    host = {"Binds": ["b_data:/data:rw"], "NetworkMode": "b_default"}
    scope = StackScope("a", owners={"volume:b_data": "b", "network:b_default": "b"})
    found = check_container(ContainerRequest("app", host, networks=["b_default"]), scope, POLICY)
    assert [v.rule for v in found] == ["foreign_resources", "foreign_resources"]
    unlabelled = StackScope("a", owners={"volume:b_data": None, "network:b_default": "a"})
    assert check_container(ContainerRequest("app", host), unlabelled, POLICY) == []


def test_a_source_is_judged_where_its_links_lead() -> None:
    scope = StackScope(
        "p",
        resolved={
            "/srv/x/root": Resolved(path="/"),
            "/srv/x/sock": Resolved(path="/run/docker.sock"),
            "/srv/loop": Resolved(problem="too many levels of symbolic links"),
            "/srv/fine": Resolved(path="/srv/elsewhere"),
        },
    )
    judged = {
        source: [v.rule for v in bind_violations("at", source, scope, POLICY)]
        for source in ("/srv/x/root", "/srv/x/sock/", "/srv/loop", "/srv/fine")
    }
    assert judged == {
        "/srv/x/root": ["sensitive_paths"],
        "/srv/x/sock/": ["docker_socket"],
        "/srv/loop": ["bind_outside_roots"],
        "/srv/fine": [],
    }


def test_a_bind_overlapping_another_stacks_writable_bind_is_foreign() -> None:
    others = (ForeignBind("a", "/srv/a", writable=True), ForeignBind("b", "/srv/b", False))
    scope = StackScope("p", foreign_binds=others)

    def judged(source: str, writable: bool) -> list[str]:
        found = bind_violations("at", source, scope, POLICY, writable=writable)
        return [v.rule for v in found]

    assert judged("/srv/a/sub", writable=False) == ["foreign_resources"]  # a may plant links
    assert judged("/srv", writable=False) == ["foreign_resources"]  # above it: the same
    assert judged("/srv/b/sub", writable=True) == ["foreign_resources"]  # we could plant
    assert judged("/srv/b/sub", writable=False) == []  # both read only: nothing to plant
    assert judged("/srv/c", writable=True) == []
    own = StackScope("a", foreign_binds=(ForeignBind("a", "/srv/a", writable=True),))
    assert list(bind_violations("at", "/srv/a", own, POLICY)) == []


def test_a_local_bind_volume_follows_the_same_resolution() -> None:
    scope = StackScope("p", resolved={"/srv/x/root": Resolved(path="/")})
    options = {"type": "none", "o": "bind", "device": "/srv/x/root"}
    assert [v.rule for v in check_volume("volumes.v", None, options, scope, POLICY)] == [
        "sensitive_paths"
    ]


def test_a_policy_saved_before_the_allow_list_still_loads() -> None:
    old = {
        "rules": {"unconfined": {"enabled": False}, "dangerous_capabilities": {"enabled": True}},
        "allowed_bind_roots": ["/srv", "/tmp"],
        "dangerous_capabilities": ["ALL"],
    }
    policy = Policy.model_validate(old)
    assert not policy.enabled("security_options")
    assert policy.enabled("capabilities")
    assert policy.allowed_bind_roots == ["/srv", "/tmp"]


def test_an_old_exception_name_still_excepts_its_rule() -> None:
    found = check_container(request(CapAdd=["CAP_NET_ADMIN"]), StackScope("p"), POLICY)
    assert breaking(found, POLICY, ["dangerous_capabilities"]) == []
