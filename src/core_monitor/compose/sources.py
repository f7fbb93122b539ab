"""Reading the other compose files of a bundle (extended, included, override files).

Each file is parsed and interpolated on its own, as Compose does, from the version's
variables. What is read is bounded: the include/extends depth, the number of files read
and their total size (a file read twice counts twice, so a diamond of includes cannot
multiply the work unseen).
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core_monitor.compose.interpolate import interpolate
from core_monitor.compose.loader import MAX_COMPOSE_BYTES, parse
from core_monitor.domain.bundle import ProjectFiles, UnsafePath, clean_path
from core_monitor.errors import FieldError, ValidationFailed

MAX_DEPTH = 10
MAX_READS = 100
MAX_TOTAL_BYTES = 4 * MAX_COMPOSE_BYTES
MAIN = ""  # the main compose file: not in the bundle, at the project root


@dataclass
class Budget:
    reads: int = 0
    total: int = 0


@dataclass
class Sources:
    """The bundle, the variables, and what is left of the reading budget."""

    files: ProjectFiles
    variables: Mapping[str, str]
    budget: Budget = field(default_factory=Budget)
    cache: dict[str, dict[str, Any]] = field(default_factory=dict)
    resolved: dict[tuple[str, str, str], tuple[Any, int]] = field(default_factory=dict)

    def with_variables(self, variables: Mapping[str, str]) -> Sources:
        """The same bundle and budget, other variables (an included project's)."""
        if dict(variables) == dict(self.variables):
            return self
        return Sources(self.files, variables, self.budget)

    def read(self, path: str, where: str) -> dict[str, Any]:
        """The parsed, interpolated bundle file ``path``, read once. Shared: never modify it
        (the steps after build new mappings; merges copy)."""
        if path not in self.cache:
            text = self.text_of(path, where)
            self.cache[path] = self.load(text, path, where)
        return self.cache[path]

    def text_of(self, path: str, where: str) -> str:
        """The text of the bundle file ``path`` (already resolved); ``where`` is the place
        in the compose file that names it, for errors."""
        content = self.files.get(path)
        if content is None:
            raise _fail(where, f"file {path!r} is not in the project's files")
        self.budget.reads += 1
        self.budget.total += len(content)
        if self.budget.reads > MAX_READS or self.budget.total > MAX_TOTAL_BYTES:
            raise _fail(
                where,
                f"compose files read exceed {MAX_READS} files or {MAX_TOTAL_BYTES} bytes",
            )
        try:
            return content.decode("utf-8")
        except UnicodeDecodeError:
            raise _fail(where, f"file {path!r} is not UTF-8 text") from None

    def load(self, text: str, name: str, where: str) -> dict[str, Any]:
        """Parse and interpolate one file; errors inside another file name it."""
        try:
            data = parse(text)
        except ValidationFailed as exc:
            raise relabel(exc, name, where) from None
        errors: list[FieldError] = []
        result: dict[str, Any] = interpolate(data, self.variables, "", errors)
        if errors:
            raise relabel(ValidationFailed(errors), name, where)
        return result


def resolve(directory: str, reference: Any, where: str) -> str:
    """``reference`` (as written in a file of ``directory``) → a clean bundle path."""
    if not isinstance(reference, str) or not reference:
        raise _fail(where, "must be a relative path to a file of the project")
    if reference.startswith("/"):
        raise _fail(where, f"{reference!r}: must be relative to the project, not absolute")
    joined = posixpath.normpath(posixpath.join(directory, reference))
    if joined == ".." or joined.startswith("../"):
        raise _fail(where, f"{reference!r} is outside the project directory")
    try:
        path = clean_path(joined)
    except UnsafePath as exc:
        raise _fail(where, f"{reference!r} {exc}") from None
    if path == ".":
        raise _fail(where, f"{reference!r} is a directory, not a file")
    return path


def check_depth(depth: int, where: str) -> None:
    if depth > MAX_DEPTH:
        raise _fail(where, f"extends/include nested deeper than {MAX_DEPTH} levels")


def _fail(path: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldError(path, message)])


def relabel(exc: ValidationFailed, name: str, where: str) -> ValidationFailed:
    """Errors found inside another file, reported at the place that names it."""
    if name == MAIN:
        return exc
    return ValidationFailed(
        [
            FieldError(where, f"in {name}: {e.path or '(top level)'}: {e.message}")
            for e in exc.errors
        ]
    )
