"""A small client over the REST API for acceptance tests."""

from __future__ import annotations

import time
from typing import Any

import httpx

FINISHED = {"DONE", "FAILED", "CANCELLED"}


class Api:
    def __init__(self, base_url: str, headers: dict[str, str] | None = None) -> None:
        """Logged in as the test admin unless ``headers`` say otherwise."""
        if headers is None:
            from tests.support.server import login_headers

            headers = login_headers(base_url)
        self.http = httpx.Client(base_url=f"{base_url}/api/v1", timeout=30, headers=headers)

    def create_stack(self, name: str, compose: str, **extra: Any) -> dict[str, Any]:
        response = self.http.post("/stacks", json={"name": name, "compose": compose, **extra})
        assert response.status_code == 201, response.text
        return dict(response.json())

    def new_version(self, name: str, compose: str, **extra: Any) -> int:
        response = self.http.post(f"/stacks/{name}/versions", json={"compose": compose, **extra})
        assert response.status_code == 201, response.text
        return int(response.json()["version"])

    def enqueue(self, path: str, body: dict[str, Any] | None = None) -> str:
        response = self.http.post(path, json=body)
        assert response.status_code == 202, response.text
        return str(response.json()["command_id"])

    def command(self, command_id: str) -> dict[str, Any]:
        return dict(self.http.get(f"/commands/{command_id}").json())

    def wait(self, command_id: str, timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body = self.command(command_id)
            if body["status"] in FINISHED:
                return body
            time.sleep(0.05)
        raise AssertionError(f"command {command_id} did not finish: {self.command(command_id)}")

    def log_messages(self, command_id: str) -> list[str]:
        logs = self.http.get(f"/commands/{command_id}/logs").json()
        return [str(line["message"]) for line in logs]

    def run(
        self, path: str, body: dict[str, Any] | None = None, expect: str = "DONE"
    ) -> dict[str, Any]:
        result = self.wait(self.enqueue(path, body))
        if result["status"] != expect:
            raise AssertionError(
                f"{path}: {result['status']} {result['error']}\n"
                + "\n".join(self.log_messages(result["command_id"]))
            )
        return result

    def apply(self, name: str, version: int, expect: str = "DONE") -> dict[str, Any]:
        return self.run(f"/stacks/{name}/apply/{version}", expect=expect)

    def plan(self, name: str, version: int) -> list[dict[str, Any]]:
        response = self.http.get(f"/stacks/{name}/plan/{version}")
        assert response.status_code == 200, response.text
        return list(response.json()["steps"])

    def close(self) -> None:
        self.http.close()
