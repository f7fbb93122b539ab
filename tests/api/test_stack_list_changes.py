"""The stacks list says who saved each stack's latest version, and when (the dashboard's
"last change")."""

from __future__ import annotations

from datetime import datetime

from fastapi.testclient import TestClient

from tests.support.helpers import login

WEB = "services:\n  web:\n    image: busybox:1\n"


def test_the_list_names_the_latest_versions_author_and_time(client: TestClient) -> None:
    for name in ("one", "two"):
        assert client.post("/api/v1/stacks", json={"name": name, "compose": WEB}).status_code == 201
    body = {"username": "olga", "password": "olga-password", "role": "operator"}
    assert client.post("/api/v1/users", json=body).status_code == 201
    olga = TestClient(client.app)
    login(olga, "olga", "olga-password")
    edited = olga.post("/api/v1/stacks/two/versions", json={"compose": WEB + "    init: true\n"})
    assert edited.status_code == 201, edited.text
    items = {s["name"]: s for s in client.get("/api/v1/stacks").json()["items"]}
    assert items["one"]["latest_version_author"] == "admin"
    assert items["two"]["latest_version_author"] == "olga"
    saved = datetime.fromisoformat(items["two"]["latest_version_at"])
    assert saved == datetime.fromisoformat(edited.json()["created_at"])
