"""The host behind the engine: OS, CPUs, memory, disk used, containers by state."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class DiskUsage(BaseModel):
    images_bytes: int
    volumes_bytes: int
    containers_bytes: int
    build_cache_bytes: int


class HostFacts(BaseModel):
    operating_system: str | None
    os_type: str | None
    kernel: str | None
    architecture: str | None
    cpus: int | None
    memory_bytes: int | None
    containers: dict[str, int]  # total, running, paused, stopped
    images: int | None
    disk: DiskUsage | None


def _size(value: Any) -> int:
    return int(value) if isinstance(value, int) and value > 0 else 0


def disk_usage(df: dict[str, Any]) -> DiskUsage:
    return DiskUsage(
        images_bytes=_size(df.get("LayersSize")),
        volumes_bytes=sum(
            _size((v.get("UsageData") or {}).get("Size")) for v in df.get("Volumes") or []
        ),
        containers_bytes=sum(_size(c.get("SizeRw")) for c in df.get("Containers") or []),
        build_cache_bytes=sum(_size(b.get("Size")) for b in df.get("BuildCache") or []),
    )


def facts(info: dict[str, Any], df: dict[str, Any] | None) -> HostFacts:
    return HostFacts(
        operating_system=info.get("OperatingSystem"),
        os_type=info.get("OSType"),
        kernel=info.get("KernelVersion"),
        architecture=info.get("Architecture"),
        cpus=info.get("NCPU"),
        memory_bytes=info.get("MemTotal"),
        containers={
            "total": int(info.get("Containers") or 0),
            "running": int(info.get("ContainersRunning") or 0),
            "paused": int(info.get("ContainersPaused") or 0),
            "stopped": int(info.get("ContainersStopped") or 0),
        },
        images=info.get("Images"),
        disk=disk_usage(df) if df is not None else None,
    )
