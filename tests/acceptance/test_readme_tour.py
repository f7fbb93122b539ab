"""Issue 14's final check: the README's five-minute tour, run as a new user would paste it,
reaches a running stack with no manual step and no dismiss.

The steps are the README's own: every fenced ``bash`` block of "A five-minute tour" is run
through bash as written (a README that drifts breaks this test), against a real
`coremon serve` on the real engine. Only what a shared test machine forces is changed: the
server's address, the stack's name and its published port (other stacks may hold 8081 or be
called `shop` on the same engine).
"""

from __future__ import annotations

import re
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.api_client import Api
from tests.support.docker_probe import docker, remove_project, require_docker
from tests.support.server import REPO, ServerProcess, free_port, login_headers

README = REPO / "README.md"
TOUR = "## A five-minute tour"
PAGE = "Hello from a Core Monitor stack"
PASSWORD = "change-me-now"  # the password the tour starts the server with


def tour_script() -> str:
    """The tour's bash blocks, in order, as one script."""
    text = README.read_text()
    section = text[text.index(TOUR) :]
    section = section[: section.index("\n## ", len(TOUR))]
    blocks = re.findall(r"^```bash\n(.*?)^```", section, flags=re.S | re.M)
    assert len(blocks) >= 2, "the tour's bash blocks moved"
    return "\n".join(blocks)


def test_the_tour_has_no_step_to_fill_in_by_hand() -> None:
    script = tour_script()
    code = [line for line in script.splitlines() if not line.lstrip().startswith("#")]
    placeholders = [line for line in code if re.search(r"<[a-z_]+>", line.split(" # ")[0])]
    assert placeholders == [], placeholders
    assert not any("/dismiss" in line for line in code), "the tour dismisses a command"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    require_docker()
    # what `make run` does before it starts: the tour's image, built locally if missing
    subprocess.run([str(REPO / "scripts" / "ensure-demo-image.sh")], check=True, timeout=300)
    docker("image", "inspect", "coremon/demo-web:1")
    tmp = tmp_path_factory.mktemp("readme-tour")
    process = ServerProcess(
        f"sqlite:///{tmp / 'coremon.db'}", tmp / "server.log", COREMON_ADMIN_PASSWORD=PASSWORD
    ).start()
    yield process
    process.stop()


def _run_tour(server: ServerProcess, name: str, port: int, tmp: Path) -> str:
    script = tour_script()
    script = script.replace("http://127.0.0.1:8080/api/v1", f"{server.url}/api/v1")
    script = re.sub(r"\bshop\b", name, script).replace("8081", str(port))
    path = tmp / "tour.sh"
    # pasted into an interactive shell, `alias api=…` works; a script must ask for it
    path.write_text("shopt -s expand_aliases\n" + script)
    done = subprocess.run(["bash", str(path)], capture_output=True, text=True, timeout=300, cwd=tmp)
    return done.stdout + done.stderr


def _commands(api: Api) -> list[dict[str, Any]]:
    """Every command of the server (its own: only the tour ran there), newest first."""
    response = api.http.get("/commands", params={"limit": 100})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


def _settled(api: Api, timeout: float = 180) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        commands = _commands(api)
        if all(c["status"] not in ("PENDING", "RUNNING") for c in commands):
            return commands
        time.sleep(0.2)
    raise AssertionError(f"the tour's commands did not finish: {_commands(api)}")


def test_the_tour_reaches_a_running_stack_and_cleans_up(
    server: ServerProcess, tmp_path: Path
) -> None:
    name = f"tour{uuid.uuid4().hex[:8]}"
    port = free_port()
    api = Api(server.url, login_headers(server.url, password=PASSWORD))
    try:
        output = _run_tour(server, name, port, tmp_path)
        commands = _settled(api)
        # the page the tour curls on 127.0.0.1 was served by the running stack
        assert PAGE in output, output[-3000:]
        kinds = [(c["type"], c["status"]) for c in reversed(commands)]
        assert [k for k, _ in kinds] == [
            "APPLY",
            "APPLY",
            "ROLLBACK",
            "RESTART",
            "STOP",
            "DELETE",
        ], kinds
        assert all(status == "DONE" for _, status in kinds), (kinds, output[-3000:])
        assert api.http.get("/queue").json().get("halted") in (None, False)
        assert docker("ps", "-aq", "--filter", f"label=com.docker.compose.project={name}") == ""
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
    finally:
        api.close()
        remove_project(name)
