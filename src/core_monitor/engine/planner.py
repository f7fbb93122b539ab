"""The planner: a pure function (desired, observed) → Plan. No Docker calls in here.

Rules (Docker Compose v2's, see docs/engineering notes):
- networks and volumes first; external ones must exist, ours are created when missing;
- then the version's bundle files into the project directory, when the manifest read back
  from there differs (``engine/project_files.py``);
- orphans (containers of services absent from the version) are removed;
- a container is recreated only when its config hash, its image ID or its name changed
  (the new one ends under the desired name), or when an adoption found it differing from
  the adopted version (``adopted_differences``, see ``engine/adopted.py``);
- steps on an observed container carry its id: the executor addresses it by id, never by a
  name another worker may have reused;
- scale down removes the highest numbers; scale up adds the next numbers;
- containers that should run but do not are started (a one-shot that exited 0 with
  restart "no" has completed and is left alone);
- starts follow depends_on layers; steps of one layer may run in parallel;
- a layer whose services other services depend on ends with a wait step per condition
  (service_started, service_healthy, service_completed_successfully), marked not required
  when every dependent says ``required: false``: the executor decides nothing;
- a container that joins another service's namespaces (network_mode, ipc or pid:
  service:x) names those services on its create (``joins``): it is created once they run;
- an image built from the bundle is built when missing, when its digest label differs from
  the context's, or always with ``pull_policy: build``; it is never pulled;
- the plan lists steps in the order they run: pulls, builds, networks, volumes, removals, then per
  layer its creates and recreates, its starts and restarts, its waits.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice

from core_monitor.compose.hashing import EXCLUDED_FROM_SERVICE_HASH as HASH_EXCLUDED
from core_monitor.domain.delivery import pinned_text
from core_monitor.domain.diff import FieldChange, field_changes
from core_monitor.domain.graph import layers
from core_monitor.domain.plan import (
    Cause,
    ContainerStep,
    Plan,
    ResourceStep,
    Step,
    StepDetails,
    StepKind,
    describe,
)
from core_monitor.engine import labels as lbl
from core_monitor.engine import layering, project_files
from core_monitor.engine.model import ObservedContainer
from core_monitor.engine.plan_warnings import plan_warnings
from core_monitor.engine.state import DesiredService, DesiredState, ObservedState
from core_monitor.errors import FieldError, ValidationFailed

_NO_DETAILS = StepDetails()


def plan(desired: DesiredState, observed: ObservedState) -> Plan:
    steps: list[Step] = []
    steps += _images(desired, observed)
    steps += _resources(desired, observed)
    files = project_files.step(desired.project, desired.manifest, observed.project_files)
    steps += [files] if files else []
    by_service: dict[str, list[ObservedContainer]] = {}
    for container in observed.containers:
        by_service.setdefault(container.service, []).append(container)
    for service, containers in sorted(by_service.items()):
        if service not in desired.services:
            steps += [
                _remove(
                    c,
                    service,
                    Cause.ORPHAN,
                    describe(Cause.ORPHAN, service=service, version=desired.version),
                )
                for c in _by_number(containers)
            ]
    layer_of = {name: i for i, names in enumerate(_layers(desired)) for name in names}
    for name, wanted in sorted(desired.services.items()):
        found = _service(desired, observed, wanted, by_service.get(name, []), layer_of[name])
        steps += _with_pin(found, wanted, observed) if wanted.pin is not None else found
    steps += _restarts_for_recreated_dependencies(desired, observed, steps, layer_of)
    steps += layering.waits(desired, steps, layer_of)
    return Plan(
        stack=desired.project,
        version=desired.version,
        steps=layering.in_run_order(steps),
        warnings=plan_warnings(desired),
    )


def _with_pin(steps: list[Step], service: DesiredService, observed: ObservedState) -> list[Step]:
    """A pinned service's creates and recreates say what it is pinned to and where its tag
    points now (both image IDs)."""
    pin = service.pin
    assert pin is not None
    tag_image = observed.images.get(pin.reference)
    text = pinned_text(pin, tag_image)
    out: list[Step] = []
    for step in steps:
        if step.kind in (StepKind.CREATE_CONTAINER, StepKind.RECREATE_CONTAINER):
            details = step.details.model_copy(
                update={"pinned": pin.image_id, "tag_image": tag_image}
            )
            step = step.model_copy(update={"details": details, "reason": f"{step.reason}; {text}"})
        out.append(step)
    return out


def _restarts_for_recreated_dependencies(
    desired: DesiredState, observed: ObservedState, steps: list[Step], layer_of: dict[str, int]
) -> list[Step]:
    """`depends_on: {x: {restart: true}}`: when x is recreated, restart the dependent's
    containers that are otherwise left as they are (Compose does the same)."""
    recreated = {
        s.service
        for s in steps
        if isinstance(s, ContainerStep) and s.kind == StepKind.RECREATE_CONTAINER
    }
    touched = {s.target for s in steps}
    ids = {c.name: c.id for c in observed.containers}
    restarts: list[Step] = []
    for name, service in sorted(desired.services.items()):
        causes = sorted(service.restart_with & recreated)
        if not causes:
            continue
        for number in range(1, service.replicas + 1):
            target = _name(desired, service, number)
            if target not in touched:
                restarts.append(
                    ContainerStep(
                        kind=StepKind.RESTART_CONTAINER,
                        target=target,
                        container_id=ids.get(target),
                        service=name,
                        number=number,
                        layer=layer_of[name],
                        cause=Cause.DEPENDENCY_RECREATED,
                        reason=describe(Cause.DEPENDENCY_RECREATED, dependency=causes[0]),
                        details=StepDetails(dependency=causes[0]),
                    )
                )
    return restarts


def _layers(desired: DesiredState) -> list[list[str]]:
    return layers({name: set(s.depends_on) for name, s in desired.services.items()})


def _resources(desired: DesiredState, observed: ObservedState) -> list[Step]:
    steps: list[Step] = []
    missing_external = []
    for kind, wanted, present in (
        ("network", desired.networks, observed.present_networks),
        ("volume", desired.volumes, observed.present_volumes),
    ):
        for key, (name, external) in sorted(wanted.items()):
            if name in present:
                continue
            if external:
                missing_external.append(
                    FieldError(f"{kind}s.{key}", f"external {kind} {name!r} does not exist")
                )
                continue
            steps.append(
                ResourceStep(
                    kind=StepKind.CREATE_NETWORK if kind == "network" else StepKind.CREATE_VOLUME,
                    target=name,
                    cause=Cause.MISSING,
                    reason=describe(Cause.MISSING, what=f"{kind} {key!r}"),
                )
            )
    if missing_external:
        raise ValidationFailed(missing_external)
    return steps


def _images(desired: DesiredState, observed: ObservedState) -> list[Step]:
    steps: list[Step] = _builds(desired, observed)
    built = {s.image for s in desired.services.values() if s.build_digest is not None}
    policies: dict[str, set[str]] = {}
    platforms: dict[str, set[str | None]] = {}
    for service in desired.services.values():
        if service.image not in built:  # a built image is never pulled
            policies.setdefault(service.image, set()).add(service.pull_policy)
            platforms.setdefault(service.image, set()).add(service.config.get("platform"))
    for reference, wanted in sorted(policies.items()):
        # one pull per image: with the platform its services agree on (else the engine's)
        asked = platforms[reference]
        platform = next(iter(asked)) if len(asked) == 1 else None
        if "always" in wanted:
            steps.append(_pull(reference, Cause.PULL_POLICY, platform))
        elif observed.images.get(reference) is None:
            if "missing" not in wanted:
                raise ValidationFailed(
                    [
                        FieldError(
                            "pull_policy",
                            f"image {reference} is not present and pull_policy is never",
                        )
                    ]
                )
            steps.append(_pull(reference, Cause.MISSING, platform))
    return steps


def _builds(desired: DesiredState, observed: ObservedState) -> list[Step]:
    """One build per built image (the first service by name that builds it): when the image
    is missing, when its digest label differs from the context's, or on every apply with
    ``pull_policy: build`` (as ``docker compose up`` does; the build cache makes it cheap)."""
    builders: dict[str, DesiredService] = {}
    built = [s for s in desired.services.values() if s.build_digest is not None]
    for service in sorted(built, key=lambda s: s.name):
        builders.setdefault(service.image, service)
    steps: list[Step] = []
    for reference, service in sorted(builders.items()):
        found = observed.built.get(reference)
        if service.pull_policy == "build":
            cause, reason = Cause.PULL_POLICY, describe(Cause.PULL_POLICY, policy="build")
        elif observed.images.get(reference) is None:
            cause, reason = Cause.MISSING, describe(Cause.MISSING, what=f"image {reference}")
        elif found != service.build_digest:
            what = "no build label" if found is None else f"was {found[:19]}"
            cause, reason = Cause.BUILD_CHANGED, describe(Cause.BUILD_CHANGED, what=what)
        else:
            continue
        steps.append(
            ResourceStep(
                kind=StepKind.BUILD_IMAGE,
                target=reference,
                cause=cause,
                reason=reason,
                service=service.name,
                digest=service.build_digest,
            )
        )
    return steps


def _pull(reference: str, cause: Cause, platform: str | None) -> Step:
    return ResourceStep(
        kind=StepKind.PULL_IMAGE,
        target=reference,
        cause=cause,
        reason=describe(cause, what=f"image {reference}", policy="always"),
        details=StepDetails(platform=platform),
    )


def _by_number(containers: list[ObservedContainer]) -> list[ObservedContainer]:
    return sorted(containers, key=lambda c: (c.number, c.name))


def _service(
    desired: DesiredState,
    observed: ObservedState,
    service: DesiredService,
    containers: list[ObservedContainer],
    layer: int,
) -> list[Step]:
    steps: list[Step] = []
    image_id = observed.images.get(service.image)
    canonical = {c.name: c.name == _name(desired, service, c.number) for c in containers}
    # a crashed recreate can leave "<tmp>_<name>" beside the real one: keep the real one
    current = sorted(containers, key=lambda c: (c.number, not canonical[c.name], c.name))
    keep: list[ObservedContainer] = []
    seen_numbers: set[int] = set()
    for container in current:
        if container.number in seen_numbers or container.number < 1:  # duplicates: converge
            steps.append(
                _remove(container, service.name, Cause.DUPLICATE, describe(Cause.DUPLICATE))
            )
            continue
        seen_numbers.add(container.number)
        keep.append(container)
    # scale down: outdated first, then the highest numbers
    excess = len(keep) - service.replicas
    if excess > 0:
        keep, victims = _scale_down(keep, service, image_id, excess)
        text = describe(Cause.SCALE_DOWN, replicas=service.replicas)
        details = StepDetails(replicas=service.replicas)
        steps += [_remove(c, service.name, Cause.SCALE_DOWN, text, details) for c in victims]
    for container in keep:
        name = _name(desired, service, container.number)
        why = _recreate_cause(container, service, image_id, observed, name)
        if why is not None:
            cause, details = why
            steps.append(
                ContainerStep(
                    kind=StepKind.RECREATE_CONTAINER,
                    target=name,  # the name the new container ends under
                    container_id=container.id,  # the one it replaces
                    service=service.name,
                    number=container.number,
                    cause=cause,
                    reason=_recreate_text(cause, details),
                    details=details,
                    layer=layer,
                    joins=tuple(sorted(service.joins)),
                )
            )
            steps.append(_start(name, service.name, container.number, layer, Cause.RECREATED))
        elif desired.run and _should_start(container, service):
            steps.append(
                _start(
                    container.name,
                    service.name,
                    container.number,
                    layer,
                    Cause.NOT_RUNNING,
                    container.id,
                    container.state,
                )
            )
    missing = max(0, service.replicas - len(keep))
    for free in islice(_free_numbers({c.number for c in keep}), missing):
        name = _name(desired, service, free)
        steps.append(
            ContainerStep(
                kind=StepKind.CREATE_CONTAINER,
                target=name,
                service=service.name,
                number=free,
                cause=Cause.MISSING,
                reason=describe(Cause.MISSING, what="container"),
                details=_NO_DETAILS,  # shared (frozen): a default is deep-copied per step
                layer=layer,
                joins=tuple(sorted(service.joins)),  # created once the services it joins are up
            )
        )
        if desired.run:
            steps.append(_start(name, service.name, free, layer, Cause.CREATED))
    return steps


def _name(desired: DesiredState, service: DesiredService, number: int) -> str:
    """The name a service's container ``number`` should have."""
    return lbl.container_name(desired.project, service.name, number, service.container_name)


