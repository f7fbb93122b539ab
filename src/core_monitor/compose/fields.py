"""Typed readers for raw values: each returns a clean value or records a FieldError."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from core_monitor.compose.units import parse_bytes, parse_duration
from core_monitor.errors import FieldError

T = TypeVar("T")


class Invalid(Exception):
    """A value was rejected; its FieldError is already recorded."""


class Reader:
    """Collects every error instead of stopping at the first one."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def fail(self, path: str, message: str) -> Invalid:
        self.errors.append(FieldError(path, message))
        return Invalid(path)

    def guard(self, fn: Callable[[], T], default: T) -> T:
        try:
            return fn()
        except Invalid:
            return default

    def string(self, value: Any, path: str) -> str:
        if isinstance(value, bool) or value is None:
            raise self.fail(path, "must be a string")
        if isinstance(value, str | int | float):
            return _scalar_text(value)
        raise self.fail(path, "must be a string")

    def boolean(self, value: Any, path: str) -> bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise self.fail(path, "must be true or false")

    def integer(
        self, value: Any, path: str, low: int | None = None, high: int | None = None
    ) -> int:
        if isinstance(value, bool):
            raise self.fail(path, "must be an integer")
        if isinstance(value, str) and re.fullmatch(r"-?\d{1,19}", value.strip()):
            value = int(value)
        if not isinstance(value, int):
            raise self.fail(path, "must be an integer")
        low = -(2**63) if low is None else low
        high = 2**63 - 1 if high is None else high
        if value < low or value > high:
            raise self.fail(path, f"must be between {low} and {high}")
        return value

    def number(self, value: Any, path: str, high: float | None = None) -> float:
        if isinstance(value, bool):
            raise self.fail(path, "must be a number")
        try:
            result = float(value)
        except (TypeError, ValueError, OverflowError):
            raise self.fail(path, "must be a number") from None
        if result < 0 or result != result or result == float("inf"):
            raise self.fail(path, "must be a non-negative number")
        if high is not None and result > high:
            raise self.fail(path, f"must be at most {high:g}")
        return result

    def named(self, value: Any, path: str, problem: Callable[[str], str | None]) -> str:
        """Text that ``problem`` (a grammar from names.py) finds nothing wrong with."""
        text = self.string(value, path)
        found = problem(text)
        if found:
            raise self.fail(path, found)
        return text

    def duration(self, value: Any, path: str) -> int:
        try:
            return parse_duration(value)
        except ValueError as exc:
            raise self.fail(path, str(exc)) from None

    def size(self, value: Any, path: str) -> int:
        try:
            return parse_bytes(value)
        except ValueError as exc:
            raise self.fail(path, str(exc)) from None

    def mapping(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, "must be a mapping")
        for key in value:
            if not isinstance(key, str):
                raise self.fail(path, f"keys must be strings, got {key!r}")
        return value

    def string_list(self, value: Any, path: str, *, single: bool = False) -> list[str]:
        if single and isinstance(value, str | int | float) and not isinstance(value, bool):
            return [str(value)]
        if not isinstance(value, list):
            raise self.fail(path, "must be a list of strings")
        return [self.string(v, f"{path}[{i}]") for i, v in enumerate(value)]

    def dict_or_list(
        self, value: Any, path: str, *, null_for_bare: bool, separator: str = "="
    ) -> dict[str, str | None]:
        """A map, or a list of "KEY=VALUE" (environment, labels, sysctls…)."""
        result: dict[str, str | None] = {}
        if isinstance(value, dict):
            for key, item in self.mapping(value, path).items():
                if item is None:
                    result[key] = None if null_for_bare else ""
                elif isinstance(item, dict | list):
                    self.fail(f"{path}.{key}", "must be a string, number or boolean")
                else:
                    result[key] = _scalar_text(item)
            return result
        if isinstance(value, list):
            for i, item in enumerate(value):
                try:
                    text = self.string(item, f"{path}[{i}]")
                except Invalid:
                    continue
                key, sep, rest = text.partition(separator)
                if not key:
                    self.fail(f"{path}[{i}]", f"missing a name before {separator!r}")
                    continue
                result[key] = rest if sep else (None if null_for_bare else "")
            return result
        raise self.fail(path, "must be a mapping or a list")

    def only_keys(self, value: dict[str, Any], allowed: set[str], path: str) -> None:
        for key in value:
            if key not in allowed and not str(key).startswith("x-"):
                self.fail(f"{path}.{key}" if path else key, "unsupported key")


def _scalar_text(item: Any) -> str:
    """A scalar as Compose writes it (Go formatting): true, 1000 (for 1e3), 0.5, +Inf."""
    if isinstance(item, bool):
        return "true" if item else "false"
    if isinstance(item, float):
        if item != item:
            return "NaN"
        if item in (float("inf"), float("-inf")):
            return "+Inf" if item > 0 else "-Inf"
        if item.is_integer() and abs(item) < 1e21:
            return str(int(item))
        return repr(item)
    return str(item)
