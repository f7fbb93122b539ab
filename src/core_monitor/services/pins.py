"""Versions pinned to what ran: the desired state of a pinned version, and the pins of a run.

A re-APPLY or ROLLBACK of a version whose last successful run was recorded runs the images
it ran then (by image ID when still here, else by repo digest), even if the tag moved since.
The config hash is the version's own (the pin changes the image, which the planner compares
by ID anyway), so a pinned re-apply of what already runs changes nothing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping

from core_monitor.domain.compose import ComposeProject
from core_monitor.domain.delivery import Pin, PinChoice, PinUse, choose, gone_refusal
from core_monitor.engine.model import ObservedContainer
from core_monitor.engine.state import DesiredState
from core_monitor.errors import Conflict


class PinnedImageGone(Conflict):
    title = "Pinned image gone"


def choices(
    desired: DesiredState,
    pins: Mapping[str, Pin],
    present: Callable[[str], bool],
    allow_repin: bool,
) -> dict[str, PinChoice]:
    """Per service of the version: what it runs. ``present``: an image ID is on the host."""
    found: dict[str, PinChoice] = {}
    for name, service in desired.services.items():
        if service.build_digest is not None:
            continue  # built from the bundle: its digest label already pins it
        pin = pins.get(name)
        here = pin is not None and present(pin.image_id)
        found[name] = choose(pin, here, allow_repin, service.image)
    return found


def refuse_gone(version: int, chosen: Mapping[str, PinChoice]) -> None:
    """PinnedImageGone (409) naming each service whose pinned image is gone."""
    gone = {s: c.pin for s, c in chosen.items() if c.use == PinUse.GONE and c.pin is not None}
    refusal = gone_refusal(version, gone)
    if refusal:
        raise PinnedImageGone(refusal)


def pinned(
    project: ComposeProject, desired: DesiredState, chosen: Mapping[str, PinChoice]
) -> tuple[ComposeProject, DesiredState]:
    """The project and desired state with each pinned service's image replaced by its pin."""
    use = {s: c for s, c in chosen.items() if c.use in (PinUse.PINNED, PinUse.BY_DIGEST)}
    if not use:
        return project, desired
    services = dict(project.services)
    wanted = dict(desired.services)
    for name, choice in use.items():
        services[name] = services[name].model_copy(update={"image": choice.image})
        wanted[name] = dataclasses.replace(wanted[name], image=choice.image, pin=choice.pin)
    return (
        project.model_copy(update={"services": services}),
        dataclasses.replace(desired, services=wanted),
    )


def run_pins(
    desired: DesiredState,
    containers: list[ObservedContainer],
    digest_of: Callable[[str], str | None],
) -> list[Pin]:
    """What each service ran: its first container's image ID, and that image's repo digest
    (``digest_of``: image ID → repo@sha256:…, None when it has none)."""
    pins = []
    by_service: dict[str, ObservedContainer] = {}
    for c in sorted(containers, key=lambda c: c.number):
        by_service.setdefault(c.service, c)
    for name, service in sorted(desired.services.items()):
        container = by_service.get(name)
        if container is None or not container.image_id:
            continue
        reference = service.pin.reference if service.pin is not None else service.image
        pins.append(
            Pin(
                service=name,
                reference=reference,
                image_id=container.image_id,
                repo_digest=digest_of(container.image_id),
            )
        )
    return pins
