"""env_file, secrets and configs in the loader: forms, precedence, errors."""

from __future__ import annotations

import pytest

from core_monitor.compose import load_compose, service_config_hash
from core_monitor.domain.compose import InjectedFile, MountSpec
from core_monitor.errors import ValidationFailed


def errors(text: str, variables: dict[str, str] | None = None, **files: bytes) -> list[str]:
    with pytest.raises(ValidationFailed) as info:
        load_compose(text, variables, files=_files(files))
    return [f"{e.path}: {e.message}" for e in info.value.errors]


def _files(files: dict[str, bytes]) -> dict[str, bytes]:
    return {k.replace("__", "/").replace("_dot_", "."): v for k, v in files.items()}


def test_env_files_in_order_then_environment() -> None:
    text = """
services:
  s:
    image: x
    env_file: [a.env, {path: b.env}, {path: none.env, required: false}]
    environment: {A: env, N: ~}
"""
    files = {"a.env": b"A=1\nB=a\nD=${A}\nN=from-file\n", "b.env": b"B=b\nC=${B}\n"}
    project = load_compose(text, {}, files=files)
    assert project.services["s"].environment == {
        "A": "env",
        "B": "b",
        "C": "b",
        "D": "env",
        "N": None,  # a bare name in environment wins, as in Compose
    }


def test_env_file_short_string_and_raw_format() -> None:
    text = (
        "services: {s: {image: x, env_file: .env},"
        " t: {image: x, env_file: [{path: .env, format: raw}]}}"
    )
    project = load_compose(text, {"X": "xv"}, files={".env": b'RAW=${X} "q"\n'})
    assert project.services["s"].environment == {"RAW": 'xv "q"'}
    assert project.services["t"].environment == {"RAW": '${X} "q"'}


def test_env_file_path_is_interpolated() -> None:
    text = "services: {s: {image: x, env_file: '${ENV}.env'}}"
    project = load_compose(text, {"ENV": "prod"}, files={"prod.env": b"A=1"})
    assert project.services["s"].environment == {"A": "1"}


@pytest.mark.parametrize(
    ("env_file", "message"),
    [
        ("missing.env", "services.s.env_file: env file 'missing.env' is not in the stack's files"),
        (
            "[ok.env, {path: gone.env}]",
            "services.s.env_file[1].path: env file 'gone.env' is not in the stack's files",
        ),
        ("../up.env", "services.s.env_file: env file '../up.env' must not contain '..'"),
        ("bad.env", "services.s.env_file: env file 'bad.env': line 1: key cannot contain a space"),
        ("[{path: ok.env, format: json}]", "services.s.env_file[0].format: unsupported format"),
        ("[{path: ok.env, bogus: 1}]", "services.s.env_file[0].bogus"),
    ],
)
def test_env_file_errors(env_file: str, message: str) -> None:
    text = f"services: {{s: {{image: x, env_file: {env_file}}}}}"
    found = errors(text, ok_dot_env=b"A=1", bad_dot_env=b"bad line here")
    assert any(e.startswith(message) for e in found), found


COMPOSE = """
services:
  s:
    image: x
    secrets:
      - envsec
      - source: filesec
        target: custom
      - source: envsec
        target: /abs/path
        uid: "1000"
        gid: 1001
        mode: 0400
    configs:
      - c1
      - source: c2
        target: /etc/c2.conf
        mode: "0440"
secrets:
  envsec: {environment: TOKEN}
  filesec: {file: ./sec.txt}
configs:
  c1: {content: "hello $TOKEN"}
  c2: {file: conf//c2.conf}
"""
FILES = {"sec.txt": b"s3cret", "conf/c2.conf": b"c"}


