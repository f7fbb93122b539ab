"""Safe delivery, the pure rules: pins (what ran), the freeze after a rollback, the
health gate of an atomic apply, and the words for each. No I/O here.

- A pin is the image a service of a version ran, by image ID (and repo digest when the
  image has one), recorded when an APPLY or ROLLBACK of that version succeeded.
- A stack is frozen at vN by a ROLLBACK; an APPLY of another version is refused while it
  is, unless forced (an operator) or unfrozen.
- An atomic apply passes its gate when every service runs (healthy where it has a
  healthcheck) or, a one-shot, exited 0; it fails at once on an unhealthy container or a
  container that exited non-zero under restart "no", else when the timeout runs out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from core_monitor.domain.diff import ImageChange
from core_monitor.domain.health import Seen, Wanted

MAX_TIMEOUT_SECONDS = 3600
DEFAULT_TIMEOUT_SECONDS = 300
_DURATION = re.compile(r"^(?:(\d{1,4})h)?(?:(\d{1,5})m)?(?:(\d{1,6})s)?$")


class Pin(BaseModel):
    """The image a service ran: its ID, its repo digest (if any), the tag it was asked by."""

    model_config = ConfigDict(frozen=True)

    service: str
    reference: str  # the image reference of the version (the tag)
    image_id: str  # sha256:…
    repo_digest: str | None = None  # repo@sha256:… (pullable by digest)


class Freeze(BaseModel):
    """A stack frozen at a version by a rollback: who, why, when."""

    model_config = ConfigDict(frozen=True)

    version: int
    by: str
    reason: str
    at: datetime


class DeliveryDefaults(BaseModel):
    """A stack's defaults for APPLY: atomic or not, and the gate's timeout."""

    model_config = ConfigDict(frozen=True)

    atomic: bool = False
    timeout_seconds: int = DEFAULT_TIMEOUT_SECONDS


def parse_duration(text: str) -> int:
    """Seconds of "5m", "90s", "1h30m" or a bare number of seconds; ValueError otherwise
    (zero, or more than an hour, too)."""
    text = text.strip()
    if text.isdigit():
        seconds = int(text)
    else:
        match = _DURATION.match(text)
        if match is None or not any(match.groups()):
            raise ValueError(f"{text!r} is not a duration such as 90s, 5m or 1h")
        h, m, s = (int(g or 0) for g in match.groups())
        seconds = h * 3600 + m * 60 + s
    if not 1 <= seconds <= MAX_TIMEOUT_SECONDS:
        raise ValueError(f"a timeout is between 1s and {MAX_TIMEOUT_SECONDS}s")
    return seconds


def image_changes(a: Mapping[str, Pin], b: Mapping[str, Pin]) -> list[ImageChange]:
    """Services whose pins differ by image ID (a service pinned on one side only counts)."""
    changes = []
    for service in sorted(set(a) | set(b)):
        pa, pb = a.get(service), b.get(service)
        if (pa and pa.image_id) == (pb and pb.image_id):
            continue
        changes.append(
            ImageChange(
                service=service,
                from_reference=pa.reference if pa else None,
                from_image_id=pa.image_id if pa else None,
                to_reference=pb.reference if pb else None,
                to_image_id=pb.image_id if pb else None,
            )
        )
    return changes


# -- freeze ---------------------------------------------------------------------------
def apply_refusal(freeze: Freeze | None, version: int, force: bool) -> str | None:
    """Why an APPLY of ``version`` is refused (None: it is not). Applying the version the
    stack is frozen at changes nothing, so it is let through."""
    if freeze is None or force or version == freeze.version:
        return None
    return (
        f"the stack is frozen at v{freeze.version} by {freeze.by} ({freeze.reason or 'no reason'}"
        f", {freeze.at.isoformat(timespec='seconds')}): unfreeze it, or apply with force"
    )


def freeze_reason(comment: str | None, version: int) -> str:
    return comment.strip() if comment and comment.strip() else f"rolled back to v{version}"


# -- pins -----------------------------------------------------------------------------
class PinUse(StrEnum):
    """What a desired service runs given its pin and the host."""

    TAG = "tag"  # no pin (or re-pin asked): the tag as it points now
    PINNED = "pinned"  # the pinned image ID, present here
    BY_DIGEST = "by_digest"  # gone here, pulled by its repo digest
    GONE = "gone"  # gone here and no digest to pull it by: refused unless re-pinned


@dataclass(frozen=True)
class PinChoice:
    use: PinUse
    image: str  # the reference the container is created from
    pin: Pin | None


def choose(pin: Pin | None, present: bool, allow_repin: bool, reference: str) -> PinChoice:
    """``present``: the pinned image ID is on the host. A pin recorded for another image
    reference (the version cannot change, so only by hand) is ignored."""
    if pin is None or pin.reference != reference:
        return PinChoice(PinUse.TAG, reference, None)
    if present:
        return PinChoice(PinUse.PINNED, pin.image_id, pin)
    if pin.repo_digest:
        return PinChoice(PinUse.BY_DIGEST, pin.repo_digest, pin)
    if allow_repin:
        return PinChoice(PinUse.TAG, reference, None)
    return PinChoice(PinUse.GONE, reference, pin)


def gone_refusal(version: int, gone: Mapping[str, Pin]) -> str | None:
    """Why a version whose pinned images are gone cannot run as it ran (None: it can)."""
    if not gone:
        return None
    named = ", ".join(
        f"service {s!r} ran {p.reference} as {p.image_id}" for s, p in sorted(gone.items())
    )
    return (
        f"v{version} is pinned to images no longer on this host and not pullable by digest "
        f"({named}): keep the images, or pass allow_repin: true to run the tags as they "
        "point now (and pin those)"
    )


def pinned_text(pin: Pin, tag_id: str | None) -> str:
    """The plan's words for a pinned service: the pin and where the tag points now."""
    now = tag_id or "nothing here"
    return f"pinned to {pin.image_id} (tag {pin.reference} now points to {now})"


