"""A build's output in the command log is bounded, and a failure quotes the build's own
last lines; the context archive is deterministic (the engine's cache is hit)."""

from __future__ import annotations

import gzip
import io
import tarfile

from core_monitor.compose import load_compose
from core_monitor.engine import build_context
from core_monitor.engine import labels as lbl
from core_monitor.engine.build_log import HEAD, TAIL, BuildLog


def test_a_chatty_build_logs_its_head_and_its_tail_only() -> None:
    logged: list[str] = []
    log = BuildLog(logged.append)
    for n in range(10_000):
        log.feed(f"line {n}\n")
    log.finish()
    assert len(logged) == HEAD + 1 + TAIL
    assert logged[0] == "line 0"
    assert logged[HEAD] == f"… {10_000 - HEAD - TAIL} line(s) of build output not logged …"
    assert logged[-1] == "line 9999"


def test_chunks_split_mid_line_and_a_failure_quotes_the_last_lines() -> None:
    logged: list[str] = []
    log = BuildLog(logged.append)
    log.feed("Step 2/2 : RUN echo boom && fal")
    log.feed("se\n ---> Running in 1\nboom\n")
    message = log.failure("The command '/bin/sh -c false' returned a non-zero code: 1")
    assert logged == ["Step 2/2 : RUN echo boom && false", " ---> Running in 1", "boom"]
    assert message.splitlines()[-2:] == [
        "boom",
        "The command '/bin/sh -c false' returned a non-zero code: 1",
    ]


def test_the_request_carries_the_options_and_a_deterministic_context() -> None:
    files = {"app/Dockerfile": b"FROM x\n", "app/run.sh": b"#!/bin/sh\n", "other": b"no"}
    text = "services: {web: {build: {context: app, args: {A: '1', B: null}, target: t}}}"
    spec = load_compose(text, project_name="p", files=files).services["web"].build
    assert spec is not None
    first = build_context.request("p-web", spec, files)
    again = build_context.request("p-web", spec, dict(reversed(list(files.items()))))
    assert first == again
    assert (first.tag, first.dockerfile, first.buildargs, first.target) == (
        "p-web",
        "Dockerfile",
        {"A": "1"},
        "t",
    )
    assert first.labels == {lbl.BUILD_DIGEST: spec.digest}
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(first.archive))) as tar:
        modes = {m.name: m.mode for m in tar.getmembers()}
    assert modes == {"Dockerfile": 0o644, "run.sh": 0o755}


def test_an_inline_dockerfile_travels_in_the_archive() -> None:
    text = "services: {web: {build: {context: ., dockerfile_inline: 'FROM y'}}}"
    files = {"a": b"a"}
    spec = load_compose(text, project_name="p", files=files).services["web"].build
    assert spec is not None
    request = build_context.request("p-web", spec, files)
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(request.archive))) as tar:
        inline = tar.extractfile(request.dockerfile)
        assert inline is not None and inline.read() == b"FROM y"


def test_the_contexts_dockerignore_leaves_files_out_like_the_cli() -> None:
    files = {
        "Dockerfile": b"FROM x\n",
        ".dockerignore": b"# comment\nnode_modules\n*.log\n!keep.log\ndocs/**/*.md\n",
        "app.py": b"",
        "node_modules/a/b.js": b"",
        "x.log": b"",
        "keep.log": b"",
        "sub/y.log": b"",
        "docs/a.md": b"",
        "docs/deep/b.md": b"",
        "docs/c.txt": b"",
    }
    kept = build_context.ignored_out(files, "Dockerfile")
    assert sorted(kept) == [
        ".dockerignore",
        "Dockerfile",
        "app.py",
        "docs/c.txt",
        "keep.log",
        "sub/y.log",
    ]
