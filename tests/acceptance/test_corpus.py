"""The corpus of real-world-shaped compose projects against Docker Compose v2 (issue 15).

Every project Compose refuses, we refuse. Every project we accept, Compose accepts, with the
same normalized values for the fields we support (unless listed in KNOWN_DIFFERENCES with
the reason). The number of projects we accept with Compose's values never falls below the
floor in tests/fixtures/corpus/FLOOR: raise it when a feature lands (``make corpus`` prints
the count). A project we refuse although Compose accepts it is an expected failure (xfail)
that names our refusal.
"""

from __future__ import annotations

import pytest

from tests.support import corpus
from tests.support.helpers import missing

PROJECTS = corpus.projects()
KEYS = [p.key for p in PROJECTS]

# Projects we accept with values that differ from Compose's: each is a known bug (issue 15)
# or a missing feature that makes us read less than Compose does. Remove an entry when it
# is fixed (the test then insists the project matches).
KNOWN_DIFFERENCES: dict[str, str] = {}

# The mix follows the blocker table (share of the projects Compose accepts).
MIX = {"relative bind": 0.45, "build": 0.25, "env_file": 0.18, "secrets": 0.07}


@pytest.fixture(scope="module")
def compose_ready() -> None:
    problem = corpus.compose_problem()
    if problem:
        missing(problem)


def test_corpus_is_big_enough_and_real_world_shaped() -> None:
    assert len(PROJECTS) >= 60
    counts = dict.fromkeys(MIX, 0)
    for project in PROJECTS:
        for feature in corpus.features(project):
            if feature in counts:
                counts[feature] += 1
    for feature, share in MIX.items():
        assert counts[feature] >= share * len(PROJECTS), (feature, counts)


def test_known_differences_name_real_projects() -> None:
    assert set(KNOWN_DIFFERENCES) <= set(KEYS)


def test_every_project_has_its_referenced_files() -> None:
    """A Dockerfile's base is a local image (no registry here), and every compose file
    named in corpus.toml exists."""
    for project in PROJECTS:
        for name in project.compose_files:
            assert (project.directory / name).is_file(), (project.key, name)
        for dockerfile in project.directory.rglob("*file"):
            if dockerfile.name in ("Dockerfile", "Containerfile"):
                bases = [
                    line.split()[1]
                    for line in dockerfile.read_text().splitlines()
                    if line.startswith("FROM ")
                ]
                local = [b for b in bases if b.startswith("coremon-test/")]
                assert local, (project.key, dockerfile.name, bases)


@pytest.mark.parametrize("key", KEYS)
def test_project_against_compose(key: str, compose_ready: None) -> None:
    outcome = corpus.evaluate(key)
    if not outcome.compose_accepts:
        assert not outcome.we_accept, f"Compose refuses {key}: {outcome.compose_error}"
        return
    if not outcome.we_accept:
        names = corpus.services_of(outcome.project)
        reasons = sorted({corpus.reason(e, names) for e in outcome.our_errors})
        pytest.xfail("refused: " + "; ".join(reasons))
    if key in KNOWN_DIFFERENCES:
        assert outcome.differences, f"{key} now matches Compose: drop it from KNOWN_DIFFERENCES"
        pytest.xfail(KNOWN_DIFFERENCES[key])
    assert outcome.differences == []


def test_accepted_projects_never_fall_below_the_floor(compose_ready: None) -> None:
    outcomes = [corpus.evaluate(key) for key in KEYS]
    matching = sorted(o.project.key for o in outcomes if o.matches)
    floor = corpus.read_floor()
    assert len(matching) >= floor, (
        f"{len(matching)} projects accepted with Compose's values, the floor is {floor}:\n"
        + corpus.report(outcomes)
    )
