"""Container resource figures from one engine stats sample (the docker CLI's arithmetic)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ContainerStats(BaseModel):
    cpu_percent: float
    online_cpus: int
    memory_used_bytes: int
    memory_limit_bytes: int
    memory_percent: float
    network_rx_bytes: int
    network_tx_bytes: int
    block_read_bytes: int
    block_write_bytes: int
    pids: int


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def cpu_percent(raw: dict[str, Any]) -> tuple[float, int]:
    cpu = raw.get("cpu_stats") or {}
    pre = raw.get("precpu_stats") or {}
    usage = cpu.get("cpu_usage") or {}
    pre_usage = pre.get("cpu_usage") or {}
    online = _int(cpu.get("online_cpus")) or len(usage.get("percpu_usage") or []) or 1
    cpu_delta = _int(usage.get("total_usage")) - _int(pre_usage.get("total_usage"))
    system_delta = _int(cpu.get("system_cpu_usage")) - _int(pre.get("system_cpu_usage"))
    if not pre.get("system_cpu_usage") or cpu_delta <= 0 or system_delta <= 0:
        return 0.0, online
    return round(cpu_delta / system_delta * online * 100.0, 3), online


def memory(raw: dict[str, Any]) -> tuple[int, int]:
    """(used, limit): usage minus the page cache that can be dropped (cgroup v1 reports
    total_inactive_file, v2 inactive_file), like `docker stats`."""
    mem = raw.get("memory_stats") or {}
    detail = mem.get("stats") or {}
    usage = _int(mem.get("usage"))
    if "total_inactive_file" in detail:
        cache = _int(detail["total_inactive_file"])
    else:
        cache = _int(detail.get("inactive_file"))
    used = usage - cache if cache < usage else usage
    return used, _int(mem.get("limit"))


def block_io(raw: dict[str, Any]) -> tuple[int, int]:
    read = write = 0
    for entry in (raw.get("blkio_stats") or {}).get("io_service_bytes_recursive") or []:
        op = str(entry.get("op", "")).lower()
        if op == "read":
            read += _int(entry.get("value"))
        elif op == "write":
            write += _int(entry.get("value"))
    return read, write


def network_io(raw: dict[str, Any]) -> tuple[int, int]:
    rx = tx = 0
    for interface in (raw.get("networks") or {}).values():
        rx += _int(interface.get("rx_bytes"))
        tx += _int(interface.get("tx_bytes"))
    return rx, tx


def compute(raw: dict[str, Any]) -> ContainerStats:
    percent, online = cpu_percent(raw)
    used, limit = memory(raw)
    rx, tx = network_io(raw)
    read, write = block_io(raw)
    return ContainerStats(
        cpu_percent=percent,
        online_cpus=online,
        memory_used_bytes=used,
        memory_limit_bytes=limit,
        memory_percent=round(used / limit * 100.0, 3) if limit else 0.0,
        network_rx_bytes=rx,
        network_tx_bytes=tx,
        block_read_bytes=read,
        block_write_bytes=write,
        pids=_int((raw.get("pids_stats") or {}).get("current")),
    )
