"""Names the engine is handed: each checked by the engine's own grammar and limits.

A name that passes here is used verbatim in an Engine API call (a container, network or
volume name, an image reference, a hostname); one that does not would be misread by the
engine or refused by it halfway through an APPLY, so it is refused at version creation.
Each function returns the problem with ``text``, or None when it is fine.
"""

from __future__ import annotations

import re

# moby's RestrictedNamePattern (container names; the engine also takes a leading "/",
# which we refuse: the name is compared with what the engine reports without it)
CONTAINER_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]+", re.ASCII)
# the local volume driver's rule is the same pattern (so at least two characters)
VOLUME_NAME = CONTAINER_NAME
# networks: the same characters; one character is enough
NETWORK_NAME = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]*", re.ASCII)
MAX_NAME = 255

# github.com/distribution/reference: [domain[:port]/]path[:tag][@digest]
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?"
_NAME = rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_TAG = r"\w[\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
IMAGE_REFERENCE = re.compile(rf"(?P<name>{_NAME})(?::{_TAG})?(?:@{_DIGEST})?", re.ASCII)
MAX_IMAGE_NAME = 255  # the repository name, as distribution/reference caps it
MAX_IMAGE_REFERENCE = 1024  # name + tag + digest: far longer than any real one

# RFC 1123 host names; the kernel keeps at most 64 bytes of a host or domain name
_LABEL = r"[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?"
HOSTNAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*", re.ASCII)
MAX_HOSTNAME = 64


def container_name_problem(text: str) -> str | None:
    if len(text) > MAX_NAME or not CONTAINER_NAME.fullmatch(text):
        return (
            f"invalid container name {text!r}: 2-{MAX_NAME} characters, letters, digits, "
            "'_', '.' and '-', starting with a letter or digit"
        )
    return None


def network_name_problem(text: str) -> str | None:
    if len(text) > MAX_NAME or not NETWORK_NAME.fullmatch(text):
        return (
            f"invalid network name {text!r}: 1-{MAX_NAME} characters, letters, digits, "
            "'_', '.' and '-', starting with a letter or digit"
        )
    return None


def volume_name_problem(text: str) -> str | None:
    if len(text) > MAX_NAME or not VOLUME_NAME.fullmatch(text):
        return (
            f"invalid volume name {text!r}: 2-{MAX_NAME} characters, letters, digits, "
            "'_', '.' and '-', starting with a letter or digit"
        )
    return None


def image_problem(text: str) -> str | None:
    """The reference grammar Docker parses image names with: lowercase path components
    separated by '/', an optional registry host[:port] first, then :tag and/or @digest."""
    match = IMAGE_REFERENCE.fullmatch(text) if len(text) <= MAX_IMAGE_REFERENCE else None
    if match is None:
        return (
            f"invalid image reference {text!r}: [registry[:port]/]name[:tag][@digest], the "
            "name in lowercase letters, digits and separators ('.', '_', '-') between '/'"
        )
    if len(match.group("name")) > MAX_IMAGE_NAME:
        return f"image name longer than {MAX_IMAGE_NAME} characters"
    return None


def hostname_problem(text: str) -> str | None:
    if len(text) > MAX_HOSTNAME or not HOSTNAME.fullmatch(text):
        return (
            f"invalid host name {text!r} (RFC 1123): labels of letters, digits and '-' "
            f"separated by '.', at most {MAX_HOSTNAME} characters"
        )
    return None
