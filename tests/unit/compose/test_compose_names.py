"""Names and limits the engine would misuse are refused by its own grammar, with their path.

Each rule is checked in the syntaxes a value can arrive in: written out, through a
``${VAR}``, in a long form where there is one.
"""

from __future__ import annotations

import pytest

from core_monitor.compose import load_compose
from core_monitor.errors import ValidationFailed

DIGEST = "sha256:" + "a" * 64


def paths(text: str, **variables: str) -> list[str]:
    with pytest.raises(ValidationFailed) as info:
        load_compose(text, variables)
    return [e.path for e in info.value.errors]


def service(body: str) -> str:
    return f"services:\n  web:\n    image: busybox\n{body}"


# -- container_name ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../../x", "/web", "a", "x y", "-web", "wéb", "a/b", "a" * 256])
def test_bad_container_names(name: str) -> None:
    assert paths(service(f"    container_name: '{name}'\n")) == ["services.web.container_name"]


@pytest.mark.parametrize("name", ["my-app", "a1", "app.v2_x", "A" * 255])
def test_good_container_names(name: str) -> None:
    assert load_compose(service(f"    container_name: {name}\n")).services["web"].container_name


def test_container_name_through_a_variable() -> None:
    text = service("    container_name: ${NAME}\n")
    assert paths(text, NAME="../../x") == ["services.web.container_name"]
    assert load_compose(text, {"NAME": "ok-name"}).services["web"].container_name == "ok-name"


# -- image references ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "image",
    [
        "../../../etc/passwd",
        "Busybox",
        "busybox:",
        "busybox:a b",
        "a//b",
        "-busybox",
        "/busybox",
        "busybox@sha256:abc",
        "busybox:" + "t" * 129,
        "a" * 256,
        "",
    ],
)
def test_bad_image_references(image: str) -> None:
    text = f"services:\n  web:\n    image: '{image}'\n"
    assert paths(text) == ["services.web.image"]


@pytest.mark.parametrize(
    "image",
    [
        "busybox",
        "busybox:1.36",
        "coremon-test/busybox:latest",
        "localhost:5000/team/app:1",
        "[::1]:5000/app",
        f"busybox@{DIGEST}",
        f"registry.example.com/a/b-c__d.e:v1.2-RC@{DIGEST}",
        "Registry.Example.com/app",
    ],
)
def test_good_image_references(image: str) -> None:
    assert load_compose(f"services:\n  web:\n    image: '{image}'\n").services["web"].image == image


def test_image_through_a_variable() -> None:
    text = "services:\n  web:\n    image: ${IMAGE}\n"
    assert paths(text, IMAGE="../../../etc/passwd") == ["services.web.image"]
    assert load_compose(text, {"IMAGE": "busybox:1"}).services["web"].image == "busybox:1"


# -- network and volume names --------------------------------------------------------------

USES = "services:\n  web:\n    image: busybox\n    networks: [n]\n    volumes: ['vol:/data']\n"


@pytest.mark.parametrize(
    ("resources", "path"),
    [
        ("networks: {n: {name: ../../etc}}\nvolumes: {vol: {}}", "networks.n.name"),
        ("networks: {n: {external: true, name: '../x'}}\nvolumes: {vol: {}}", "networks.n.name"),
        (
            "networks: {n: {external: {name: '../x'}}}\nvolumes: {vol: {}}",
            "networks.n.external.name",
        ),
        ("networks: {n: {}}\nvolumes: {vol: {name: ../../etc}}", "volumes.vol.name"),
        ("networks: {n: {}}\nvolumes: {vol: {external: true, name: x}}", "volumes.vol.name"),
        ("networks: {n: {}}\nvolumes: {vol: {name: '/var/lib'}}", "volumes.vol.name"),
    ],
)
def test_bad_network_and_volume_names(resources: str, path: str) -> None:
    assert paths(USES + resources) == [path]


def test_a_key_that_makes_a_bad_engine_name_is_named() -> None:
    text = "services:\n  web:\n    image: busybox\n    networks: ['a b']\nnetworks: {'a b': {}}\n"
    assert "networks.a b" in paths(text)


