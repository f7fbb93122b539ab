"""A component's parameters: answers over defaults, the variable each becomes, generated
values, and the checks of its JSON Schema (the same schema the console validates with)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from core_monitor.domain.catalog import ComponentVersion, Rule, Violation

PARAM = re.compile(r"\{\{\s*param\.([A-Za-z0-9_]+)\s*\}\}")
MASK = "***"  # a secret answer as shown; sent back, it means "keep the recorded value"


def variable_name(component: str, param: str) -> str:
    """The version variable a parameter becomes: ``postgresql`` + ``password`` →
    ``POSTGRESQL_PASSWORD``."""
    return re.sub(r"[^A-Za-z0-9]", "_", f"{component}_{param}").upper()


def as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def effective(entry: ComponentVersion, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers, and the defaults of the parameters they omit."""
    out: dict[str, Any] = {}
    for name, schema in entry.properties.items():
        if name in answers:
            out[name] = answers[name]
        elif "default" in schema:
            out[name] = schema["default"]
    return out


def to_generate(entry: ComponentVersion, answers: Mapping[str, Any]) -> list[str]:
    """The parameters whose value is generated (none given)."""
    return [n for n, s in entry.properties.items() if s.get("generate") and n not in answers]


def generate(entry: ComponentVersion, answers: Mapping[str, Any]) -> dict[str, str]:
    """A fresh value for each parameter to generate: made once, then recorded and kept."""
    return {name: secrets.token_urlsafe(18) for name in to_generate(entry, answers)}


def substitute(text: str, component: str) -> str:
    """``{{ param.x }}`` → ``${COMPONENT_X}``: values travel as the version's variables,
    never inside the compose text."""
    return PARAM.sub(lambda m: "${" + variable_name(component, m.group(1)) + "}", text)


def literal(text: str, values: Mapping[str, Any]) -> str:
    """``{{ param.x }}`` → the value itself (for claims: "host-port:8080")."""
    return PARAM.sub(lambda m: as_text(values.get(m.group(1))), text)


def _param_of(error: ValidationError) -> str:
    if error.absolute_path:
        return str(error.absolute_path[0])
    if error.validator == "required":
        wanted: Any = error.validator_value
        instance: Any = error.instance
        missing = set(wanted) - set(instance)
        return sorted(missing)[0] if missing else ""
    return ""


def _violation(entry: ComponentVersion, error: ValidationError) -> Violation:
    param = _param_of(error)
    schema = entry.properties.get(param, {})
    # a secret's value never enters a message
    said = (
        f"fails its rule {error.validator} {error.validator_value!r}"
        if schema.get("secret")
        else error.message
    )
    hint = schema.get("description") or schema.get("title") or "see the parameter's form"
    return Violation(
        rule=Rule.PARAMETER,
        components=[entry.id],
        message=f"{entry.title}, {param or 'parameters'}: {said}",
        fix=f"Change {param or 'the answers'}: {hint}",
        field=f"answers.{entry.id}.{param}" if param else f"answers.{entry.id}",
    )


def check(entry: ComponentVersion, answers: Mapping[str, Any]) -> list[Violation]:
    """Every way the answers fail the component's schema (generated values count as given)."""
    unknown = sorted(set(answers) - set(entry.properties))
    found = [
        Violation(
            rule=Rule.PARAMETER,
            components=[entry.id],
            message=f"{entry.title} has no parameter {name!r}",
            fix=f"Remove answers.{entry.id}.{name}",
            field=f"answers.{entry.id}.{name}",
        )
        for name in unknown
    ]
    values = effective(entry, {k: v for k, v in answers.items() if k in entry.properties})
    generated = set(to_generate(entry, values))
    for error in Draft202012Validator(entry.parameters).iter_errors(values):
        if error.validator == "required" and _param_of(error) in generated:
            continue
        found.append(_violation(entry, error))
    return found
