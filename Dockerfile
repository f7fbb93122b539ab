# Core Monitor — production image.
#
#   make ui-build && docker build -t core-monitor .     # python:3.12-slim, deps from PyPI
#   ./scripts/build-image.sh                            # offline: debootstrap base + wheelhouse
#   ./scripts/run-container.sh                          # the latter, then compose up (README)
#
# BASE_IMAGE must provide python3 with the venv module (python:3.X-slim does; so does
# coremon-base:bookworm from scripts/build-base-image.sh). Commands use `python3`, which
# both have. Builds with the legacy builder too (no BuildKit-only syntax).
ARG BASE_IMAGE=python:3.12-slim

# --------------------------------------------------------------------------- builder
FROM ${BASE_IMAGE} AS builder
# The legacy builder keeps this stage as a dangling image; build-image.sh prunes by label.
LABEL org.core-monitor.stage=builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore

RUN python3 -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

# Dependencies first, in their own layer: it is rebuilt only when pyproject.toml,
# constraints.txt or the wheelhouse change, not on every source edit.
# `build*` is build/ when the context has one (.dockerignore lets in only build/wheelhouse/,
# so it lands at /deps/wheelhouse/) and matches nothing otherwise, which COPY allows next to
# files that do exist. With wheels there (scripts/build-image.sh makes them: every dependency
# plus setuptools/wheel for the build backend) everything installs offline; otherwise pip
# uses the package index.
COPY pyproject.toml constraints.txt build* /deps/
RUN set -eu; \
    if ls /deps/wheelhouse/*.whl >/dev/null 2>&1; then \
        echo "installing offline from build/wheelhouse"; \
        set -- --no-index --find-links /deps/wheelhouse; \
    else \
        echo "installing from the package index"; \
        set --; \
    fi; \
    echo "$@" >/deps/pip-args; \
    pip install "$@" --upgrade pip; \
    python3 -c 'import tomllib; print("\n".join(tomllib.load(open("/deps/pyproject.toml", "rb"))["project"]["dependencies"]))' >/deps/requirements.txt; \
    pip install "$@" -c /deps/constraints.txt -r /deps/requirements.txt 'setuptools>=68' wheel

# Then the project itself, always built from src/ (never from a possibly stale wheel).
# The runtime needs none of the installers afterwards (pip alone is ~14 MB).
COPY . /src
RUN set -eu; \
    pip install $(cat /deps/pip-args) --no-deps --no-build-isolation /src; \
    pip check; \
    coremon --help >/dev/null; \
    python3 -c 'import sys; from core_monitor.api.spa import DIST; (DIST / "index.html").is_file() or sys.exit("the web console is not built: run make ui-build (scripts/build-image.sh does) before docker build")'; \
    pip uninstall -y -q setuptools wheel; \
    python3 -m pip uninstall -y -q pip

# --------------------------------------------------------------------------- runtime
FROM ${BASE_IMAGE} AS runtime

LABEL org.opencontainers.image.title="Core Monitor" \
      org.opencontainers.image.description="Self-hosted Docker stack orchestrator" \
      org.opencontainers.image.licenses="Apache-2.0"

# A fixed uid/gid so volume ownership is predictable. The Docker socket's group is added
# at run time, read from the socket (`--group-add $(stat -c %g /var/run/docker.sock)`;
# compose `group_add: DOCKER_GID`, which scripts/run-container.sh sets).
# Written directly: minimal bases may lack useradd.
RUN set -eu; \
    if command -v groupadd >/dev/null 2>&1 && command -v useradd >/dev/null 2>&1; then \
        groupadd --system --gid 10001 coremon; \
        useradd --system --uid 10001 --gid 10001 --home-dir /data --no-create-home \
            --shell /usr/sbin/nologin coremon; \
    else \
        echo "coremon:x:10001:10001:Core Monitor:/data:/usr/sbin/nologin" >>/etc/passwd; \
        echo "coremon:x:10001:" >>/etc/group; \
    fi; \
    mkdir -p /data; \
    chown 10001:10001 /data; \
    chmod 0750 /data

COPY --from=builder /opt/venv /opt/venv

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    COREMON_DATA_DIR=/data \
    COREMON_HOST=0.0.0.0 \
    COREMON_PORT=8080 \
    COREMON_LOG_FORMAT=json

USER coremon
WORKDIR /data
VOLUME ["/data"]
EXPOSE 8080

# No curl in slim images: ask /healthz with the standard library.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python3", "-c", "import os, sys, urllib.request; port = os.environ.get('COREMON_PORT', '8080'); sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:%s/healthz' % port, timeout=4).status == 200 else 1)"]

ENTRYPOINT ["coremon"]
CMD ["serve"]