def test_network_and_volume_names_through_variables() -> None:
    text = USES + "networks: {n: {name: '${NET}'}}\nvolumes: {vol: {name: '${VOL}'}}\n"
    assert paths(text, NET="../../etc", VOL="ok-vol") == ["networks.n.name"]
    assert paths(text, NET="ok-net", VOL="../../etc") == ["volumes.vol.name"]
    project = load_compose(text, {"NET": "corp-net.1", "VOL": "data_2"})
    assert project.networks["n"].name == "corp-net.1"
    assert project.volumes["vol"].name == "data_2"


# -- expose ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "entry", ["1-65535", "1-1001", "0", "70000", "80-79", "80/http", "80/", "x", "80:81"]
)
def test_bad_expose_entries(entry: str) -> None:
    assert paths(service(f"    expose: ['{entry}']\n")) == ["services.web.expose[0]"]


def test_good_expose_entries_are_kept_as_written() -> None:
    entries = ["80", "8000-8999/udp", "53/udp", "9000/sctp"]
    text = service(f"    expose: [{', '.join(repr(e) for e in entries)}, 443]\n")
    assert load_compose(text).services["web"].expose == [*entries, "443"]


def test_expose_through_a_variable() -> None:
    text = service("    expose: ['${RANGE}']\n")
    assert paths(text, RANGE="1-65535") == ["services.web.expose[0]"]
    assert load_compose(text, {"RANGE": "8000-8010"}).services["web"].expose == ["8000-8010"]


# -- cpus and other limits ---------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1e308", "'1e308'", "1025", "0.001", ".inf", "-1"])
def test_bad_cpus_in_both_places(value: str) -> None:
    assert paths(service(f"    cpus: {value}\n")) == ["services.web.cpus"]
    limits = f"    deploy: {{resources: {{limits: {{cpus: {value}}}}}}}\n"
    assert paths(service(limits)) == ["services.web.deploy.resources.limits.cpus"]


@pytest.mark.parametrize(("value", "cpus"), [("0", None), ("0.5", 0.5), ("'1024'", 1024.0)])
def test_good_cpus(value: str, cpus: float | None) -> None:
    assert load_compose(service(f"    cpus: {value}\n")).services["web"].cpus == cpus


def test_cpus_through_a_variable() -> None:
    assert paths(service("    cpus: ${CPUS}\n"), CPUS="1e308") == ["services.web.cpus"]


@pytest.mark.parametrize("key", ["mem_limit", "shm_size"])
@pytest.mark.parametrize("value", ["1e308", "'99999999999p'"])
def test_sizes_are_finite(key: str, value: str) -> None:
    assert paths(service(f"    {key}: {value}\n")) == [f"services.web.{key}"]


# -- host names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["../x", "a_b", "-a", "a-", "a..b", "a b", "x" * 64 + ".b", "l" * 64 + "x"]
)
@pytest.mark.parametrize("key", ["hostname", "domainname"])
def test_bad_host_names(key: str, name: str) -> None:
    assert paths(service(f"    {key}: '{name}'\n")) == [f"services.web.{key}"]


@pytest.mark.parametrize("name", ["app", "app-1", "app.example.com", "1a", "x" * 63])
def test_good_host_names(name: str) -> None:
    assert load_compose(service(f"    hostname: '{name}'\n")).services["web"].hostname == name


def test_hostname_through_a_variable() -> None:
    assert paths(service("    hostname: ${HOST}\n"), HOST="evil/../x") == ["services.web.hostname"]


# -- NUL characters ------------------------------------------------------------------------------


def test_a_nul_character_is_refused_wherever_it_comes_from() -> None:
    assert paths(service('    environment: {A: "x\\0y"}\n')) == ["services.web.environment.A"]
    assert paths(service('    labels: {"a\\0b": x}\n')) == ["services.web.labels"]
    with pytest.raises(ValidationFailed) as info:
        load_compose(service("    environment: {A: ${V}}\n"), {"V": "x\x00y"})
    assert [e.path for e in info.value.errors] == ["variables.V"]