def _scale_down(
    keep: list[ObservedContainer], service: DesiredService, image_id: str | None, excess: int
) -> tuple[list[ObservedContainer], list[ObservedContainer]]:
    """(kept, removed highest number first): outdated containers go first, then the highest
    numbers. Membership by container id in sets: a list scan per container is quadratic."""
    outdated = [c for c in keep if _outdated(c, service, image_id)]
    outdated_ids = {c.id for c in outdated}
    victims = (outdated + [c for c in reversed(keep) if c.id not in outdated_ids])[:excess]
    gone = {c.id for c in victims}
    kept = [c for c in keep if c.id not in gone]
    return kept, sorted(victims, key=lambda c: -c.number)


def _free_numbers(taken: set[int]) -> Iterator[int]:
    """1, 2, 3 … skipping numbers in use: gaps are filled first, then past the highest.
    Taking k of them walks at most k + len(taken) numbers."""
    number = 0
    while True:
        number += 1
        if number not in taken:
            yield number


def _remove(
    container: ObservedContainer,
    service: str,
    cause: Cause,
    reason: str,
    details: StepDetails | None = None,
) -> Step:
    return ContainerStep(
        kind=StepKind.REMOVE_CONTAINER,
        target=container.name,
        container_id=container.id,
        service=service,
        number=container.number,
        cause=cause,
        reason=reason,
        details=details or StepDetails(),
    )


