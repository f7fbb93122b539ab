"""``env_file:`` of a service → its environment, by Compose's precedence.

Short form (a path or a list of paths) or long form (``{path, required, format}``); files are
read from the version's bundle. Later files win over earlier ones and ``environment`` wins
over them all. Expansion inside a file looks at the version's variables first, then the
service's own ``environment``, then what the files before set (what Compose v2 does).
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Mapping
from typing import Any

from core_monitor.compose.dotenv import DotenvError, parse_dotenv, parse_raw
from core_monitor.compose.fields import Invalid, Reader
from core_monitor.domain.bundle import ProjectFiles, UnsafePath, clean_path

FORMATS = {"raw"}


def read_env_files(
    reader: Reader,
    raw: Any,
    path: str,
    environment: Mapping[str, str | None],
    variables: Mapping[str, str],
    files: ProjectFiles,
) -> dict[str, str | None]:
    """The service's environment with its env files merged under it."""
    entries = raw if isinstance(raw, list) else [raw]
    explicit = {k: v for k, v in environment.items() if v is not None}
    lookup: Mapping[str, str] = ChainMap(dict(variables), explicit)
    merged: dict[str, str] = {}
    for i, entry in enumerate(entries):
        item_path = f"{path}[{i}]" if isinstance(raw, list) else path
        try:
            _read_one(reader, entry, item_path, lookup, files, merged)
        except Invalid:
            continue
    # a bare name in `environment` wins too: it is filled from the variables or left unset
    return {**merged, **environment}


def _read_one(
    reader: Reader,
    entry: Any,
    path: str,
    lookup: Mapping[str, str],
    files: ProjectFiles,
    merged: dict[str, str],
) -> None:
    required, fmt = True, None
    if isinstance(entry, dict):
        reader.only_keys(entry, {"path", "required", "format"}, path)
        if "required" in entry:
            required = reader.boolean(entry["required"], f"{path}.required")
        if entry.get("format") is not None:
            fmt = reader.string(entry["format"], f"{path}.format")
            if fmt not in FORMATS:
                raise reader.fail(f"{path}.format", f"unsupported format {fmt!r} (raw)")
        where = f"{path}.path"
        name = reader.string(entry.get("path"), where)
    else:
        where = path
        name = reader.string(entry, path)
    try:
        cleaned = clean_path(name)
    except UnsafePath as exc:
        raise reader.fail(where, f"env file {name!r} {exc}") from None
    content = files.get(cleaned)
    if content is None:
        if required:
            raise reader.fail(where, f"env file {name!r} is not in the stack's files")
        return
    try:
        text = content.decode("utf-8")
        if fmt == "raw":
            merged.update(parse_raw(text))
        else:
            parse_dotenv(text, lookup, merged)
    except UnicodeDecodeError:
        raise reader.fail(where, f"env file {name!r} is not UTF-8 text") from None
    except DotenvError as exc:
        raise reader.fail(where, f"env file {name!r}: {exc}") from None
