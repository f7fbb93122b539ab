"""The HTTP probe of a deployed path, from inside the target's container.

``curl`` (else busybox/GNU ``wget``) run through ``ContainerAccess``, so the probe reaches
the server on 127.0.0.1 whatever the stack publishes. 2xx and 3xx pass; it is retried
until the deadline (a context may take seconds to start serving).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from core_monitor.deploy.driver import ContainerAccess, ExecResult
from core_monitor.domain.deploy import DeploySettings, TargetKind

ATTEMPT_SECONDS = 5
_WGET_STATUS = re.compile(rb"HTTP/\d(?:\.\d)? (\d{3})")
MISSING = (126, 127)  # docker exec: the command does not exist (or cannot run)


def probe_url(settings: DeploySettings, path: str) -> str:
    """nginx serves a site at the server's root; Tomcat and WildFly at its context path."""
    below = settings.probe if settings.probe.startswith("/") else "/" + settings.probe
    if settings.kind == TargetKind.NGINX or path == "/":
        return f"http://127.0.0.1:{settings.port}{below}"
    return f"http://127.0.0.1:{settings.port}{path.rstrip('/')}{below}"


def passes(status: int | None) -> bool:
    """The probe's rule: 2xx and 3xx pass."""
    return status is not None and 200 <= status < 400


def probe(
    box: ContainerAccess,
    url: str,
    seconds: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[bool, str]:
    """(passed, what was seen): the last status or error when it never passed."""
    deadline = clock() + seconds
    seen = "no answer"
    while True:
        status, seen = _once(box, url)
        if passes(status):
            return True, f"GET {url} → {status}"
        if clock() >= deadline:
            return False, f"GET {url}: {seen} (after {seconds:g} s)"
        sleep(0.5)


def _once(box: ContainerAccess, url: str) -> tuple[int | None, str]:
    curl = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-m", str(ATTEMPT_SECONDS), url]
    result = box.run(curl, timeout=ATTEMPT_SECONDS + 5)
    if result.exit_code not in MISSING:
        return _curl_status(result)
    wget = ["wget", "-q", "-S", "-O", "/dev/null", "-T", str(ATTEMPT_SECONDS), url]
    result = box.run(wget, timeout=ATTEMPT_SECONDS + 5)
    found = _WGET_STATUS.findall(result.output)
    if found:
        return int(found[-1]), f"HTTP {int(found[-1])}"
    return None, _said(result)


def _curl_status(result: ExecResult) -> tuple[int | None, str]:
    code = result.output.strip()[-3:]
    if code.isdigit() and code != b"000":
        return int(code), f"HTTP {int(code)}"
    return None, _said(result)


def _said(result: ExecResult) -> str:
    text = result.output.decode("utf-8", "replace").strip()[-300:]
    return f"exit {result.exit_code}: {text}" if text else f"exit {result.exit_code}"