# -- the health gate ------------------------------------------------------------------
class GateState(StrEnum):
    PASSED = "passed"
    WAITING = "waiting"
    FAILED = "failed"


@dataclass(frozen=True)
class GateVerdict:
    state: GateState
    service: str | None = None  # the first service failing or still waiting
    why: str = ""  # its state in words (health, exit code)
    container: str | None = None  # the container that says so (for its last health output)


def gate(
    wanted: Mapping[str, Wanted],
    containers: Sequence[Seen],
    names: Mapping[int, str] | None = None,
    one_shots: AbstractSet[str] = frozenset(),
) -> GateVerdict:
    """The atomic apply's gate over one observation. ``names``: id(container) → name, to
    say which container failed (the engine's containers carry their own name);
    ``one_shots``: services another waits for with service_completed_successfully (an exit
    0 is their success, whatever their restart policy)."""
    by_service: dict[str, list[Seen]] = {}
    for c in containers:
        by_service.setdefault(c.service, []).append(c)
    waiting: GateVerdict | None = None
    for service, spec in sorted(wanted.items()):
        seen = by_service.get(service, [])
        policy = "no" if service in one_shots else spec.restart_policy
        for c in seen:
            failed = _failed(c, policy)
            if failed:
                return GateVerdict(GateState.FAILED, service, failed, _name(c, names))
        ready = [c for c in seen if _ready(c, policy)]
        if len(ready) < spec.replicas and waiting is None:
            waiting = GateVerdict(GateState.WAITING, service, _waiting_why(seen, spec.replicas))
    return waiting or GateVerdict(GateState.PASSED)


def one_shot_services(depends_on: Mapping[str, Mapping[str, str]]) -> frozenset[str]:
    """Services some service waits for with service_completed_successfully (``depends_on``:
    service → its dependencies → condition)."""
    return frozenset(
        dep
        for deps in depends_on.values()
        for dep, condition in deps.items()
        if condition == "service_completed_successfully"
    )


def _name(c: Seen, names: Mapping[int, str] | None) -> str | None:
    own = getattr(c, "name", None)
    return str(own) if own is not None else (names or {}).get(id(c))


def _failed(c: Seen, restart_policy: str) -> str:
    if c.state == "running" and c.health == "unhealthy":
        return "unhealthy"
    if c.state in ("exited", "dead") and c.exit_code not in (0, None) and restart_policy == "no":
        return f"exited with code {c.exit_code}"
    return ""


def _ready(c: Seen, restart_policy: str) -> bool:
    if c.state == "running":
        return c.health in (None, "healthy")
    # a one-shot that completed: exited 0 (restart "no", or on-failure that did not fire)
    return c.state == "exited" and c.exit_code == 0 and restart_policy in ("no", "on-failure")


def _waiting_why(seen: Sequence[Seen], replicas: int) -> str:
    if not seen:
        return f"no container (wants {replicas})"
    states = sorted({c.state + (f" ({c.health})" if c.health else "") + _code(c) for c in seen})
    return ", ".join(states)


def _code(c: Seen) -> str:
    return f" exit {c.exit_code}" if c.state in ("exited", "dead") else ""
