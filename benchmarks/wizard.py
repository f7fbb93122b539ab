"""`python -m benchmarks.wizard`: resolve + render of a 10-component selection (not a test).

The packaged catalog, loaded once (as the server keeps it); each round is what one
`POST /wizard/resolve` computes: the resolution (resolvelib), every component's parameter
check (jsonschema) and the rendering. Target: p95 < 50 ms.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from core_monitor.catalog.files import PACKAGED, load
from core_monitor.catalog.wizard import propose
from core_monitor.domain.catalog import Selected

SELECTION = [
    Selected(component=c)
    for c in (
        "java-app",  # brings Tomcat
        "static-site",  # brings nginx
        "nginx-proxy",
        "postgresql",
        "mariadb",
        "redis",
        "rabbitmq",
        "adminer",
    )
]
ANSWERS: dict[str, dict[str, Any]] = {
    "postgresql": {"database": "shop"},
    "nginx-proxy": {"http_port": 8443},
}


def bench_wizard(rounds: int = 200) -> None:
    catalog = load([PACKAGED])
    first = propose(catalog, SELECTION, ANSWERS)
    assert first.ok, first.resolution.violations
    assert len(first.resolution.components) == 10
    wall, cpu = [], []
    for _ in range(rounds):
        start, used = time.perf_counter(), time.process_time()
        propose(catalog, SELECTION, ANSWERS)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    print(f"wizard: resolve + render, 10 components ({rounds} rounds)")
    for name, times in (("wall", wall), ("cpu", cpu)):
        times.sort()
        p50, p95 = statistics.median(times), times[int(len(times) * 0.95) - 1]
        print(f"  {name:4}  p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   max {times[-1]:6.1f} ms")


if __name__ == "__main__":
    bench_wizard()
