"""Stats arithmetic, as `docker stats` computes it."""

from __future__ import annotations

from core_monitor.monitor.stats import compute

SAMPLE = {
    "cpu_stats": {
        "cpu_usage": {"total_usage": 300_000_000, "percpu_usage": [1, 2]},
        "system_cpu_usage": 20_000_000_000,
        "online_cpus": 4,
    },
    "precpu_stats": {"cpu_usage": {"total_usage": 100_000_000}, "system_cpu_usage": 18_000_000_000},
    "memory_stats": {
        "usage": 50_000_000,
        "limit": 200_000_000,
        "stats": {"total_inactive_file": 10_000_000},
    },
    "networks": {"eth0": {"rx_bytes": 100, "tx_bytes": 50}, "eth1": {"rx_bytes": 1, "tx_bytes": 2}},
    "blkio_stats": {
        "io_service_bytes_recursive": [
            {"op": "Read", "value": 4096},
            {"op": "Write", "value": 8192},
            {"op": "read", "value": 4},
            {"op": "Total", "value": 99999},
        ]
    },
    "pids_stats": {"current": 3},
}


def test_docker_cli_arithmetic() -> None:
    stats = compute(SAMPLE)
    # (200M / 2000M) * 4 CPUs * 100
    assert stats.cpu_percent == 40.0
    assert stats.online_cpus == 4
    assert (stats.memory_used_bytes, stats.memory_limit_bytes) == (40_000_000, 200_000_000)
    assert stats.memory_percent == 20.0
    assert (stats.network_rx_bytes, stats.network_tx_bytes) == (101, 52)
    assert (stats.block_read_bytes, stats.block_write_bytes) == (4100, 8192)
    assert stats.pids == 3


def test_cgroup_v2_inactive_file_and_missing_precpu() -> None:
    sample = {
        "cpu_stats": {"cpu_usage": {"total_usage": 5}, "system_cpu_usage": 10},
        "precpu_stats": {},
        "memory_stats": {"usage": 1000, "limit": 0, "stats": {"inactive_file": 400}},
    }
    stats = compute(sample)
    assert stats.cpu_percent == 0.0  # one reading only: no delta to compute from
    assert stats.online_cpus == 1
    assert (stats.memory_used_bytes, stats.memory_percent) == (600, 0.0)
    assert (stats.network_rx_bytes, stats.block_read_bytes, stats.pids) == (0, 0, 0)


def test_a_stopped_container_reports_zeros() -> None:
    stats = compute({"cpu_stats": {}, "precpu_stats": {}, "memory_stats": {}})
    assert stats.model_dump() == {
        "cpu_percent": 0.0,
        "online_cpus": 1,
        "memory_used_bytes": 0,
        "memory_limit_bytes": 0,
        "memory_percent": 0.0,
        "network_rx_bytes": 0,
        "network_tx_bytes": 0,
        "block_read_bytes": 0,
        "block_write_bytes": 0,
        "pids": 0,
    }


def test_a_container_gone_during_the_sample_is_none_not_a_crash() -> None:
    """The engine answers an empty body when the container stops mid-sample; docker-py
    then fails to decode it (requests' JSONDecodeError, a ValueError)."""
    import requests

    from core_monitor.engine.docker.gateway import DockerGateway

    class EmptyBody:
        def stats(self, ref: str, stream: bool) -> dict[str, object]:
            raise requests.exceptions.JSONDecodeError("Expecting value", "", 0)

    class Client:
        api = EmptyBody()

    gateway = DockerGateway("unix:///nowhere.sock")
    gateway._client = Client()  # type: ignore[assignment]
    assert gateway.container_stats("gone") is None
