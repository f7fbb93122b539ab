"""The catalog's stand-in images (scripts/build-catalog-images.sh), on the real engine: each
started the way the catalog starts it (its documented environment variables, a user network,
ports on 127.0.0.1) and the part of the official image's contract the catalog relies on
checked for real: credentials that work and wrong ones refused, the service's port and data
path, the unprivileged user it runs as, and a `docker stop` that takes under 3 s."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.support.docker_probe import docker, require_docker
from tests.support.helpers import missing
from tests.support.server import REPO
from tests.support.stand_ins import Container, eventually, label, network, require_image, running

STOP_SECONDS = 3.0


@pytest.fixture(scope="module")
def net() -> Iterator[str]:
    require_docker()
    with network() as name:
        yield name


def assert_stops_quickly(container: Container) -> None:
    assert container.stop_seconds() < STOP_SECONDS, container.logs()[-2000:]


def pg_connect(port: int, password: str) -> tuple[str, str]:
    with psycopg.connect(
        host="127.0.0.1",
        port=port,
        user="app",
        dbname="appdb",
        password=password,
        connect_timeout=5,
    ) as conn:
        row = conn.execute("SELECT current_user, current_database()").fetchone()
    assert row is not None
    return str(row[0]), str(row[1])


def test_postgres_both_references_are_the_labelled_postgresql_15_stand_in() -> None:
    require_docker()
    for reference in ("postgres:16", "postgres:15"):
        require_image(reference)
        assert label(reference, "org.coremon.stand-in") == "postgresql-15"
    assert docker("image", "inspect", "-f", "{{.Id}}", "postgres:16") == docker(
        "image", "inspect", "-f", "{{.Id}}", "postgres:15"
    )


def test_postgres_user_password_and_database_over_the_network(net: str) -> None:
    require_image("postgres:16")
    db = Container(
        "postgres:16",
        net,
        "db",
        POSTGRES_USER="app",
        POSTGRES_PASSWORD="s3cret!'x",
        POSTGRES_DB="appdb",
    )
    with running(db, 5432):
        eventually(
            lambda: db.exec("pg_isready", "-h", "127.0.0.1").returncode == 0 or None,
            60,
            "pg_isready",
            db,
        )
        port = db.host_port(5432)
        # from the host through the published port: the network rule (scram), not the local trust
        assert eventually(lambda: pg_connect(port, "s3cret!'x"), 30, "login", db) == (
            "app",
            "appdb",
        )
        with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
            pg_connect(port, "wrong")
        assert db.exec("test", "-s", "/var/lib/postgresql/data/PG_VERSION").returncode == 0
        assert db.uid_of_main_process() == db.uid_of("postgres")
        assert_stops_quickly(db)


def test_postgres_refuses_to_initialise_without_a_password(net: str) -> None:
    require_image("postgres:16")
    db = Container("postgres:16", net, "nopw")
    with running(db):
        code = eventually(lambda: docker("wait", db.name).strip() or None, 30, "exit", db)
        assert code != "0" and "superuser password is not specified" in db.logs()


def mariadb_client(net: str, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "docker",
            "run",
            "--rm",
            "--network",
            net,
            "--entrypoint",
            "mariadb",
            "mariadb:10.11",
            "-h",
            "db",
            *argv,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_mariadb_root_user_and_database_over_the_network(net: str) -> None:
    require_image("mariadb:10.11")
    db = Container(
        "mariadb:10.11",
        net,
        "db",
        MARIADB_ROOT_PASSWORD="rootpw",
        MARIADB_DATABASE="shop",
        MARIADB_USER="shopper",
        MARIADB_PASSWORD="p'w\\x",
    )
    with running(db, 3306):
        eventually(
            lambda: (
                db.exec("healthcheck.sh", "--connect", "--innodb_initialized").returncode == 0
                or None
            ),
            90,
            "healthcheck.sh",
            db,
        )
        user = mariadb_client(
            net,
            "-u",
            "shopper",
            "-pp'w\\x",
            "shop",
            "-N",
            "-e",
            "SELECT current_user(), database(); CREATE TABLE t (x INT);",
        )
        assert user.stdout.split() == ["shopper@%", "shop"], user.stderr
        root = mariadb_client(net, "-u", "root", "-prootpw", "-N", "-e", "SELECT 1")
        assert root.stdout.strip() == "1", root.stderr
        wrong = mariadb_client(net, "-u", "shopper", "-pwrong", "shop", "-e", "SELECT 1")
        assert wrong.returncode != 0 and "Access denied" in wrong.stderr
        with socket.create_connection(("127.0.0.1", db.host_port(3306)), timeout=5) as sock:
            assert b"10.11" in sock.recv(256)  # the server greeting on the published port
        assert db.exec("test", "-d", "/var/lib/mysql/shop").returncode == 0
        assert db.uid_of_main_process() == db.uid_of("mysql")
        assert_stops_quickly(db)


def redis_command(port: int, *words: str) -> bytes:
    request = f"*{len(words)}\r\n".encode() + b"".join(
        f"${len(w)}\r\n{w}\r\n".encode() for w in words
    )
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request)
        return sock.recv(1024)


def test_redis_answers_from_another_host_with_data_in_slash_data(net: str) -> None:
    require_image("redis:7.2")
    cache = Container("redis:7.2", net, "cache")
    with running(cache, 6379):
        port = cache.host_port(6379)
        # the engine's port forwarding is not loopback: protected mode would answer -DENIED
        assert (
            eventually(lambda: redis_command(port, "PING") or None, 30, "PING", cache)
            == b"+PONG\r\n"
        )
        assert redis_command(port, "CONFIG", "GET", "dir") == b"*2\r\n$3\r\ndir\r\n$5\r\n/data\r\n"
        assert cache.uid_of_main_process() == cache.uid_of("redis")
        assert_stops_quickly(cache)


HAPROXY_CFG = """\
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
frontend web
  bind :8080
  default_backend app
