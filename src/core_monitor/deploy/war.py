"""Which Servlet API generation a WAR is written for, read from its ``WEB-INF/web.xml``.

``jakarta`` (Jakarta EE 9+: Tomcat ≥ 10, WildFly ≥ 27) or ``javax`` (Java EE: the older
servers), from the descriptor's XML namespace. The namespace is matched as text in a
bounded prefix of the file: no XML parser ever sees an uploaded document (no entities).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Literal

Namespace = Literal["jakarta", "javax"]

DESCRIPTOR = "WEB-INF/web.xml"
MAX_DESCRIPTOR_BYTES = 256 * 1024
_JAKARTA = re.compile(rb"https?://jakarta\.ee/xml/ns/jakartaee")
_JAVAX = re.compile(
    rb"https?://(xmlns\.jcp\.org/xml/ns/javaee|java\.sun\.com/xml/ns/(javaee|j2ee))"
)


def web_namespace(path: Path) -> Namespace | None:
    """The WAR's generation, or None when it has no descriptor or names neither."""
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                info = archive.getinfo(DESCRIPTOR)
            except KeyError:
                return None
            with archive.open(info) as descriptor:
                head = descriptor.read(MAX_DESCRIPTOR_BYTES)
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    return namespace_of(head)


def namespace_of(descriptor: bytes) -> Namespace | None:
    if _JAKARTA.search(descriptor):
        return "jakarta"
    if _JAVAX.search(descriptor):
        return "javax"
    return None
