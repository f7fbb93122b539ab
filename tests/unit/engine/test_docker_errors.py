"""The adapter's one error table: each docker-py failure in, its typed error out, the
docker-py error kept as the cause; and the gateway's calls go through it."""

from __future__ import annotations

from typing import Any

import docker.errors
import pytest
import requests

from core_monitor.engine.docker.errors import CallKind, engine_call
from core_monitor.engine.docker.gateway import DockerGateway
from core_monitor.engine.docker.mutations import DockerMutations
from core_monitor.engine.errors import (
    EngineConflict,
    EngineFailed,
    EngineNotFound,
    EngineRefused,
    EngineUnreachable,
    ImageUnavailable,
    RegistryUnreachable,
)
from core_monitor.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    RetryableError,
    TerminalError,
)

ADDRESS = "unix:///nowhere.sock"


def answer(status: int, words: str = "the engine's words") -> docker.errors.APIError:
    response = requests.Response()
    response.status_code = status
    return docker.errors.APIError("engine said no", response=response, explanation=words)


ROWS: list[tuple[BaseException, type[Exception], str]] = [
    (requests.exceptions.ConnectionError("refused"), EngineUnreachable, "unreachable"),
    (requests.exceptions.ReadTimeout("read timed out"), EngineUnreachable, "unreachable"),
    (
        docker.errors.DockerException("Error while fetching server API version: gone"),
        EngineUnreachable,
        "unreachable",
    ),
    (answer(404), EngineNotFound, "list: the engine's words"),
    (
        docker.errors.ImageNotFound("no such image", explanation="No such image: x:1"),
        ImageUnavailable,
        "list: No such image: x:1",
    ),
    (answer(409), EngineConflict, "list: the engine's words"),
    (answer(501), EngineConflict, "list: the engine's words"),
    (answer(400), EngineRefused, "list: the engine's words"),
    (answer(403), EngineRefused, "list: the engine's words"),
    (answer(500), EngineFailed, "list: the engine's words"),
    (answer(503), EngineFailed, "list: the engine's words"),
]


@pytest.mark.parametrize(("error", "typed", "words"), ROWS, ids=[repr(r[0]) for r in ROWS])
def test_each_row_of_the_table(error: BaseException, typed: type[Exception], words: str) -> None:
    with pytest.raises(typed) as caught, engine_call("list", ADDRESS):
        raise error
    assert caught.value.__cause__ is error  # the cause is kept
    assert words in str(caught.value)
    if typed is EngineUnreachable:
        assert str(caught.value).startswith(f"Docker engine unreachable at {ADDRESS}: ")


def test_the_classes_say_retry_or_not_and_their_http_status() -> None:
    assert issubclass(EngineUnreachable, RetryableError)
    assert issubclass(EngineFailed, RetryableError)
    for terminal in (EngineNotFound, EngineConflict, EngineRefused, ImageUnavailable):
        assert issubclass(terminal, TerminalError)
    assert issubclass(EngineNotFound, NotFound) and issubclass(EngineConflict, Conflict)
    assert issubclass(EngineRefused, InvalidInput) and EngineRefused.status_code == 422


def test_anything_else_passes_untouched() -> None:
    error = KeyError("a bug of ours")
    with pytest.raises(KeyError) as caught, engine_call("list", ADDRESS):
        raise error
    assert caught.value is error


class FakeApi:
    """docker-py's low-level client, answering each call with ``answers[name]``."""

    def __init__(self, **answers: BaseException) -> None:
        self.answers = answers
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        def call(*args: object, **kwargs: object) -> object:
            self.calls.append(name)
            if name in self.answers:
                raise self.answers[name]
            return {"Id": "new"}

        return call


def gateway(api: FakeApi) -> DockerGateway:
    gw = DockerGateway(ADDRESS)
    gw._client = type("Client", (), {"api": api})()
    return gw


def test_gateway_reads_go_through_the_table() -> None:
    gw = gateway(FakeApi(inspect_container=answer(404), info=answer(500)))
    assert gw.inspect_container("gone") is None  # NotFound: "no such container"
    with pytest.raises(EngineFailed, match="engine host: the engine's words"):
        gw.info()


def test_mutations_go_through_the_table_and_keep_their_words() -> None:
    api = FakeApi(
        stop=answer(404), start=answer(500), rename=answer(409), create_network=answer(409)
    )
    mutations = DockerMutations(gateway(api))
    mutations.stop("gone", timeout=None)  # already gone: nothing to stop
    assert mutations.create_network("net", {}) == "net"  # created meanwhile: converged
    with pytest.raises(EngineFailed, match="cannot start abc: the engine's words"):
        mutations.start("abc")
    with pytest.raises(TerminalError, match="cannot name abc net-1: the engine's words"):
        mutations.rename("abc", "net-1")


@pytest.mark.parametrize("status", [500, 404, 403])
def test_an_answered_pull_fails_at_once_as_an_unavailable_image(status: int) -> None:
    """dockerd answers 500 when no registry answers: retrying the pull changes nothing."""
    with pytest.raises(ImageUnavailable, match="pull x:1: the engine's words") as caught:
        with engine_call("pull x:1", ADDRESS, CallKind.PULL):
            raise answer(status)
    assert not isinstance(caught.value, RetryableError)
    with pytest.raises(EngineUnreachable):  # the engine itself not answering: retried
        with engine_call("pull x:1", ADDRESS, CallKind.PULL):
            raise requests.exceptions.ConnectionError("refused")


def test_the_gateway_pull_is_marked_as_one() -> None:
    gw = gateway(FakeApi(pull=answer(500, "registry-1.docker.io: no such host")))
    with pytest.raises(ImageUnavailable, match="cannot pull image x:1: registry-1"):
        gw.pull("x:1")


def test_a_registry_that_does_not_answer_the_engine_is_told_apart() -> None:
    for error in (answer(500), requests.exceptions.ReadTimeout("read timed out")):
        with pytest.raises(RegistryUnreachable), engine_call("ask", ADDRESS, CallKind.REGISTRY):
            raise error
    with pytest.raises(EngineNotFound), engine_call("ask", ADDRESS, CallKind.REGISTRY):
        raise answer(404)  # the registry answered: no such image
    assert not gateway(FakeApi(_get=answer(500))).registry_answers("r.example/x:1", 3)
    assert gateway(FakeApi(_get=answer(401))).registry_answers("r.example/x:1", 3)
    assert gateway(FakeApi()).registry_answers("r.example/x:1", 3)
