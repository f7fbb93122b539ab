"""Docker Compose itself is the oracle for the loader.

Every valid fixture goes through ``docker compose config --format json`` and through
``load_compose``; both are projected to one comparable form and must agree. Every invalid
fixture must be refused by us; when Compose accepts one, it must be listed (with the reason)
in STRICTER_THAN_COMPOSE.

Fixture headers (YAML comments on the first lines):
  ``# project: NAME``      the project name to load with (default "stack")
  ``# expect-path: PATH``  (invalid fixtures) one of our errors must carry exactly this path
A sidecar ``NAME.env`` holds the variables (KEY=VALUE lines) for both loaders.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from core_monitor.compose import load_compose
from core_monitor.domain.compose import ComposeProject
from core_monitor.errors import ValidationFailed
from tests.support.helpers import missing

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "compose"
VALID = sorted((FIXTURES / "valid").glob("*.yaml"))
INVALID = sorted((FIXTURES / "invalid").glob("*.yaml"))

STRICTER_THAN_COMPOSE: dict[str, str] = {
    "build_refused.yaml": "we run existing images only: `build` is refused",
    "pull_policy_build.yaml": "pull_policy: build needs `build`, which we refuse",
    "relative_bind.yaml": "no project directory to resolve a relative bind source against",
    "port_published_twice.yaml": "Compose leaves host-port clashes to the engine at start time",
    "port_clash_all_interfaces.yaml": "0.0.0.0:P clashes with 127.0.0.1:P at start time only",
    "replicas_fixed_port.yaml": "replicas>1 on one fixed host port fails at start time only",
    "alias_bomb.yaml": "our node cap is lower than Compose's",
    "deep_nesting.yaml": "our nesting cap is lower than Compose's",
    "top_configs.yaml": "configs are not supported (yet)",
    "port_range_too_wide.yaml": "we cap a published range at 1000 ports",
    "volume_subpath.yaml": "volume.subpath is not supported",
    "ulimit_soft_gt_hard.yaml": "the engine refuses soft > hard at create time",
    "bad_propagation.yaml": "the engine knows six propagation modes; Compose passes any text",
    "bad_volume_mode.yaml": "unknown short-syntax volume modes are refused, not ignored",
    "service_name_leading_dash.yaml": "names become container names and DNS aliases: they "
    "must start with a letter or digit (Compose allows '.', '_', '-' first)",
    "volume_one_letter_name.yaml": "Compose reads `v:/data` as a Windows drive path",
    "external_with_driver.yaml": "Compose ignores (warns about) settings of an external network",
    "no_services.yaml": "a stack without services has nothing to run",
    "services_missing.yaml": "a stack without services has nothing to run",
    "port_long_target_zero.yaml": "container port 0 is refused here, at create time by the engine",
    "unknown_restart.yaml": "Compose passes the policy through; the engine refuses it at create",
    "deploy_mode_global.yaml": "global is a Swarm mode: one engine runs replicated services only",
    "volumes_from_bad_mode.yaml": "Compose passes the mode on; the engine refuses it at create",
    "links_with_network_mode.yaml": "links go on the service's own network endpoints; the "
    "engine refuses them with network_mode at create",
}

# ---------------------------------------------------------------------------------------
# The Compose binary


def _compose_problem() -> str | None:
    docker = shutil.which("docker")
    if docker is None:
        return "docker CLI not found on PATH"
    try:
        out = subprocess.run(
            [docker, "compose", "version"], capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"docker compose unusable: {exc}"
    if out.returncode != 0:
        return f"docker compose unusable: {out.stderr.strip()}"
    return None


_PROBLEM: list[str | None] = []


@pytest.fixture
def docker_compose() -> str:
    if not _PROBLEM:
        _PROBLEM.append(_compose_problem())
    if _PROBLEM[0]:
        missing(_PROBLEM[0])
    docker = shutil.which("docker")
    assert docker is not None
    return docker


def _header(path: Path, key: str) -> str | None:
    for line in path.read_text().splitlines()[:5]:
        match = re.match(rf"#\s*{key}:\s*(.+?)\s*$", line)
        if match:
            return match.group(1)
    return None


def _variables(path: Path) -> dict[str, str]:
    env = path.with_suffix(".env")
    result: dict[str, str] = {}
    if env.exists():
        for line in env.read_text().splitlines():
            if line.strip() and not line.startswith("#"):
                key, _, value = line.partition("=")
                result[key] = value
    return result


def _run_compose(
    docker: str, path: Path, project: str, tmp: Path
) -> subprocess.CompletedProcess[str]:
    env_file = path.with_suffix(".env")
    if not env_file.exists():
        env_file = tmp / "empty.env"
        env_file.write_text("")
    return subprocess.run(
        [
            docker,
            "compose",
            "-p",
            project,
            "-f",
            str(path),
            "--env-file",
            str(env_file),
            "--profile",
            "*",
            "config",
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp)},
    )


# ---------------------------------------------------------------------------------------
# Independent unit parsers for Compose's JSON (not the loader's own helpers)

_GO_UNITS = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "m": 60 * 1_000_000_000,
    "h": 3600 * 1_000_000_000,
}


def go_duration(text: str | None) -> int | None:
    if text is None:
        return None
    if text == "0s" or text == "0":
        return 0
    total = 0
    for number, unit in re.findall(r"([0-9.]+)(ns|us|µs|ms|s|m|h)", text):
        total += round(float(number) * _GO_UNITS[unit])
    return total


def as_int(value: Any) -> int | None:
    return None if value is None else int(value)


def as_float(value: Any) -> float | None:
    return None if value is None else float(value)


# ---------------------------------------------------------------------------------------
# Projections to one comparable form

SCALARS = (
    "container_name",
    "hostname",
    "domainname",
    "user",
    "working_dir",
    "network_mode",
    "pid",
    "ipc",
    "userns_mode",
    "stop_signal",
    "platform",
    "runtime",
    "mac_address",
)
FLAGS = ("privileged", "read_only", "stdin_open", "tty")
LISTS = (
    "cap_add",
    "cap_drop",
    "security_opt",
    "dns",
    "tmpfs",
    "profiles",
    "links",
    "external_links",
    "volumes_from",
)


def _ports_from_compose(ports: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "target": p["target"],
            "published": p.get("published") or None,
            "host_ip": p.get("host_ip") or None,
            "protocol": p.get("protocol", "tcp"),
            "mode": p.get("mode", "ingress"),
            "name": p.get("name"),
            "app_protocol": p.get("app_protocol"),
        }
        for p in ports
    ]


def _mounts_from_compose(volumes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    result = []
    for v in volumes:
        bind = v.get("bind") or {}
        tmpfs = v.get("tmpfs") or {}
        result.append(
            {
                "type": v["type"],
                "source": v.get("source") or None,
                "target": v["target"],
                "read_only": bool(v.get("read_only", False)),
                "propagation": bind.get("propagation"),
                "create_host_path": bool(bind.get("create_host_path", False)),
                "nocopy": bool((v.get("volume") or {}).get("nocopy", False)),
                "tmpfs_size": as_int(tmpfs.get("size")),
                "tmpfs_mode": as_int(tmpfs.get("mode")),
            }
        )
    return result


def _ulimits_from_compose(ulimits: dict[str, Any]) -> dict[str, tuple[int, int]]:
    result = {}
    for name, value in ulimits.items():
        if isinstance(value, dict):
            result[name] = (int(value["soft"]), int(value["hard"]))
        else:
            result[name] = (int(value), int(value))
    return result


def _health_from_compose(check: dict[str, Any] | None) -> dict[str, Any] | None:
    if check is None:
        return None
    return {
        "test": check.get("test"),
        "interval": go_duration(check.get("interval")),
        "timeout": go_duration(check.get("timeout")),
        "start_period": go_duration(check.get("start_period")),
        "start_interval": go_duration(check.get("start_interval")),
        "retries": check.get("retries"),
        "disable": bool(check.get("disable", False)) or check.get("test") == ["NONE"],
    }


def _unescape(value: Any) -> Any:
    """`config` output re-escapes every `$` as `$$` (so it can be loaded again); the
    container sees one `$`."""
    if isinstance(value, str):
        return value.replace("$$", "$")
    if isinstance(value, dict):
        return {k: _unescape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unescape(v) for v in value]
    return value


def project_compose(data: dict[str, Any]) -> dict[str, Any]:
    data = _unescape(data)
    services = {}
    for name, s in data.get("services", {}).items():
        deploy = s.get("deploy") or {}
        limits = (deploy.get("resources") or {}).get("limits") or {}
        reservations = (deploy.get("resources") or {}).get("reservations") or {}
        logging = s.get("logging")
        replicas = deploy.get("replicas", s.get("scale", 1))
        out: dict[str, Any] = {
            "image": s.get("image"),
            "command": s.get("command"),
            "entrypoint": s.get("entrypoint"),
            "environment": dict(s.get("environment") or {}),
            "ports": _ports_from_compose(s.get("ports") or []),
            "expose": [str(e) for e in s.get("expose") or []],
            "volumes": _mounts_from_compose(s.get("volumes") or []),
            "networks": {
                net: {
                    "aliases": sorted((cfg or {}).get("aliases") or []),
                    "ipv4_address": (cfg or {}).get("ipv4_address"),
                    "ipv6_address": (cfg or {}).get("ipv6_address"),
                    "priority": (cfg or {}).get("priority"),
                }
                for net, cfg in (s.get("networks") or {}).items()
            },
            "depends_on": {
                dep: (
                    cfg["condition"],
                    cfg.get("required", True),
                    cfg.get("restart", False),
                )
                for dep, cfg in (s.get("depends_on") or {}).items()
            },
            "healthcheck": _health_from_compose(s.get("healthcheck")),
            "restart": s.get("restart", "no"),
            "labels": dict(s.get("labels") or {}),
            "init": s.get("init"),
            "devices": [d if isinstance(d, str) else _device(d) for d in s.get("devices") or []],
            "shm_size": as_int(s.get("shm_size")),
            "mem_limit": as_int(s.get("mem_limit")),
            "cpus": as_float(s.get("cpus")),
            "pids_limit": s.get("pids_limit"),
            "ulimits": _ulimits_from_compose(s.get("ulimits") or {}),
            "sysctls": {k: str(v) for k, v in (s.get("sysctls") or {}).items()},
            "extra_hosts": sorted(s.get("extra_hosts") or []),
            "stop_grace_period": go_duration(s.get("stop_grace_period")),
            "logging": None
            if logging is None
            else (logging.get("driver"), dict(logging.get("options") or {})),
            "replicas": int(replicas),
            "limits": (
                as_float(limits.get("cpus")),
                as_int(limits.get("memory")),
                as_int(limits.get("pids")),
            ),
            "reservations": (
                as_float(reservations.get("cpus")),
                as_int(reservations.get("memory")),
                [
                    (
                        d.get("driver"),
                        d.get("count"),
                        d.get("device_ids") or [],
                        d.get("capabilities") or [],
                        d.get("options") or {},
                    )
                    for d in reservations.get("devices") or []
                ],
            ),
            "attach": bool(s.get("attach", True)),
            "pull_policy": s.get("pull_policy", "missing"),
        }
        for key in SCALARS:
            out[key] = s.get(key)
        for key in FLAGS:
            out[key] = bool(s.get(key, False))
        for key in LISTS:
            out[key] = list(s.get(key) or [])
        services[name] = out
    return {
        "services": services,
        "networks": {k: _network_from_compose(v) for k, v in (data.get("networks") or {}).items()},
        "volumes": {
            k: (
                v.get("name"),
                v.get("driver"),
                dict(v.get("driver_opts") or {}),
                bool(v.get("external", False)),
                dict(v.get("labels") or {}),
            )
            for k, v in (data.get("volumes") or {}).items()
        },
    }


def _device(device: dict[str, Any]) -> str:
    text = f"{device['source']}:{device['target']}"
    permissions = device.get("permissions")
    return f"{text}:{permissions}" if permissions and permissions != "rwm" else text


def _network_from_compose(net: dict[str, Any]) -> dict[str, Any]:
    ipam = net.get("ipam") or {}
    return {
        "name": net.get("name"),
        "driver": net.get("driver"),
        "driver_opts": dict(net.get("driver_opts") or {}),
        "internal": bool(net.get("internal", False)),
        "external": bool(net.get("external", False)),
        "attachable": bool(net.get("attachable", False)),
        "enable_ipv6": bool(net.get("enable_ipv6", False)),
        "labels": dict(net.get("labels") or {}),
        "ipam": (
            ipam.get("driver"),
            [
                {k: c.get(k) for k in ("subnet", "gateway", "ip_range")}
                for c in ipam.get("config") or []
            ],
        ),
    }


def project_ours(project: ComposeProject) -> dict[str, Any]:
    data = project.model_dump(mode="json")
    services = {}
    for name, s in data["services"].items():
        check = s["healthcheck"]
        logging = s["logging"]
        limits = s["limits"]
        out: dict[str, Any] = {
            "image": s["image"],
            "command": s["command"],
            "entrypoint": s["entrypoint"],
            "environment": s["environment"],
            "ports": [
                {k: p[k] for k in ("target", "published", "host_ip", "protocol", "mode")}
                | {"name": p["name"], "app_protocol": p["app_protocol"]}
                for p in s["ports"]
            ],
            "expose": s["expose"],
            "volumes": [
                {
                    "type": m["type"],
                    "source": m["source"],
                    "target": m["target"],
                    "read_only": m["read_only"],
                    "propagation": m["bind_propagation"],
                    "create_host_path": bool(m["bind_create_host_path"]),
                    "nocopy": m["volume_nocopy"],
                    "tmpfs_size": m["tmpfs_size"],
                    "tmpfs_mode": m["tmpfs_mode"],
                }
                for m in s["volumes"]
            ],
            "networks": {
                net: {
                    "aliases": sorted(cfg["aliases"]),
                    "ipv4_address": cfg["ipv4_address"],
                    "ipv6_address": cfg["ipv6_address"],
                    "priority": cfg["priority"],
                }
                for net, cfg in s["networks"].items()
            },
            "depends_on": {
                dep: (cfg["condition"], cfg["required"], cfg["restart"])
                for dep, cfg in s["depends_on"].items()
            },
            "healthcheck": None if check is None else dict(check),
            "restart": s["restart"],
            "labels": s["labels"],
            "init": s["init"],
            "devices": s["devices"],
            "shm_size": s["shm_size"],
            "mem_limit": s["mem_limit"],
            "cpus": s["cpus"],
            "pids_limit": s["pids_limit"],
            "ulimits": {k: (v["soft"], v["hard"]) for k, v in s["ulimits"].items()},
            "sysctls": s["sysctls"],
            "extra_hosts": sorted(s["extra_hosts"]),
            "stop_grace_period": s["stop_grace_period"],
            "logging": None if logging is None else (logging["driver"], logging["options"]),
            "replicas": s["replicas"],
            "limits": (limits["cpus"], limits["memory"], limits["pids"]),
            "reservations": (
                s["reservations"]["cpus"],
                s["reservations"]["memory"],
                [
                    (
                        d["driver"],
                        d["count"],
                        d["device_ids"],
                        d["capabilities"],
                        d["options"],
                    )
                    for d in s["reservations"]["devices"]
                ],
            ),
            "attach": s["attach"],
            "pull_policy": s["pull_policy"],
        }
        for key in (*SCALARS, *FLAGS, *LISTS):
            out[key] = s[key]
        services[name] = out
    return {
        "services": services,
        "networks": {
            k: {
                **{key: v[key] for key in ("name", "driver", "driver_opts", "labels")},
                **{key: v[key] for key in ("internal", "external", "attachable", "enable_ipv6")},
                "ipam": (
                    v["ipam"]["driver"],
                    [dict(c) for c in v["ipam"]["config"]],
                    # ipam.options: compose-go drops it, so there is nothing to compare
                ),
            }
            for k, v in data["networks"].items()
        },
        "volumes": {
            k: (v["name"], v["driver"], v["driver_opts"], v["external"], v["labels"])
            for k, v in data["volumes"].items()
        },
    }


# ---------------------------------------------------------------------------------------
# The tests


def test_enough_fixtures() -> None:
    assert len(VALID) >= 40
    assert len(INVALID) >= 30


def test_stricter_list_names_real_fixtures() -> None:
    names = {p.name for p in INVALID}
    assert set(STRICTER_THAN_COMPOSE) <= names


@pytest.mark.parametrize("path", VALID, ids=[p.name for p in VALID])
def test_valid_fixture_matches_compose(path: Path, docker_compose: str, tmp_path: Path) -> None:
    project_name = _header(path, "project") or "stack"
    ours = load_compose(path.read_text(), _variables(path), project_name=project_name)
    # The store keeps the JSON dump: it must round-trip exactly.
    assert ComposeProject.model_validate(ours.model_dump(mode="json")) == ours
    result = _run_compose(docker_compose, path, project_name, tmp_path)
    assert result.returncode == 0, f"Compose refused a valid fixture: {result.stderr}"
    theirs = json.loads(result.stdout)
    assert project_ours(ours) == project_compose(theirs)


@pytest.mark.parametrize("path", INVALID, ids=[p.name for p in INVALID])
def test_invalid_fixture_is_refused(path: Path, docker_compose: str, tmp_path: Path) -> None:
    project_name = _header(path, "project") or "stack"
    with pytest.raises(ValidationFailed) as info:
        load_compose(path.read_text(), _variables(path), project_name=project_name)
    errors = info.value.errors
    assert errors
    expected_path = _header(path, "expect-path")
    if expected_path is not None:
        wanted = "" if expected_path == "-" else expected_path
        assert wanted in [e.path for e in errors], errors
    compose_name = project_name if re.fullmatch(r"[a-z0-9][a-z0-9_-]*", project_name) else "x"
    result = _run_compose(docker_compose, path, compose_name, tmp_path)
    if path.name in STRICTER_THAN_COMPOSE:
        assert result.returncode == 0, (
            f"{path.name} is listed as stricter than Compose, but Compose refuses it too: "
            f"{result.stderr.strip()}"
        )
    elif project_name != compose_name:
        # Compose refuses the bad project name itself.
        bad = subprocess.run(
            ["docker", "compose", "-p", project_name, "-f", str(path), "config", "-q"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=tmp_path,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path)},
        )
        assert bad.returncode != 0
    else:
        assert result.returncode != 0, (
            f"Compose accepts {path.name}: list it in STRICTER_THAN_COMPOSE with the reason"
        )


def _keys_used(section: str) -> set[str]:
    import yaml

    used: set[str] = set()
    for path in VALID:
        data = yaml.safe_load(path.read_text())
        for item in (data.get(section) or {}).values():
            used.update(item or {})
    return used


def test_valid_fixtures_cover_every_supported_key() -> None:
    from core_monitor.compose.project import NETWORK_KEYS, VOLUME_KEYS
    from core_monitor.compose.service import HANDLERS

    assert set(HANDLERS) - {"build"} - _keys_used("services") == set()
    assert NETWORK_KEYS - _keys_used("networks") == set()
    assert VOLUME_KEYS - _keys_used("volumes") == set()