def test_secrets_and_configs_land_where_compose_puts_them() -> None:
    service = load_compose(COMPOSE, {"TOKEN": "tok-123456"}, files=FILES).services["s"]
    assert service.volumes == [
        MountSpec(type="bind", source="./sec.txt", target="/run/secrets/custom", read_only=True),
        MountSpec(type="bind", source="./conf/c2.conf", target="/etc/c2.conf", read_only=True),
    ]
    assert service.injected_files == [
        InjectedFile(
            target="/run/secrets/envsec", content="tok-123456", secret=True, variable="TOKEN"
        ),
        InjectedFile(
            target="/abs/path",
            content="tok-123456",
            uid=1000,
            gid=1001,
            mode=0o400,
            secret=True,
            variable="TOKEN",
        ),
        InjectedFile(target="/c1", content="hello tok-123456"),
    ]


@pytest.mark.parametrize(
    ("top", "refs", "message"),
    [
        (
            "secrets: {a: {external: true}}",
            "secrets: [a]",
            "secrets.a.external: external secrets need Swarm",
        ),
        ("secrets: {a: {content: x}}", "secrets: [a]", "secrets.a.content: unsupported key"),
        (
            "secrets: {a: {environment: NOPE}}",
            "secrets: [a]",
            "secrets.a.environment: variable 'NOPE' is not set",
        ),
        (
            "secrets: {a: {file: gone.txt}}",
            "secrets: [a]",
            "secrets.a.file: 'gone.txt' is not in the stack's files",
        ),
        (
            "secrets: {a: {file: /etc/passwd}}",
            "secrets: [a]",
            "secrets.a.file: '/etc/passwd' must be relative",
        ),
        ("secrets: {a: {}}", "secrets: [a]", "secrets.a: needs exactly one of file, environment"),
        ("configs: {a: {content: x, file: y}}", "configs: [a]", "configs.a: needs exactly one of"),
        (
            "configs: {a: {external: true}}",
            "configs: [a]",
            "configs.a.external: external configs need Swarm",
        ),
        ("secrets: {}", "secrets: [nope]", "services.s.secrets[0]: undefined secret 'nope'"),
        (
            "configs: {a: {content: x}}",
            "configs: [{source: a, mode: 9z}]",
            "services.s.configs[0].mode",
        ),
        (
            "configs: {a: {content: x}}",
            "configs: [{source: a, uid: bob}]",
            "services.s.configs[0].uid: must be a numeric id",
        ),
        (
            "configs: {a: {content: x}}",
            "configs: [{source: a, extra: 1}]",
            "services.s.configs[0].extra",
        ),
        ("configs: {a: {content: x}}", "configs: {a: {}}", "services.s.configs: must be a list"),
        (
            "configs: {a: {content: x}}",
            "configs: [{source: a, target: /}]",
            "services.s.configs[0].target: must name a file",
        ),
        (
            "secrets: {a: {environment: V}}",
            "read_only: true, secrets: [a]",
            "services.s.secrets[0]: cannot create secret 'a' in a read-only service",
        ),
    ],
)
def test_secret_and_config_errors(top: str, refs: str, message: str) -> None:
    text = f"services: {{s: {{image: x, {refs}}}}}\n{top}"
    found = errors(text, {"V": "value-123"})
    assert any(e.startswith(message) for e in found), found


def test_a_read_only_service_may_use_file_sources() -> None:
    text = "services: {s: {image: x, read_only: true, secrets: [a]}}\nsecrets: {a: {file: a.txt}}"
    service = load_compose(text, {}, files={"a.txt": b"x"}).services["s"]
    assert service.volumes[0].source == "./a.txt"


def test_a_service_without_secrets_keeps_its_hash() -> None:
    """Services written before secrets/configs existed must not be recreated."""
    plain = load_compose("services: {s: {image: x}}")
    assert "injected_files" not in service_config_hash(plain, "s", keyed=lambda text: text)
    with_config = load_compose(
        "services: {s: {image: x, configs: [a]}}\nconfigs: {a: {content: x}}"
    )
    changed = load_compose("services: {s: {image: x, configs: [a]}}\nconfigs: {a: {content: y}}")
    hashes = {service_config_hash(p, "s") for p in (plain, with_config, changed)}
    assert len(hashes) == 3
