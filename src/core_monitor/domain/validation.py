"""A definition's problems as the validate endpoint reports them: where, what, which kind."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class IssueKind(StrEnum):
    SCHEMA = "schema"  # the file's shape: YAML syntax, keys, types, values
    SEMANTIC = "semantic"  # across the project: references, cycles, port clashes, limits
    POLICY = "policy"  # a rule of the stack policy the requests would break


@dataclass(frozen=True)
class Issue:
    path: str
    message: str
    kind: IssueKind
    rule: str | None = None  # the policy rule, for kind POLICY
    line: int | None = None  # 1-based; None when the text does not say where
    column: int | None = None
