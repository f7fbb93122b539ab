"""`make bench`: measured figures, printed as a table (not a timed test).

    python -m benchmarks.run [--only queue|monitor|engine|stop|wizard|deploy|revert|hosts]
        [--quick]

queue: a real `coremon serve` on SQLite; 500 enqueues over HTTP (latency p50/p95), then the
time the worker takes to run them all with an executor that does nothing (throughput).
monitor: status latency for 50 stacks x 10 containers (see benchmarks/monitor.py).
engine: APPLY against `docker compose up -d` on generated stacks (see benchmarks/engine.py).
stop: STOP and DELETE against `docker compose stop` / `down` (see benchmarks/teardown.py).
wizard: resolve + render of a 10-component selection, p50/p95 (see benchmarks/wizard.py).
deploy: a 10 MB WAR into Tomcat: the driver, and POST /deploy → DONE, against the bare manager
    call (benchmarks/deploy.py, benchmarks/deploy_api.py).
revert: an atomic APPLY reverting itself vs a manual ROLLBACK (see benchmarks/revert.py).
hosts: enqueue → start of a command on one host while another host's runs (benchmarks/hosts.py).
--quick: fewer enqueues, one engine round.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.deploy import bench_deploy
from benchmarks.deploy_api import bench_deploy_api
from benchmarks.engine import bench_engine
from benchmarks.hosts import bench_hosts
from benchmarks.monitor import bench_engine_list, bench_status
from benchmarks.revert import bench_revert
from benchmarks.teardown import bench_teardown
from benchmarks.wizard import bench_wizard
from core_monitor.store import commands as command_store
from core_monitor.store.db import Database
from tests.support.applied import pretend_applied
from tests.support.executors import sleep_order
from tests.support.server import ServerProcess

COMPOSE = "services:\n  web:\n    image: busybox:1\n"


def bench_queue(n: int = 500) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'coremon.db'}"
        server = ServerProcess(
            url, Path(tmp) / "server.log", COREMON_QUEUE_ON_FAILURE="continue"
        ).start()
        try:
            with httpx.Client(base_url=server.url, timeout=30, headers=server.headers) as client:
                client.post("/api/v1/stacks", json={"name": "bench", "compose": COMPOSE})
                db = Database(url)
                # a RESTART of a stack never applied is refused (409): record it as applied,
                # its container never created, so each RESTART is accepted and fails fast
                pretend_applied(db, "bench")
                with db.write() as s:  # hold the queue behind one command while we enqueue
                    gate, _ = command_store.enqueue(
                        s, stack_id=None, payload=sleep_order(3), requested_by="b"
                    )
                latencies = []
                for _ in range(n):
                    started = time.perf_counter()
                    response = client.post("/api/v1/stacks/bench/restart")
                    latencies.append(time.perf_counter() - started)
                    assert response.status_code == 202
                # the stack's container was never created, so each RESTART lists the engine's
                # containers, finds none and fails fast (the queue is set to continue); then as many
                # no-op commands, so the figure mixes engine-touching and pure queue work
                with db.write() as s:
                    for _ in range(n):
                        command_store.enqueue(
                            s, stack_id=None, payload=sleep_order(0), requested_by="b"
                        )
                client.post(f"/api/v1/commands/{gate.command_id}/cancel")
                started = time.perf_counter()
                while client.get("/api/v1/queue").json()["depth"] > 0:
                    time.sleep(0.05)
                elapsed = time.perf_counter() - started
                db.dispose()
        finally:
            server.stop()
    latencies.sort()
    print("queue (SQLite, synchronous=FULL, this machine)")
    print(
        f"  enqueue over HTTP  p50 {statistics.median(latencies) * 1000:6.1f} ms"
        f"   p95 {latencies[int(0.95 * len(latencies))] * 1000:6.1f} ms   (n={n})"
    )
    print(f"  worker throughput  {2 * n / elapsed:6.0f} commands/s   ({2 * n} commands)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run")
    parser.add_argument(
        "--only",
        choices=("queue", "monitor", "engine", "stop", "wizard", "deploy", "revert", "hosts"),
        help="run one benchmark",
    )
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args(argv)
    if args.only in (None, "queue"):
        bench_queue(100 if args.quick else 500)
    if args.only in (None, "monitor"):
        bench_status(rounds=5 if args.quick else 20)
        bench_engine_list()
    if args.only in (None, "engine"):
        bench_engine(rounds=1 if args.quick else 3)
    if args.only in (None, "stop"):
        bench_teardown(rounds=1 if args.quick else 3)
    if args.only in (None, "wizard"):
        bench_wizard(rounds=50 if args.quick else 200)
    if args.only in (None, "deploy"):
        bench_deploy(rounds=2 if args.quick else 5)
        bench_deploy_api(rounds=2 if args.quick else 5)
    if args.only in (None, "revert"):
        bench_revert(rounds=1 if args.quick else 3)
    if args.only in (None, "hosts"):
        bench_hosts(rounds=2 if args.quick else 5)


if __name__ == "__main__":
    main()
