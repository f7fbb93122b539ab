"""What every driver shares: its failure, checked commands, names it may put in a path,
curl run inside the container with credentials that never reach a command line, and the
one rule for waiting on a server that is not listening yet.
"""

from __future__ import annotations

import io
import re
import tarfile
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from core_monitor.deploy.driver import ContainerAccess, ExecResult, Log
from core_monitor.domain.deploy import ACCEPTS, Artifact, TargetKind
from core_monitor.errors import FieldError, TerminalError

SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
SPOOL = 8 * 1024 * 1024  # bytes of a tar stream kept in memory before it spools to disk
COULD_NOT_CONNECT = 7  # curl's exit code when nothing accepts the connection (refused)
THEN = b"\n--coremon-then--\n"  # between the two answers of ``curl(..., then=url)``


class DriverFailed(TerminalError):
    """The middleware refused or failed a deploy step; the message is its own words."""


def checked(box: ContainerAccess, argv: Sequence[str], what: str, timeout: float = 60.0) -> str:
    """Run argv; its output as text, or ``DriverFailed`` with that output when it fails."""
    result = box.run(argv, timeout=timeout)
    text = result.output.decode("utf-8", "replace").strip()
    if result.exit_code != 0:
        raise DriverFailed(f"{what}: {text or f'exit code {result.exit_code}'}")
    return text


def sh(script: str, *args: str) -> list[str]:
    """argv running a fixed shell script; values go in as $1… (never into the script)."""
    return ["sh", "-c", script, "sh", *args]


def safe_name(value: str, what: str) -> str:
    """A value used as one file name in the container (a deployment id, a site)."""
    if not SAFE_NAME.fullmatch(value) or ".." in value:
        raise DriverFailed(f"{what} {value!r} cannot name a file")
    return value


def kind_errors(kind: TargetKind, artifact: Artifact) -> list[FieldError]:
    if artifact.kind in ACCEPTS[kind]:
        return []
    fits = ", ".join(sorted(ACCEPTS[kind]))
    return [FieldError("artifact", f"a {artifact.kind} artifact cannot go into {kind} ({fits})")]


@dataclass(frozen=True)
class Record:
    """A marker file rewritten around a call, in the call's own exec (two round trips less
    on a deploy's path): removed before it; written with ``value`` after it when the answer
    is HTTP 200 and its body starts with ``ok_prefix`` (the middleware's success line)."""

    path: str
    value: str
    ok_prefix: str


def curl(
    box: ContainerAccess,
    user: str,
    password: str,
    args: Sequence[str],
    *,
    stdin: BinaryIO | None = None,
    timeout: float = 120.0,
    record: Record | None = None,
    then: str | None = None,
    probe: str | None = None,
) -> ExecResult:
    """``curl -sS`` in the container with ``args``. The credentials never reach a command
    line (``ps``, the engine's exec record): they are the first line of stdin, which the
    shell reads (byte by byte, so not one byte of the body) and hands to curl as its config
    on a here-document; curl reads the rest of stdin as the body (``-T -``, ``@-``). The
    output ends with a line holding the HTTP status. ``then``: a URL fetched (GET) in the
    same exec once the call succeeded (HTTP 200, and ``record.ok_prefix`` when recording),
    its answer after a ``THEN`` line: a check that costs no exec of its own. ``probe``: a URL
    fetched after ``then`` succeeded, without the credentials (it is the application's),
    its HTTP status after another ``THEN`` line."""
    config = _curl_config(user, password)
    body = stdin if stdin is not None else io.BytesIO()
    marker = (record.path, record.value, record.ok_prefix) if record else ("", "", "")
    argv = sh(_CURL, *marker, then or "", probe or "", *args)
    return box.run(argv, stdin=io.BufferedReader(_Prefixed(config, body)), timeout=timeout)


def split_then(output: bytes) -> list[bytes]:
    """The answers of ``curl(..., then=…, probe=…)``: the call's, then each that ran."""
    return output.split(THEN, 2)


