"""What every driver shares: its failure, checked commands, names it may put in a path,
and curl run inside the container with credentials that never reach a command line.
"""

from __future__ import annotations

import io
import re
import tarfile
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from core_monitor.deploy.driver import ContainerAccess, ExecResult
from core_monitor.domain.deploy import ACCEPTS, Artifact, TargetKind
from core_monitor.errors import FieldError, TerminalError

SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
SPOOL = 8 * 1024 * 1024  # bytes of a tar stream kept in memory before it spools to disk


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
) -> ExecResult:
    """``curl -sS`` in the container with ``args``. The credentials never reach a command
    line (``ps``, the engine's exec record): they are the first line of stdin, which the
    shell reads (byte by byte, so not one byte of the body) and hands to curl as its config
    on a here-document; curl reads the rest of stdin as the body (``-T -``, ``@-``). The
    output ends with a line holding the HTTP status."""
    config = _curl_config(user, password)
    body = stdin if stdin is not None else io.BytesIO()
    marker = (record.path, record.value, record.ok_prefix) if record else ("", "", "")
    argv = sh(_CURL, *marker, *args)
    return box.run(argv, stdin=io.BufferedReader(_Prefixed(config, body)), timeout=timeout)


_CURL = """IFS= read -r c; m=$1; v=$2; ok=$3; shift 3; nl='
'
[ -z "$m" ] || rm -f -- "$m"
out=$(curl -sS -K /dev/fd/3 -w "\\n%{http_code}" "$@" 3<<EOF
$c
EOF
); rc=$?
printf '%s' "$out"
if [ -n "$m" ] && [ "$rc" = 0 ] && [ "${out##*"$nl"}" = 200 ]; then
  case $out in "$ok"*) printf '%s\\n' "$v" > "$m.tmp" && mv -f "$m.tmp" "$m";; esac
fi
exit $rc
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
