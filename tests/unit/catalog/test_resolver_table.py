"""The rules engine, table-driven: each row a selection over a small catalog, and what the
engine must answer (the resolved set with why each addition, or the violation)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from core_monitor.catalog.resolver import resolve
from core_monitor.domain.catalog import Rule, Selected
from tests.support.catalogs import catalog, entry, provides, requires

CATALOG = catalog(
    entry("app", requires=[requires("servlet", ">=6.0")], title="Java app"),
    entry("oldapp", requires=[requires("servlet", "<5")]),
    entry("tomcat", "10.1.0", provides=[provides("servlet", "6.0")], title="Tomcat"),
    entry("tomcat", "9.0.0", provides=[provides("servlet", "4.0")], title="Tomcat"),
    entry("wildfly", provides=[provides("servlet", "6.0")], title="WildFly"),
    entry("proxy-a", claims=["host-port:80"], title="Proxy A"),
    entry("proxy-b", claims=["host-port:80"], title="Proxy B"),
    entry(
        "proxy-c",
        claims=["host-port:{{ param.port }}"],
        parameters={"type": "object", "properties": {"port": {"type": "integer", "default": 80}}},
    ),
    entry("console", requires=[requires("database", optional=True)], title="Console"),
    entry("pg", "16.0.0", provides=[provides("database", "16")], title="PostgreSQL"),
    entry("pg", "15.0.0", provides=[provides("database", "15")], title="PostgreSQL"),
    entry("needs-pg16", requires=[requires("database", ">=16")]),
    entry("needs-pg20", requires=[requires("database", ">=20")]),
    entry("needs-queue", requires=[requires("queue")], title="Worker"),
    entry("a", conflicts=[{"component": "b", "reason": "both write the same files"}]),
    entry("b"),
    defaults={"servlet": "tomcat", "database": "pg"},
)


@dataclass(frozen=True)
class Row:
    name: str
    selection: list[tuple[str, str | None]]
    resolved: dict[str, str] = field(default_factory=dict)  # component → version
    added: dict[str, str] = field(default_factory=dict)  # component → words in added_because
    rule: Rule | None = None
    involved: list[str] = field(default_factory=list)
    answers: dict[str, dict[str, object]] = field(default_factory=dict)


ROWS = [
    Row(
        "missing dependency auto-added with its reason",
        [("app", None)],
        resolved={"app": "1.0.0", "tomcat": "10.1.0"},
        added={"tomcat": "Java app requires servlet >=6.0 (needed); Tomcat 10.1.0 is the default"},
    ),
    Row(
        "a version range excludes a provider's version",
        [("oldapp", None)],
        resolved={"oldapp": "1.0.0", "tomcat": "9.0.0"},
        added={"tomcat": "servlet <5"},
    ),
    Row(
        "a range excludes the pinned provider: the alternative takes its place",
        [("app", None), ("tomcat", "9.0.0")],
        resolved={"app": "1.0.0", "tomcat": "9.0.0", "wildfly": "1.0.0"},
        added={"wildfly": "WildFly 1.0.0 is a provider"},
    ),
    Row(
        "a range excludes the pinned version of the only provider: refused",
        [("needs-pg16", None), ("pg", "15.0.0")],
        rule=Rule.VERSION,
        involved=["pg"],
    ),
    Row(
        "the range picks the provider's newer version",
        [("needs-pg16", None), ("pg", None)],
        resolved={"needs-pg16": "1.0.0", "pg": "16.0.0"},
    ),
    Row(
        "a range no provider meets",
        [("needs-pg20", None)],
        rule=Rule.VERSION,
        involved=["needs-pg20", "pg"],
    ),
    Row(
        "two claimants of one host port refused",
        [("proxy-a", None), ("proxy-b", None)],
        rule=Rule.CLAIM,
        involved=["proxy-a", "proxy-b"],
    ),
    Row(
        "a claim computed from an answer: another port, no clash",
        [("proxy-a", None), ("proxy-c", None)],
        resolved={"proxy-a": "1.0.0", "proxy-c": "1.0.0"},
        answers={"proxy-c": {"port": 8080}},
    ),
    Row(
        "a claim computed from the default: clash",
        [("proxy-a", None), ("proxy-c", None)],
        rule=Rule.CLAIM,
        involved=["proxy-a", "proxy-c"],
    ),
    Row(
        "an alternative provider the user chose is accepted",
        [("app", None), ("wildfly", None)],
        resolved={"app": "1.0.0", "wildfly": "1.0.0"},
    ),
    Row(
        "an optional dependency alone adds nothing",
        [("console", None)],
        resolved={"console": "1.0.0"},
    ),
    Row(
        "an optional dependency is used when its provider is selected",
        [("console", None), ("pg", "15.0.0")],
        resolved={"console": "1.0.0", "pg": "15.0.0"},
    ),
    Row(
        "no provider at all",
        [("needs-queue", None)],
        rule=Rule.MISSING,
        involved=["needs-queue"],
    ),
    Row("a declared conflict", [("a", None), ("b", None)], rule=Rule.CONFLICT, involved=["a", "b"]),
    Row("an unknown component", [("nope", None)], rule=Rule.UNKNOWN, involved=["nope"]),
    Row("an unknown version", [("pg", "9.0.0")], rule=Rule.UNKNOWN, involved=["pg"]),
]


@pytest.mark.parametrize("row", ROWS, ids=[r.name for r in ROWS])
def test_resolution(row: Row) -> None:
    selection = [Selected(component=c, version=v) for c, v in row.selection]
    result = resolve(CATALOG, selection, row.answers)
    if row.rule is None:
        assert result.violations == [], result.violations
        assert {r.component: r.version for r in result.components} == row.resolved
        asked = {c for c, _ in row.selection}
        for r in result.components:
            if r.component in asked:
                assert r.added_because is None
            else:
                assert r.added_because and row.added.get(r.component, "") in r.added_because
        return
    assert result.components == []
    assert [v.rule for v in result.violations] == [row.rule], result.violations
    violation = result.violations[0]
    assert sorted(violation.components) == sorted(row.involved)
    assert violation.message and violation.fix


def test_the_wiring_binds_each_requirement_to_its_provider() -> None:
    result = resolve(CATALOG, [Selected(component="console"), Selected(component="pg")])
    assert result.bindings == {"console": {"database": "pg"}}


def test_suggestions_name_the_alternatives_and_the_default() -> None:
    result = resolve(CATALOG, [Selected(component="app")])
    (suggestion,) = result.suggestions
    assert suggestion.capability == "servlet"
    assert suggestion.providers == ["tomcat", "wildfly"] and suggestion.default == "tomcat"
    assert "Tomcat is the default" in suggestion.message


def test_an_unused_optional_dependency_is_suggested() -> None:
    result = resolve(CATALOG, [Selected(component="console")])
    (suggestion,) = result.suggestions
    assert suggestion.capability == "database" and "Console can use database" in suggestion.message


def test_a_preferred_version_is_kept_while_it_fits() -> None:
    selection = [Selected(component="needs-pg16"), Selected(component="pg")]
    assert (
        resolve(CATALOG, [Selected(component="pg")], prefer={"pg": "15.0.0"}).components[0].version
        == "15.0.0"
    )
    # a preference never overrides a range
    result = resolve(CATALOG, selection, prefer={"pg": "15.0.0"})
    assert {r.component: r.version for r in result.components}["pg"] == "16.0.0"
