"""`${VAR}` interpolation from the version's variables only (never the process environment).

Forms: $VAR, ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ${VAR?err},
${VAR:+alt}, ${VAR+alt}, and $$ for a literal $. Defaults may themselves hold variables.
Values are interpolated, keys are not, and `x-*` extensions are left alone (except a
service's deploy target, `x-coremon-deploy`: its credentials come from variables).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from core_monitor.domain.deploy import EXTENSION
from core_monitor.errors import FieldError

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class InterpolationError(ValueError):
    pass


def interpolate_value(text: str, variables: Mapping[str, str]) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "$":
            out.append(ch)
            i += 1
            continue
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if nxt == "$":
            out.append("$")
            i += 2
        elif nxt == "{":
            end = _closing_brace(text, i + 2)
            out.append(_braced(text[i + 2 : end], variables))
            i = end + 1
        else:
            match = _NAME.match(text, i + 1)
            if match is None:  # "5$", "$ b", "$1": a lone $ is kept, as Compose keeps it
                out.append("$")
                i += 1
                continue
            out.append(variables.get(match.group(), ""))
            i = match.end()
    return "".join(out)


def _closing_brace(text: str, start: int) -> int:
    depth = 1
    for j in range(start, len(text)):
        if text[j] == "{":
            depth += 1
        elif text[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    raise InterpolationError(f"invalid interpolation format: unclosed '${{' in {text!r}")


def _braced(expr: str, variables: Mapping[str, str]) -> str:
    match = _NAME.match(expr)
    if match is None:
        raise InterpolationError(f"invalid interpolation format: ${{{expr}}}")
    name, rest = match.group(), expr[match.end() :]
    value = variables.get(name)
    if not rest:
        return value or ""
    for op in (":-", ":?", ":+", "-", "?", "+"):
        if rest.startswith(op):
            arg = interpolate_value(rest[len(op) :], variables)
            set_nonempty = bool(value)
            is_set = value is not None
            if op == ":-":
                return value if set_nonempty and value is not None else arg
            if op == "-":
                return value if is_set and value is not None else arg
            if op == ":+":
                return arg if set_nonempty else ""
            if op == "+":
                return arg if is_set else ""
            if (op == ":?" and not set_nonempty) or (op == "?" and not is_set):
                raise InterpolationError(f"required variable {name} is missing a value: {arg}")
            return value or ""
    raise InterpolationError(f"invalid interpolation format: ${{{expr}}}")


def interpolate(
    data: Any, variables: Mapping[str, str], path: str, errors: list[FieldError]
) -> Any:
    """Interpolate every string value below ``data``; errors are collected with their path."""
    if isinstance(data, str):
        try:
            return interpolate_value(data, variables)
        except InterpolationError as exc:
            errors.append(FieldError(path, str(exc)))
            return data
    if isinstance(data, dict):  # type(data): keeps the merge tags' types (tags.py)
        return type(data)(
            {
                k: v
                if isinstance(k, str) and k.startswith("x-") and k != EXTENSION
                else interpolate(v, variables, _join(path, k), errors)
                for k, v in data.items()
            }
        )
    if isinstance(data, list):
        return type(data)(
            [interpolate(v, variables, f"{path}[{i}]", errors) for i, v in enumerate(data)]
        )
    return data


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)