_CURL = """IFS= read -r c; m=$1; v=$2; ok=$3; after=$4; probe=$5; shift 5; nl='
'
call() { curl -sS -K /dev/fd/3 -w "\\n%{http_code}" "$@" 3<<EOF
$c
EOF
}
[ -z "$m" ] || rm -f -- "$m"
out=$(call "$@"); rc=$?
printf '%s' "$out"
[ "$rc" = 0 ] && [ "${out##*"$nl"}" = 200 ] || exit $rc
case $out in "$ok"*) ;; *) exit 0;; esac
[ -z "$m" ] || { printf '%s\\n' "$v" > "$m.tmp" && mv -f "$m.tmp" "$m"; }
[ -n "$after" ] || exit 0
printf '\\n--coremon-then--\\n'
call "$after" < /dev/null; rc=$?
[ -n "$probe" ] && [ "$rc" = 0 ] || exit $rc
printf '\\n--coremon-then--\\n'
curl -s -o /dev/null -w "%{http_code}" -m 5 "$probe" < /dev/null  # probe.ATTEMPT_SECONDS
exit 0
"""
_PROBE = (
    'code=$(curl -s -o /dev/null -w "%{http_code}" "$1")'
    "; case $code in 2??|3??) exit 0;; esac; exit 1"
)


def _curl_config(user: str, password: str) -> bytes:
    if "\n" in user + password or "\r" in user + password:
        raise DriverFailed("credentials cannot hold a line break")

    def quoted(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return f"user = {quoted(f'{user}:{password}')}\n".encode()


class _Prefixed(io.RawIOBase):
    """``head`` then everything ``tail`` holds, as one stream."""

    def __init__(self, head: bytes, tail: BinaryIO) -> None:
        self._head, self._tail = head, tail

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self._head:
            size = min(len(buffer), len(self._head))
            buffer[:size], self._head = self._head[:size], self._head[size:]
            return size
        data = self._tail.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def split_status(output: bytes) -> tuple[int, str]:
    """curl's output as written by ``curl()``: (HTTP status, body); status 0 if absent."""
    text = output.decode("utf-8", "replace")
    body, _, last = text.rstrip("\n").rpartition("\n")
    if last.strip().isdigit():
        return int(last.strip()), body
    return 0, text


def file_tar(name: str, source: Path) -> BinaryIO:
    """A tar stream holding one file, ``name``, with the content of ``source``."""
    out = tempfile.SpooledTemporaryFile(SPOOL)  # noqa: SIM115  (returned open)
    with tarfile.open(fileobj=out, mode="w") as tar, source.open("rb") as data:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = source.stat().st_size, 0o644, int(time.time())
        tar.addfile(info, data)
    out.seek(0)
    return out  # type: ignore[return-value]


def wait_for(box: ContainerAccess, argv: Sequence[str], seconds: float, every: float = 0.5) -> bool:
    """Whether argv exits 0 within ``seconds`` (tried every ``every`` seconds)."""
    deadline = time.monotonic() + seconds
    while True:
        if box.run(argv, timeout=max(seconds, 5.0)).exit_code == 0:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(every)


def http_probe(port: int, path: str) -> list[str]:
    """argv: exit 0 when http://127.0.0.1:port/path answers 2xx or 3xx (curl in the box)."""
    url = f"http://127.0.0.1:{port}{path}"
    return sh(_PROBE, url)


def refused(result: ExecResult) -> bool:
    """The retry rule: only a connection nothing accepted (curl's exit 7: the server is not
    listening yet, as in Tomcat's first seconds after a start) is worth waiting for. Any
    HTTP answer (401, 404, 500...), a time-out or another error is the server's word, said
    at once."""
    return result.exit_code == COULD_NOT_CONNECT


def when_listening(
    call: Callable[[], ExecResult],
    seconds: float,
    log: Log,
    what: str,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> ExecResult:
    """``call()``, again while it is ``refused`` (backoff 0.1 s doubling to 1 s) for at most
    ``seconds``: its last result. The wait is said in the command log."""
    result = call()
    if not refused(result):
        return result
    started, delay = clock(), 0.1
    log(f"waiting for {what} (up to {seconds:g} s)")
    while refused(result) and clock() - started < seconds:
        sleep(min(delay, max(seconds - (clock() - started), 0.0)))
        delay = min(delay * 2, 1.0)
        result = call()
    state = "still refuses connections" if refused(result) else "answers"
    log(f"{what} {state} after {clock() - started:.1f} s")
    return result
