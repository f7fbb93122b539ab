"""Asks a server's /healthz over and over until its stdin closes, then prints every answer's
latency (seconds, or -1 for a failure) as a JSON list. A process of its own, so that the test's
threads (and their share of its interpreter lock) do not slow what it measures.

    python -m tests.support.prober http://127.0.0.1:PORT
"""

from __future__ import annotations

import json
import sys
import threading
import time

import httpx

TIMEOUT = 2.0
PAUSE = 0.02


def probe(url: str, stopped: threading.Event) -> list[float]:
    latencies: list[float] = []
    with httpx.Client(timeout=TIMEOUT) as client:
        while not stopped.is_set():
            started = time.monotonic()
            try:
                ok = client.get(f"{url}/healthz").status_code == 200
            except httpx.HTTPError:
                ok = False
            latencies.append(time.monotonic() - started if ok else -1.0)
            time.sleep(PAUSE)
    return latencies


def main() -> None:
    stopped = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), stopped.set()), daemon=True).start()
    print("probing", flush=True)
    print(json.dumps(probe(sys.argv[1], stopped)), flush=True)


if __name__ == "__main__":
    main()
