"""Ports: publishing, short syntax ("127.0.0.1:8000-8001:80-81/udp") and long syntax, and
exposing ("8000-8010/udp"). A range is at most 1000 ports, both ends within 1-65535."""

from __future__ import annotations

import re
from typing import Any

from core_monitor.compose.fields import Invalid, Reader

_RANGE = re.compile(r"^(\d{1,10})(?:-(\d{1,10}))?$")
LONG_KEYS = {"target", "published", "host_ip", "protocol", "mode", "name", "app_protocol"}
PROTOCOLS = ("tcp", "udp", "sctp")
MAX_RANGE = 1000  # ports in one range: Compose expands each into one entry per port


def read_ports(reader: Reader, value: Any, path: str) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise reader.fail(path, "must be a list")
    ports: list[dict[str, Any]] = []
    for i, item in enumerate(value):
        item_path = f"{path}[{i}]"
        try:
            if isinstance(item, dict):
                ports.append(_long(reader, item, item_path))
            else:
                ports.extend(_short(reader, reader.string(item, item_path), item_path))
        except Invalid:
            continue
    return ports


def read_expose(reader: Reader, value: Any, path: str) -> list[str]:
    """Kept as written (the engine expands each range): each must be a port or a range,
    with an optional protocol."""
    exposed = reader.string_list(value, path)
    for i, item in enumerate(exposed):
        port, slash, protocol = item.partition("/")
        try:
            if slash and protocol not in PROTOCOLS:
                raise reader.fail(f"{path}[{i}]", f"invalid protocol {protocol!r}")
            _check_range(reader, port, f"{path}[{i}]")
        except Invalid:
            continue
    return exposed


def _long(reader: Reader, item: dict[str, Any], path: str) -> dict[str, Any]:
    reader.mapping(item, path)
    reader.only_keys(item, LONG_KEYS, path)
    if "target" not in item:
        raise reader.fail(f"{path}.target", "is required")
    port: dict[str, Any] = {"target": reader.integer(item["target"], f"{path}.target", 1, 65535)}
    if item.get("published") is not None:
        published = reader.string(item["published"], f"{path}.published")
        _check_range(reader, published, f"{path}.published")
        port["published"] = published
    for key in ("host_ip", "name", "app_protocol"):
        if item.get(key) is not None:
            port[key] = reader.string(item[key], f"{path}.{key}")
    protocol = reader.string(item.get("protocol", "tcp"), f"{path}.protocol").lower()
    if protocol not in PROTOCOLS:
        raise reader.fail(f"{path}.protocol", "must be tcp, udp or sctp")
    port["protocol"] = protocol
    mode = reader.string(item.get("mode", "ingress"), f"{path}.mode")
    if mode not in ("ingress", "host"):
        raise reader.fail(f"{path}.mode", "must be ingress or host")
    port["mode"] = mode
    return port


def _short(reader: Reader, text: str, path: str) -> list[dict[str, Any]]:
    spec, _, protocol = text.partition("/")
    protocol = protocol or "tcp"
    if protocol not in PROTOCOLS:
        raise reader.fail(path, f"invalid protocol {protocol!r}")
    host_ip = None
    if spec.startswith("["):  # [::1]:8080:80
        end = spec.find("]")
        if end < 0:
            raise reader.fail(path, f"invalid port {text!r}")
        host_ip, spec = spec[1:end], spec[end + 2 :]
        parts = spec.split(":")
        published, target = (parts[0] or None, parts[1]) if len(parts) == 2 else (None, "")
    else:
        parts = spec.split(":")
        if len(parts) == 1:
            published, target = None, parts[0]
        elif len(parts) == 2:
            published, target = parts[0] or None, parts[1]
        elif len(parts) == 3:
            host_ip, published, target = parts[0] or None, parts[1] or None, parts[2]
        else:
            raise reader.fail(path, f"invalid port {text!r}")
    targets = _check_range(reader, target, path)
    if published is None:
        return [_entry(t, None, host_ip, protocol) for t in targets]
    published_ports = _check_range(reader, published, path)
    if len(targets) > 1:
        if len(published_ports) != len(targets):
            raise reader.fail(path, f"port ranges don't match in {text!r}")
        return [
            _entry(t, str(p), host_ip, protocol)
            for t, p in zip(targets, published_ports, strict=True)
        ]
    return [_entry(targets[0], published, host_ip, protocol)]


def _entry(
    target: int, published: str | None, host_ip: str | None, protocol: str
) -> dict[str, Any]:
    port: dict[str, Any] = {"target": target, "protocol": protocol, "mode": "ingress"}
    if published is not None:
        port["published"] = published
    if host_ip:
        port["host_ip"] = host_ip
    return port


def _check_range(reader: Reader, text: str, path: str) -> list[int]:
    match = _RANGE.match(text.strip())
    if match is None:
        raise reader.fail(path, f"invalid port {text!r}")
    low = int(match.group(1))
    high = int(match.group(2) or low)
    if not (1 <= low <= 65535 and 1 <= high <= 65535) or high < low:
        raise reader.fail(path, f"port {text!r} out of range 1-65535")
    if high - low >= MAX_RANGE:
        raise reader.fail(path, f"port range {text!r} spans more than {MAX_RANGE} ports")
    return list(range(low, high + 1))


def published_range(published: str) -> range:
    low, _, high = published.partition("-")
    return range(int(low), int(high or low) + 1)
