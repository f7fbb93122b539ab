"""The REST API as the client commands see it: the server's URL (``--server`` /
``COREMON_URL``), the credential (``COREMON_TOKEN``, else the stored login, refreshed
silently), and the server's problem+json turned into one line per error path and an exit
code (exits.py)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from core_monitor.cli.client import config
from core_monitor.cli.client.exits import CliError, ExitCode, exit_for_status

API = "/api/v1"
TOKEN_ENV = "COREMON_TOKEN"  # noqa: S105 - the variable's name, not a token
URL_ENV = "COREMON_URL"
REQUEST_SECONDS = 60.0
MAX_ERROR_LINES = 50
ClientFactory = Callable[[str], httpx.Client]


class Transport:
    """Where the HTTP client comes from: a test sets ``factory`` to reach an app in its own
    process (a TestClient, an ASGI transport); by default a plain httpx client."""

    factory: ClientFactory | None = None


def client_for(server: str) -> tuple[httpx.Client, bool]:
    """The client, and whether it is ours to close (a test's is not)."""
    if Transport.factory is not None:
        return Transport.factory(server), False
    return httpx.Client(base_url=server, timeout=REQUEST_SECONDS), True


def problem_lines(response: httpx.Response) -> list[str]:
    """The server's refusal, one line per error path (``services.web.image: required``)."""
    try:
        body = response.json()
    except ValueError:
        return [f"HTTP {response.status_code}: {response.text[:200]}"]
    if not isinstance(body, dict):
        return [f"HTTP {response.status_code}"]
    errors = body.get("errors")
    if isinstance(errors, list) and errors:
        return [_error_line(e) for e in errors[:MAX_ERROR_LINES]]
    title = str(body.get("title") or response.reason_phrase)[:200]
    detail = str(body.get("detail") or "")[:1000]
    return [f"{title}: {detail}" if detail and detail != title else title]


def _error_line(error: Any) -> str:
    if not isinstance(error, dict):
        return str(error)[:1000]
    path = str(error.get("path") or "body")[:300]
    rule = f" [{error['rule']}]" if error.get("rule") else ""
    return f"{path}: {str(error.get('message', 'invalid'))[:1000]}{rule}"


def refused(response: httpx.Response) -> CliError:
    return CliError(exit_for_status(response.status_code), *problem_lines(response))


class Credential:
    """A bearer token: the API token given, or the stored login's access token."""

    def __init__(
        self, token: str | None, login: config.StoredLogin | None, missing: str = "not logged in"
    ) -> None:
        self.token = token
        self.login = login
        self.missing = missing  # why there is no credential, when there is none

    def header(self, client: httpx.Client) -> dict[str, str]:
        if self.token:
            return {"Authorization": f"Bearer {self.token}"}
        if self.login is None:
            raise CliError(
                ExitCode.USAGE, f"{self.missing}: run `coremon login` or set {TOKEN_ENV}"
            )
        if not self.login.fresh():
            self.refresh(client)
        return {"Authorization": f"Bearer {self.login.access_token}"}

    @property
    def refreshable(self) -> bool:
        return not self.token and self.login is not None

    def refresh(self, client: httpx.Client) -> None:
        assert self.login is not None
        with config.locked():
            latest = config.load()
            if latest is not None and latest.refresh_token != self.login.refresh_token:
                self.login = latest  # another coremon refreshed it meanwhile
                return
            response = send(
                client,
                "POST",
                f"{API}/auth/token",
                data={"grant_type": "refresh_token", "refresh_token": self.login.refresh_token},
            )
            if response.is_error:
                raise CliError(ExitCode.USAGE, "the stored login has expired: run `coremon login`")
            self.login = stored(self.login.server, self.login.username, response.json())
            config.save(self.login)


def stored(server: str, username: str, grant: dict[str, Any]) -> config.StoredLogin:
    return config.StoredLogin(
        server=server,
        username=username,
        refresh_token=grant["refresh_token"],
        access_token=grant["access_token"],
        expires_at=time.time() + float(grant["expires_in"]),
    )


def send(client: httpx.Client, method: str, path: str, **kwargs: Any) -> httpx.Response:
    try:
        return client.request(method, path, **kwargs)
    except httpx.TimeoutException:
        raise CliError(ExitCode.FAILED, f"{method} {path}: the server did not answer") from None
    except httpx.TransportError as exc:
        raise CliError(ExitCode.USAGE, f"cannot reach {client.base_url}: {exc}") from None


def server_url(server: str | None, login: config.StoredLogin | None) -> str:
    url = server or os.environ.get(URL_ENV) or (login.server if login else None)
    if not url:
        raise CliError(ExitCode.USAGE, f"no server: give --server or set {URL_ENV}")
    return url.rstrip("/")


class Api:
    """One server, one credential; every answer is JSON or a CliError."""

    def __init__(self, server: str | None = None) -> None:
        token = os.environ.get(TOKEN_ENV) or None
        login = None if token else config.load()
        self.server = server_url(server, login)
        if login is not None and login.server != self.server:
            # a login holds for the server it was made on
            note = f"logged in to {login.server}, not {self.server}"
            login = None
        else:
            note = "not logged in"
        self.credential = Credential(token, login, note)
        self.client, self._owned = client_for(self.server)

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._authorized(method, path, **kwargs)
        if response.is_error:
            raise refused(response)
        return response.json() if response.content else None

    def find(self, path: str) -> Any:
        """The object at ``path``, or None when the server has none (404)."""
        response = self._authorized("GET", path)
        if response.status_code == 404:
            return None
        if response.is_error:
            raise refused(response)
        return response.json()

    def get(self, path: str, /, **params: Any) -> Any:
        return self.call("GET", path, params={k: v for k, v in params.items() if v is not None})

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.call("POST", path, **kwargs)

    def _authorized(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        url = f"{API}{path}"
        headers = self.credential.header(self.client)
        response = send(self.client, method, url, headers=headers, **kwargs)
        if response.status_code == 401 and self.credential.refreshable:
            self.credential.refresh(self.client)
            headers = self.credential.header(self.client)
            response = send(self.client, method, url, headers=headers, **kwargs)
        if response.status_code == 401:
            raise CliError(ExitCode.USAGE, *problem_lines(response))
        return response

    @contextmanager
    def stream(self, path: str, params: dict[str, Any], seconds: float) -> Iterator[httpx.Response]:
        """A server-sent event stream; ``seconds``: the longest wait for its next chunk."""
        headers = {**self.credential.header(self.client), "Accept": "text/event-stream"}
        timeout = httpx.Timeout(REQUEST_SECONDS, read=seconds)
        try:
            with self.client.stream(
                "GET", f"{API}{path}", params=params, headers=headers, timeout=timeout
            ) as response:
                if response.is_error:
                    response.read()
                    raise refused(response)
                yield response
        except httpx.TransportError as exc:
            if isinstance(exc, httpx.TimeoutException):
                raise
            raise CliError(ExitCode.USAGE, f"cannot reach {self.server}: {exc}") from None

    def download(self, path: str, target: Path) -> int:
        """The body at ``path`` written to ``target`` (whole, or not at all); its size."""
        partial = target.with_name(f".{target.name}.part")
        headers = self.credential.header(self.client)
        try:
            with self.client.stream("GET", f"{API}{path}", headers=headers) as response:
                if response.is_error:
                    response.read()
                    raise refused(response)
                with partial.open("wb") as out:
                    for chunk in response.iter_bytes():
                        out.write(chunk)
            os.replace(partial, target)
        except httpx.TransportError as exc:
            raise CliError(ExitCode.FAILED, f"GET {path}: {exc}") from None
        except OSError as exc:
            raise CliError(ExitCode.USAGE, f"{target}: {exc}") from None
        finally:
            partial.unlink(missing_ok=True)
        return target.stat().st_size

    def close(self) -> None:
        if self._owned:
            self.client.close()