def _start(
    name: str,
    service: str,
    number: int,
    layer: int,
    cause: Cause,
    container_id: str | None = None,
    state: str | None = None,
) -> Step:
    """``container_id``: the observed container to start (None: the one this plan creates);
    ``state``: what it is now, for a container that should run and does not."""
    return ContainerStep(
        kind=StepKind.START_CONTAINER,
        target=name,
        container_id=container_id,
        service=service,
        number=number,
        cause=cause,
        reason=describe(cause, state=state),
        details=StepDetails(state=state),
        layer=layer,
    )


def _outdated(container: ObservedContainer, service: DesiredService, image_id: str | None) -> bool:
    return container.config_hash != service.config_hash or (
        image_id is not None and container.image_id != image_id
    )


def _should_start(container: ObservedContainer, service: DesiredService) -> bool:
    if container.state in ("running", "restarting"):
        return False
    completed = container.state == "exited" and container.exit_code == 0
    return not (completed and service.restart_policy == "no")


def _recreate_cause(
    container: ObservedContainer,
    service: DesiredService,
    image_id: str | None,
    observed: ObservedState,
    name: str,
) -> tuple[Cause, StepDetails] | None:
    """``name``: the container's desired name (container_name added, changed or removed;
    or a recreate that crashed before its rename left the temporary name)."""
    differing = observed.adopted_differences.get(container.id)
    if differing is not None:
        return Cause.ADOPTED_DIFFERS, StepDetails(fields=differing)
    if container.config_hash != service.config_hash:
        return Cause.CONFIG_CHANGED, StepDetails(
            fields=_changed_fields(container, service, observed)
        )
    if image_id is not None and container.image_id != image_id:
        return Cause.IMAGE_CHANGED, StepDetails()
    if container.name != name:
        return Cause.NAME_CHANGED, StepDetails()
    return None


def _recreate_text(cause: Cause, details: StepDetails) -> str:
    fields = ", ".join(details.fields) or "configuration hash differs"
    return describe(cause, fields=fields)


def _changed_fields(
    container: ObservedContainer, service: DesiredService, observed: ObservedState
) -> list[str]:
    """The first fields that differ from the container's version; empty when the
    container's configuration is not one of this stack's versions."""
    version = container.labels.get(lbl.STACK_VERSION, "")
    before = observed.previous_configs.get(
        (int(version), service.name) if version.isdigit() else (0, "")
    )
    if before is None:
        return []
    changes: list[FieldChange] = field_changes(
        "",
        {k: v for k, v in before.items() if k not in HASH_EXCLUDED},
        {k: v for k, v in service.config.items() if k not in HASH_EXCLUDED},
    )
    return [c.path for c in changes[:8]]
