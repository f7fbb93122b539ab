"""The parameter-schema parity fixtures (tests/fixtures/wizard/parity/*.json, in the JSON
Schema Test Suite's shape: groups of {schema, tests: [{data, valid}]}) through the server's
validator. The console runs the same files through ajv: both must agree with ``valid``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from core_monitor.catalog.files import PACKAGED, load

PARITY = Path(__file__).parents[2] / "fixtures" / "wizard" / "parity"


def _groups() -> list[dict[str, Any]]:
    found = []
    for path in sorted(PARITY.glob("*.json")):
        body = json.loads(path.read_text())
        for group in body if isinstance(body, list) else [body]:
            found.append({**group, "file": path.name})
    return found


GROUPS = _groups()
CASES = [(g, t) for g in GROUPS for t in g["tests"]]


def test_there_are_fixtures() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize(
    ("group", "case"), CASES, ids=[f"{g['file']}:{t['description']}" for g, t in CASES]
)
def test_the_server_agrees_with_the_fixture(group: dict[str, Any], case: dict[str, Any]) -> None:
    Draft202012Validator.check_schema(group["schema"])
    assert Draft202012Validator(group["schema"]).is_valid(case["data"]) is case["valid"]


def test_component_fixtures_carry_the_catalogs_current_schema() -> None:
    catalog = load([PACKAGED])
    for group in (g for g in GROUPS if "component" in g):
        entry = catalog.components[group["component"]].at(group["version"])
        assert entry is not None, group["file"]
        assert entry.parameters == group["schema"], f"{group['file']} is stale"