resolvers docker
  nameserver engine 127.0.0.11:53
backend app
  # resolved by the engine's DNS at run time: haproxy starts even before `app` is known
  server app1 app:8080 resolvers docker init-addr libc,none
"""


def test_haproxy_proxies_to_a_service_on_the_network(net: str, tmp_path: Path) -> None:
    require_image("haproxy:2.8")
    require_image("coremon-test/busybox:latest")
    app = Container(
        "coremon-test/busybox:latest", net, "app", "httpd", "-f", "-p", "8080", "-h", "/var/www"
    )
    config = tmp_path / "haproxy.cfg"
    config.write_text(HAPROXY_CFG)
    config.chmod(0o644)
    proxy = Container("haproxy:2.8", net, "proxy")
    with (
        running(app),
        running(proxy, 8080, files={"/usr/local/etc/haproxy/haproxy.cfg": str(config)}),
    ):
        url = f"http://127.0.0.1:{proxy.host_port(8080)}/"
        page = eventually(lambda: _ok(httpx.get(url, timeout=5)), 30, "a page via haproxy", proxy)
        assert "coremon-test" in page
        assert proxy.uid_of_main_process() == proxy.uid_of("haproxy")
        assert_stops_quickly(proxy)


def _ok(response: httpx.Response) -> str | None:
    return response.text if response.status_code == 200 else None


def test_rabbitmq_default_user_amqp_and_management_api(net: str) -> None:
    require_image("rabbitmq:3.12-management")
    broker = Container(
        "rabbitmq:3.12-management",
        net,
        "broker",
        RABBITMQ_DEFAULT_USER="coremon",
        RABBITMQ_DEFAULT_PASS="hunter2",
    )
    with running(broker, 5672, 15672):
        api = f"http://127.0.0.1:{broker.host_port(15672)}/api/overview"
        overview = eventually(
            lambda: _ok(httpx.get(api, auth=("coremon", "hunter2"), timeout=5)),
            120,
            "the management API",
            broker,
        )
        assert '"rabbitmq_version"' in overview
        assert httpx.get(api, auth=("guest", "guest"), timeout=5).status_code == 401
        with socket.create_connection(("127.0.0.1", broker.host_port(5672)), timeout=5) as sock:
            sock.sendall(b"AMQP\x00\x00\x09\x01")
            assert sock.recv(7)[:1] == b"\x01"  # a method frame: connection.start
        assert broker.exec("test", "-d", "/var/lib/rabbitmq/mnesia").returncode == 0
        assert broker.uid_of_main_process() == broker.uid_of("rabbitmq")
        assert_stops_quickly(broker)


def test_adminer_serves_its_login_page_with_the_default_server(net: str) -> None:
    require_image("adminer:4.8.1")
    console = Container("adminer:4.8.1", net, "adminer", ADMINER_DEFAULT_SERVER="pg")
    with running(console, 8080):
        url = f"http://127.0.0.1:{console.host_port(8080)}/"
        page = eventually(lambda: _ok(httpx.get(url, timeout=5)), 30, "the login page", console)
        assert "Adminer" in page and "4.8.1" in page
        assert 'name="auth[server]" value="pg"' in page
        assert console.uid_of_main_process() == console.uid_of("adminer")
        assert_stops_quickly(console)


def test_a_second_build_reuses_every_image_in_seconds() -> None:
    require_docker()
    references = [
        "postgres:16",
        "postgres:15",
        "mariadb:10.11",
        "redis:7.2",
        "haproxy:2.8",
        "rabbitmq:3.12-management",
        "adminer:4.8.1",
    ]
    for reference in references:
        require_image(reference)
    if os.geteuid() != 0:
        missing("the build script needs root (debootstrap)")
    before = {ref: docker("image", "inspect", "-f", "{{.Id}}", ref) for ref in references}
    started = time.monotonic()
    result = subprocess.run(
        ["scripts/build-catalog-images.sh"], cwd=REPO, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 30, result.stdout
    assert "built" not in result.stdout
    assert {ref: docker("image", "inspect", "-f", "{{.Id}}", ref) for ref in references} == before


def _build(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["scripts/build-catalog-images.sh", *args],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_a_failed_build_fails_the_run_only_under_ci(tmp_path: Path) -> None:
    require_docker()
    if os.geteuid() != 0:
        missing("the build script needs root (debootstrap)")
    before = docker("images", "-q", "--no-trunc", "redis:7.2")
    # a suite no mirror has: a new recipe hash, and debootstrap fails at once
    broken = {
        "COREMON_CATALOG_SUITE": "coremon-no-such-suite",
        "COREMON_DEBOOTSTRAP_CACHE": str(tmp_path),
    }
    relaxed = _build("redis", CI="false", **broken)
    assert relaxed.returncode == 0 and "FAILED: redis" in relaxed.stderr
    strict = _build("redis", CI="true", **broken)
    assert strict.returncode == 1 and "FAILED: redis" in strict.stderr
    assert docker("images", "-q", "--no-trunc", "redis:7.2") == before  # nothing re-tagged
