"""The real-world corpus through `POST /api/v1/compose/validate` (issue 15): what Docker
Compose v2 accepts, the endpoint finds no error in (policy violations are reported apart:
the default policy refuses, say, the Docker socket a reverse proxy mounts); what Compose
refuses, the endpoint refuses, naming a path."""

from __future__ import annotations

import base64

from fastapi.testclient import TestClient

from tests.support import corpus


def body(project: corpus.CorpusProject) -> dict[str, object]:
    text = (project.directory / project.compose_files[0]).read_text()
    files: dict[str, object] = {}
    for path, content in corpus.bundle(project).items():
        try:
            files[path] = content.decode()
        except UnicodeDecodeError:
            files[path] = {"base64": base64.b64encode(content).decode()}
    variables = {k: {"value": v} for k, v in corpus.variables(project).items()}
    return {"compose": text, "files": files, "variables": variables}


def test_the_corpus_through_the_validate_endpoint(client: TestClient) -> None:
    accepted, wrong = 0, []
    for project in corpus.projects():
        response = client.post("/api/v1/compose/validate", json=body(project))
        assert response.status_code == 200, (project.key, response.text)
        errors = response.json()["errors"]
        compose_accepts = corpus.evaluate(project.key).compose_error is None
        if compose_accepts and not errors:
            accepted += 1
        elif compose_accepts or not errors or not all(e["path"] for e in errors):
            wrong.append((project.key, errors))
    assert wrong == []
    assert accepted >= int((corpus.CORPUS / "FLOOR").read_text())
