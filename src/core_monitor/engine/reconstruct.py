"""A compose file rebuilt from a running project's containers, for adopting a project whose
file is not at hand. Pure: reads ``docker inspect`` documents and the images' ``Config``.

What the engine got from the image (Env entries, Cmd, Entrypoint, WorkingDir, User,
Labels, Healthcheck) is left out so that the file says only what the project set; Compose's
own labels are left out too. Every ``$`` is doubled: the text is interpolated on load.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from core_monitor.engine import labels as lbl

Inspect = Mapping[str, Any]


def reconstruct(project: str, containers: list[Inspect], images: Mapping[str, Inspect]) -> str:
    """``images``: image reference → its inspect ``Config``; one service per
    ``com.docker.compose.service`` (its lowest-numbered container describes it)."""
    by_service: dict[str, list[Inspect]] = {}
    for found in sorted(containers, key=_number):
        by_service.setdefault(_labels(found).get(lbl.COMPOSE_SERVICE, ""), []).append(found)
    services: dict[str, Any] = {}
    volumes: dict[str, Any] = {}
    networks: dict[str, Any] = {}
    for name, group in sorted(by_service.items()):
        first = group[0]
        image = images.get((first.get("Config") or {}).get("Image", "")) or {}
        service = _service(project, name, first, image, volumes, networks)
        if len(group) > 1:
            service["deploy"] = {"replicas": len(group)}
        services[name] = service
    document: dict[str, Any] = {"services": services}
    if volumes:
        document["volumes"] = volumes
    if networks:
        document["networks"] = networks
    return yaml.safe_dump(_escaped(document), sort_keys=False, default_flow_style=False)


def _number(found: Inspect) -> int:
    number = _labels(found).get(lbl.COMPOSE_NUMBER, "0")
    return int(number) if number.isdigit() else 0


def _labels(found: Inspect) -> dict[str, str]:
    return dict((found.get("Config") or {}).get("Labels") or {})


def _service(
    project: str,
    name: str,
    found: Inspect,
    image: Inspect,
    volumes: dict[str, Any],
    networks: dict[str, Any],
) -> dict[str, Any]:
    config = found.get("Config") or {}
    host = found.get("HostConfig") or {}
    service: dict[str, Any] = {"image": config.get("Image"), **_over_image(config, image)}
    service.update(_ports(host))
    service.update(_volumes(project, host, volumes))
    service.update(_networks(project, name, found, networks))
    service.update(_restart(host))
    service.update(_own_labels(_labels(found), image.get("Labels") or {}))
    service.update(_depends_on(_labels(found).get(lbl.COMPOSE_DEPENDS_ON, "")))
    service.update(_settings(config, host, image))
    check = config.get("Healthcheck")
    if check and check != image.get("Healthcheck"):
        service["healthcheck"] = _healthcheck(check)
    return service


def _over_image(config: Inspect, image: Inspect) -> dict[str, Any]:
    """What the container sets over its image: entrypoint, command, working_dir, user, env."""
    found: dict[str, Any] = {}
    entrypoint = config.get("Entrypoint")
    if entrypoint and entrypoint != image.get("Entrypoint"):
        found["entrypoint"] = entrypoint
    command = config.get("Cmd")
    # an entrypoint of ours drops the image's command: a command kept must be said
    if command and (command != image.get("Cmd") or "entrypoint" in found):
        found["command"] = command
    for key, compose_key in (("WorkingDir", "working_dir"), ("User", "user")):
        if config.get(key) and config.get(key) != image.get(key):
            found[compose_key] = config[key]
    image_env = set(image.get("Env") or [])
    environment = dict(
        e.split("=", 1) for e in config.get("Env") or [] if "=" in e and e not in image_env
    )
    if environment:
        found["environment"] = environment
    return found


def _own_labels(labels: Mapping[str, str], image: Mapping[str, str]) -> dict[str, Any]:
    """Labels minus Compose's (and ours) and minus the image's own."""
    own = {
        k: v
        for k, v in labels.items()
        if not k.startswith(lbl.OWNERSHIP_PREFIXES) and image.get(k) != v
    }
    return {"labels": own} if own else {}


# HostConfig key → compose key, for settings read as they are (unset: empty or false)
_HOST_SETTINGS = {
    "CapAdd": "cap_add",
    "CapDrop": "cap_drop",
    "Privileged": "privileged",
    "ReadonlyRootfs": "read_only",
    "Init": "init",
    "ExtraHosts": "extra_hosts",
    "Dns": "dns",
    "SecurityOpt": "security_opt",
    "Sysctls": "sysctls",
    "PidsLimit": "pids_limit",
}
_CONFIG_SETTINGS = {
    "Domainname": "domainname",
    "StopSignal": "stop_signal",
    "Tty": "tty",
    "OpenStdin": "stdin_open",
}


def _settings(config: Inspect, host: Inspect, image: Inspect) -> dict[str, Any]:
    """The other settings Compose passes through as they are."""
    found: dict[str, Any] = {
        compose_key: host[key] for key, compose_key in _HOST_SETTINGS.items() if host.get(key)
    }
    found.update({k: config[key] for key, k in _CONFIG_SETTINGS.items() if config.get(key)})
    if host.get("Tmpfs"):
        found["tmpfs"] = [f"{p}:{o}" if o else p for p, o in sorted(host["Tmpfs"].items())]
    if config.get("StopTimeout") is not None:
        found["stop_grace_period"] = f"{config['StopTimeout']}s"
    if host.get("Memory"):
        found["mem_limit"] = host["Memory"]
    if host.get("NanoCpus"):
        found["cpus"] = host["NanoCpus"] / 1_000_000_000
    published = {k if "/" in k else f"{k}/tcp" for k in host.get("PortBindings") or {}}
    exposed = [
        k
        for k in sorted(config.get("ExposedPorts") or {})
        if (k if "/" in k else f"{k}/tcp") not in published
        and k not in (image.get("ExposedPorts") or {})
    ]
    if exposed:
        found["expose"] = [k.removesuffix("/tcp") for k in exposed]
    logging = host.get("LogConfig") or {}
    if logging.get("Config") or logging.get("Type") not in (None, "", "json-file"):
        found["logging"] = {"driver": logging.get("Type"), "options": logging.get("Config") or {}}
    return found


def _ports(host: Inspect) -> dict[str, Any]:
    ports = []
    for key, bound in sorted((host.get("PortBindings") or {}).items()):
        target, _, protocol = key.partition("/")
        for binding in bound or []:
            port: dict[str, Any] = {"target": int(target), "protocol": protocol or "tcp"}
            if binding.get("HostIp"):
                port["host_ip"] = binding["HostIp"]
            if binding.get("HostPort"):
                port["published"] = binding["HostPort"]
            ports.append(port)
    return {"ports": ports} if ports else {}


def _volumes(project: str, host: Inspect, volumes: dict[str, Any]) -> dict[str, Any]:
    """Compose writes named volumes as ``<project>_<key>:target:mode`` binds."""
    found: list[tuple[str, str, bool]] = []
    for bind in host.get("Binds") or []:
        source, target, *rest = bind.split(":")
        found.append((source, target, "ro" in (rest[0].split(",") if rest else [])))
    for mount in host.get("Mounts") or []:
        if mount.get("Type") in ("bind", "volume") and mount.get("Source"):
            found.append((mount["Source"], mount["Target"], bool(mount.get("ReadOnly"))))
    entries = []
    for source, target, read_only in found:
        if not source.startswith("/"):
            key = _key(project, source)
            volumes[key] = {} if key != source else {"external": True, "name": source}
            source = key
        entries.append(f"{source}:{target}{':ro' if read_only else ''}")
    return {"volumes": entries} if entries else {}


def _key(project: str, name: str) -> str:
    """A volume's or network's compose key: its engine name without the project prefix."""
    prefix = f"{project}_"
    return name[len(prefix) :] if name.startswith(prefix) else name


def _networks(
    project: str, service: str, found: Inspect, networks: dict[str, Any]
) -> dict[str, Any]:
    joined = (found.get("NetworkSettings") or {}).get("Networks") or {}
    mode = (found.get("HostConfig") or {}).get("NetworkMode") or ""
    if mode in ("host", "none") or mode.startswith("container:"):
        return {"network_mode": mode} if not mode.startswith("container:") else {}
    implicit = {str(found.get("Name", "")).lstrip("/"), service, str(found.get("Id", ""))[:12]}
    attached: dict[str, Any] = {}
    for name, endpoint in sorted(joined.items()):
        key = _key(project, name)
        if key != "default":
            networks[key] = {} if key != name else {"external": True, "name": name}
        aliases = sorted(set(endpoint.get("Aliases") or []) - implicit)
        attached[key] = {"aliases": aliases} if aliases else None
    if list(attached) == ["default"] and attached["default"] is None:
        return {}
    if "default" in attached:  # named by the service: declared (Compose's implicit one)
        networks.setdefault("default", {})
    return {"networks": attached}


def _restart(host: Inspect) -> dict[str, Any]:
    policy = host.get("RestartPolicy") or {}
    name = policy.get("Name") or "no"
    if name == "no":
        return {}
    retries = policy.get("MaximumRetryCount") or 0
    return {"restart": f"{name}:{retries}" if name == "on-failure" and retries else name}


def _depends_on(label: str) -> dict[str, Any]:
    depends: dict[str, Any] = {}
    for entry in label.split(","):
        parts = entry.split(":")
        if parts[0]:
            condition = parts[1] if len(parts) > 1 and parts[1] else "service_started"
            restart = len(parts) > 2 and parts[2] == "true"
            depends[parts[0]] = {"condition": condition, "restart": restart}
    return {"depends_on": depends} if depends else {}


def _healthcheck(check: Inspect) -> dict[str, Any]:
    test = check.get("Test") or []
    if test == ["NONE"]:
        return {"disable": True}
    result: dict[str, Any] = {"test": test}
    for key, compose_key in (
        ("Interval", "interval"),
        ("Timeout", "timeout"),
        ("StartPeriod", "start_period"),
        ("StartInterval", "start_interval"),
    ):
        if check.get(key):
            result[compose_key] = f"{check[key] // 1_000_000}ms"
    if check.get("Retries"):
        result["retries"] = check["Retries"]
    return result


def _escaped(value: Any) -> Any:
    """Every string with its ``$`` doubled: the file is interpolated when loaded."""
    if isinstance(value, str):
        return value.replace("$", "$$")
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    if isinstance(value, dict):
        return {k: _escaped(v) for k, v in value.items()}
    return value
